//! The one error type the SDK component hands to its callers (CLI, Tauri shell, tests).
//!
//! Callers branch on [`DeviceError::code`], a stable machine string; the `Display` text is for
//! people. Nothing in here ever carries a key, an OTP secret or a password.

use moderno_wire::payload::TrustLevel;
use moderno_wire::sdk::{DetailCode, ErrorCode};
use serde::Serialize;

use crate::key_store::KeyStoreError;
use crate::DeviceCode;

/// An error answer of the SDK server (Ping's `ErrorBody`), reduced to what a caller acts on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SdkError {
    pub http_status: u16,
    pub code: ErrorCode,
    pub details: Vec<DetailCode>,
    pub message: String,
}

/// An error answer of PingFederate's authentication API or of PingOne MFA's device API, reduced
/// to what a caller acts on: Ping's `code`, the detail codes, and (wrong passcode) the tries left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceError {
    pub http_status: u16,
    pub code: String,
    pub details: Vec<String>,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempts_left: Option<u32>,
}

impl ServiceError {
    pub fn has_detail(&self, detail: &str) -> bool {
        self.details.iter().any(|d| d == detail)
    }
}

impl SdkError {
    pub fn has_detail(&self, detail: DetailCode) -> bool {
        self.details.contains(&detail)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    #[error(transparent)]
    KeyStore(#[from] KeyStoreError),
    #[error("cannot reach {server}: {reason}")]
    ServerUnreachable { server: String, reason: String },
    #[error("{server} gave an answer this app does not understand: {detail}")]
    UnexpectedAnswer { server: String, detail: String },
    #[error("the server payload was refused: {0}")]
    InvalidServerPayload(String),
    #[error("trust level {chosen:?} was not offered (offered: {offered:?}){}", not_offered_hint(*.chosen))]
    TrustLevelNotOffered { chosen: TrustLevel, offered: Vec<TrustLevel> },
    #[error("{0}")]
    InvalidSelection(String),
    #[error("no pairing is in progress: log in first so the server sends its trust levels")]
    NoPairingInProgress,
    #[error("the pairing offer expired: log in again to get a new one")]
    PairingExpired,
    #[error("this device is not paired (profile {profile:?})")]
    NotPaired { profile: String },
    #[error("profile {profile:?} is paired with user {paired_with:?}; use another profile for {requested:?}")]
    PairedWithOtherUser { profile: String, paired_with: String, requested: String },
    #[error("the PingID SDK server refused: {} ({:?}{})", .0.message, .0.code, details_text(&.0.details))]
    Sdk(SdkError),
    #[error("{0}")]
    InvalidInput(String),
    #[error("PingFederate refused: {} ({}{})", .0.message, .0.code, service_details_text(&.0.details))]
    PingFederate(ServiceError),
    #[error("PingOne MFA refused: {} ({}{})", .0.message, .0.code, service_details_text(&.0.details))]
    PingOne(ServiceError),
    #[error("the token was refused: {0}")]
    InvalidToken(String),
}

fn service_details_text(details: &[String]) -> String {
    if details.is_empty() {
        String::new()
    } else {
        format!(", {}", details.join(", "))
    }
}

fn not_offered_hint(chosen: TrustLevel) -> &'static str {
    match chosen {
        TrustLevel::Primary => "; PRIMARY is offered only while the user has no primary device",
        _ => "",
    }
}

fn details_text(details: &[DetailCode]) -> String {
    if details.is_empty() {
        String::new()
    } else {
        format!(", {details:?}")
    }
}

impl DeviceError {
    /// A stable code the UI branches on. Never changes meaning once shipped.
    pub fn code(&self) -> DeviceCode {
        match self {
            Self::KeyStore(e) => e.code(),
            Self::ServerUnreachable { .. } => DeviceCode::ServerUnreachable,
            Self::UnexpectedAnswer { .. } => DeviceCode::UnexpectedServerAnswer,
            Self::InvalidServerPayload(_) => DeviceCode::InvalidServerPayload,
            Self::TrustLevelNotOffered { .. } => DeviceCode::TrustLevelNotOffered,
            Self::InvalidSelection(_) => DeviceCode::InvalidSelection,
            Self::NoPairingInProgress => DeviceCode::NoPairingInProgress,
            Self::PairingExpired => DeviceCode::PairingExpired,
            Self::NotPaired { .. } => DeviceCode::NotPaired,
            Self::PairedWithOtherUser { .. } => DeviceCode::PairedWithOtherUser,
            Self::Sdk(_) => DeviceCode::SdkError,
            Self::InvalidInput(_) => DeviceCode::InvalidInput,
            Self::PingFederate(_) => DeviceCode::PingfederateError,
            Self::PingOne(_) => DeviceCode::PingoneError,
            Self::InvalidToken(_) => DeviceCode::InvalidToken,
        }
    }

