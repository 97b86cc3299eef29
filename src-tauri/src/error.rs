//! The one error type commands return. It reaches the UI as `{code, message}` (plus the Moderno
//! or HTTP status when there is one); the UI branches on `code`, never on the message.

use moderno_device::{DeviceCode, DeviceError};
use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, export_to = "../../ui/src/generated/")]
pub struct CommandError {
    /// Stable and machine-readable: the device crate's code, or one of the shell's own.
    pub code: ErrorCode,
    /// Plain words for the person in front of the window.
    pub message: String,
    /// The HTTP status of the server that refused, when a server refused.
    pub status: Option<u16>,
}

/// Every code a command can answer: the UI receives it as a union of string literals, so each
/// `case` it branches on is checked against what the shell can send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(untagged)]
#[ts(export, export_to = "../../ui/src/generated/")]
pub enum ErrorCode {
    Device(DeviceCode),
    Shell(ShellCode),
}

/// The shell's own codes: what only a window, its connection or its panels can refuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, export_to = "../../ui/src/generated/")]
pub enum ShellCode {
    NotConnected,
    NoLoginInProgress,
    EmbeddedStackFailed,
    InvalidServerUrl,
    WrongBackend,
    NotSignedIn,
    NoTransfer,
    NoAdminApi,
    AdminRefused,
    WindowFailed,
    ExportFailed,
    NoScenario,
    InvalidScenario,
    ScenarioFailed,
    /// Never sent by the shell: what the UI words a rejection that is no `CommandError` as (the
    /// IPC layer's own refusal).
    Internal,
}

impl From<DeviceCode> for ErrorCode {
    fn from(code: DeviceCode) -> Self {
        Self::Device(code)
    }
}

impl From<ShellCode> for ErrorCode {
    fn from(code: ShellCode) -> Self {
        Self::Shell(code)
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::String(code)) => f.write_str(&code),
            _ => write!(f, "{self:?}"),
        }
    }
}

impl CommandError {
    pub fn new(code: impl Into<ErrorCode>, message: impl Into<String>) -> Self {
        Self { code: code.into(), message: message.into(), status: None }
    }

    /// The app is still starting (or restarting) its connection.
    pub fn not_connected() -> Self {
        Self::new(
            ShellCode::NotConnected,
            "the app is not connected to a server yet: choose one on the connection screen",
        )
    }

    /// A step of a login was sent with no login going on.
    pub fn no_login() -> Self {
        Self::new(ShellCode::NoLoginInProgress, "no sign-in is in progress here: sign in again")
    }

    /// The embedded server stack could not start.
    pub fn embedded_stack(error: &anyhow::Error) -> Self {
        Self::new(ShellCode::EmbeddedStackFailed, format!("the built-in server could not start: {error:#}"))
    }
}

impl From<DeviceError> for CommandError {
    fn from(error: DeviceError) -> Self {
        let view = error.view();
        tracing::warn!(code = view.code.as_str(), "command failed");
        Self { code: view.code.into(), message: view.message, status: view.sdk.map(|s| s.http_status) }
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
        assert_eq!(error.code, ErrorCode::Device(DeviceCode::KeyringUnavailable));
        assert_eq!(error.message, "unlock the keyring");
        let json = serde_json::to_value(&error).expect("serializes");
        assert_eq!(json["code"], "keyring_unavailable", "the UI reads `code`: {json}");
    }

    #[test]
    fn the_shells_codes_and_the_devices_travel_as_plain_strings() {
        let shell = serde_json::to_value(CommandError::not_connected()).unwrap();
        assert_eq!(shell["code"], "not_connected");
        let device = serde_json::to_value(CommandError::new(DeviceCode::InvalidInput, "x")).unwrap();
        assert_eq!(device["code"], "invalid_input");
        assert_eq!(ErrorCode::Shell(ShellCode::AdminRefused).to_string(), "admin_refused");
    }
}
