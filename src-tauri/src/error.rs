//! The one error type commands return. It reaches the UI as `{code, message}` (plus the Moderno
//! or HTTP status when there is one); the UI branches on `code`, never on the message.

use moderno_device::DeviceError;
use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, export_to = "../../ui/src/generated/")]
pub struct CommandError {
    /// Stable and machine-readable: `DeviceError::code()`, or one of the shell's own below.
    pub code: String,
    /// Plain words for the person in front of the window.
    pub message: String,
    /// The HTTP status of the server that refused, when a server refused.
    pub status: Option<u16>,
}

impl CommandError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self { code: code.to_string(), message: message.into(), status: None }
    }

    /// The app is still starting (or restarting) its connection.
    pub fn not_connected() -> Self {
        Self::new("not_connected", "the app is not connected to a server yet: choose one on the connection screen")
    }

    /// A step of a login was sent with no login going on.
    pub fn no_login() -> Self {
        Self::new("no_login_in_progress", "no sign-in is in progress here: sign in again")
    }

    /// The embedded server stack could not start.
    pub fn embedded_stack(error: &anyhow::Error) -> Self {
        Self::new("embedded_stack_failed", format!("the built-in server could not start: {error:#}"))
    }
}

impl From<DeviceError> for CommandError {
    fn from(error: DeviceError) -> Self {
        let view = error.view();
        tracing::warn!(code = view.code, "command failed");
        Self { code: view.code.to_string(), message: view.message, status: view.sdk.map(|s| s.http_status) }
    }
}

impl std::fmt::Display for CommandError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for CommandError {}

#[cfg(test)]
mod tests {
    use super::*;
    use moderno_device::KeyStoreError;

    #[test]
    fn a_device_error_keeps_its_stable_code_and_plain_message() {
        let locked = DeviceError::KeyStore(KeyStoreError::Unavailable("unlock the keyring".into()));
        let error = CommandError::from(locked);
        assert_eq!(error.code, "keyring_unavailable");
        assert_eq!(error.message, "unlock the keyring");
        let json = serde_json::to_value(&error).expect("serializes");
        assert_eq!(json["code"], "keyring_unavailable", "the UI reads `code`: {json}");
    }
}