    /// The SDK server's error, when that is what this is.
    pub fn sdk(&self) -> Option<&SdkError> {
        match self {
            Self::Sdk(e) => Some(e),
            _ => None,
        }
    }

    /// PingFederate's or PingOne MFA's error, when that is what this is.
    pub fn service(&self) -> Option<&ServiceError> {
        match self {
            Self::PingFederate(e) | Self::PingOne(e) => Some(e),
            _ => None,
        }
    }

    /// `{code, message}` for a UI or a JSON line.
    pub fn view(&self) -> ErrorView {
        ErrorView {
            code: self.code(),
            message: self.to_string(),
            sdk: self.sdk().cloned(),
            service: self.service().cloned(),
        }
    }
}

/// What crosses a boundary (IPC, JSON output): the stable code, a message, and Ping's codes when
/// the SDK server refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorView {
    pub code: DeviceCode,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sdk: Option<SdkError>,
    /// PingFederate's or PingOne MFA's codes when one of them refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<ServiceError>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_has_its_own_stable_code() {
        let errors = [
            DeviceError::KeyStore(KeyStoreError::Unavailable("locked".into())),
            DeviceError::KeyStore(KeyStoreError::TimedOut),
            DeviceError::KeyStore(KeyStoreError::Corrupt("bad json".into())),
            DeviceError::ServerUnreachable { server: "s".into(), reason: "r".into() },
            DeviceError::UnexpectedAnswer { server: "s".into(), detail: "d".into() },
            DeviceError::InvalidServerPayload("forged".into()),
            DeviceError::TrustLevelNotOffered { chosen: TrustLevel::Primary, offered: vec![] },
            DeviceError::InvalidSelection("x".into()),
            DeviceError::NoPairingInProgress,
            DeviceError::PairingExpired,
            DeviceError::NotPaired { profile: "p".into() },
            DeviceError::PairedWithOtherUser { profile: "p".into(), paired_with: "a".into(), requested: "b".into() },
            DeviceError::Sdk(SdkError {
                http_status: 400,
                code: ErrorCode::InvalidData,
                details: vec![],
                message: "m".into(),
            }),
            DeviceError::InvalidInput("x".into()),
            DeviceError::PingFederate(service_error()),
            DeviceError::PingOne(service_error()),
            DeviceError::InvalidToken("x".into()),
        ];
        let codes: Vec<&str> = errors.iter().map(|e| e.code().as_str()).collect();
        assert_eq!(
            codes,
            [
                "keyring_unavailable",
                "keyring_timed_out",
                "keyring_corrupt",
                "server_unreachable",
                "unexpected_server_answer",
                "invalid_server_payload",
                "trust_level_not_offered",
                "invalid_selection",
                "no_pairing_in_progress",
                "pairing_expired",
                "not_paired",
                "paired_with_other_user",
                "sdk_error",
                "invalid_input",
                "pingfederate_error",
                "pingone_error",
                "invalid_token",
            ]
        );
    }

    fn service_error() -> ServiceError {
        ServiceError {
            http_status: 400,
            code: "VALIDATION_ERROR".into(),
            details: vec!["INVALID_OTP".into()],
            message: "m".into(),
            attempts_left: Some(2),
        }
    }

    #[test]
    fn a_service_refusal_shows_its_codes_and_tries_left() {
        let error = DeviceError::PingFederate(service_error());
        assert!(error.to_string().contains("VALIDATION_ERROR, INVALID_OTP"), "{error}");
        let json = serde_json::to_value(error.view()).expect("view serializes");
        assert_eq!(json["service"]["attemptsLeft"], 2);
        assert!(json.get("sdk").is_none());
    }

    #[test]
    fn an_sdk_refusal_shows_its_code_details_and_message() {
        let error = DeviceError::Sdk(SdkError {
            http_status: 400,
            code: ErrorCode::RequestFailed,
            details: vec![DetailCode::InvalidValue],
            message: "trust level not offered".into(),
        });
        let text = error.to_string();
        assert!(text.contains("RequestFailed") && text.contains("InvalidValue"), "{text}");
        let json = serde_json::to_value(error.view()).expect("view serializes");
        assert_eq!(json["code"], "sdk_error");
        assert_eq!(json["sdk"]["details"][0], "INVALID_VALUE");
    }
}
