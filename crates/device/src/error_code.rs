//! The stable codes a front end branches on, one enum for every refusal the device crate words.
//! A code never changes meaning once shipped; the UI receives them as a TypeScript union (the
//! `ts` feature lets the Tauri shell export it to `ui/src/generated/` with its `ErrorCode`; the
//! path is the shell's, so this crate exports nothing itself), so a misspelt case no longer
//! compiles.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export_to = "../../ui/src/generated/"))]
pub enum DeviceCode {
    /// The keyring did not answer or is locked.
    KeyringUnavailable,
    KeyringTimedOut,
    /// The keyring holds something for this profile that is no device identity.
    KeyringCorrupt,
    ServerUnreachable,
    UnexpectedServerAnswer,
    InvalidServerPayload,
    TrustLevelNotOffered,
    InvalidSelection,
    NoPairingInProgress,
    PairingExpired,
    NotPaired,
    PairedWithOtherUser,
    /// The PingID SDK server refused (its `ErrorBody` comes with it).
    SdkError,
    InvalidInput,
    /// PingFederate refused (its codes come with it).
    PingfederateError,
    /// PingOne MFA refused (its codes come with it).
    PingoneError,
    InvalidToken,
    /// The running backend's flows never ask for this step.
    NotAsked,
}

impl DeviceCode {
    /// The code as it travels (`"keyring_unavailable"`), for logs and JSON lines.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::KeyringUnavailable => "keyring_unavailable",
            Self::KeyringTimedOut => "keyring_timed_out",
            Self::KeyringCorrupt => "keyring_corrupt",
            Self::ServerUnreachable => "server_unreachable",
            Self::UnexpectedServerAnswer => "unexpected_server_answer",
            Self::InvalidServerPayload => "invalid_server_payload",
            Self::TrustLevelNotOffered => "trust_level_not_offered",
            Self::InvalidSelection => "invalid_selection",
            Self::NoPairingInProgress => "no_pairing_in_progress",
            Self::PairingExpired => "pairing_expired",
            Self::NotPaired => "not_paired",
            Self::PairedWithOtherUser => "paired_with_other_user",
            Self::SdkError => "sdk_error",
            Self::InvalidInput => "invalid_input",
            Self::PingfederateError => "pingfederate_error",
            Self::PingoneError => "pingone_error",
            Self::InvalidToken => "invalid_token",
            Self::NotAsked => "not_asked",
        }
    }
}

impl std::fmt::Display for DeviceCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// So tests and callers may compare with the code as written on the wire.
impl PartialEq<&str> for DeviceCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_code_travels_as_its_snake_case_name() {
        for code in
            [DeviceCode::KeyringUnavailable, DeviceCode::PingfederateError, DeviceCode::NotAsked, DeviceCode::SdkError]
        {
            assert_eq!(serde_json::to_value(code).unwrap(), code.as_str(), "{code:?}");
        }
    }
}
