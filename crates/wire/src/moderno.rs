//! The Moderno customer-server protocol: `POST /pingidsdk` (alias `/pidc`) with an `operation`.
//!
//! Status codes follow Ping's Moderno sample; codes from 1030 up are this project's additions for
//! cases the sample does not reach (manual pairing, OTP blocking, rate limits).

use serde::{Deserialize, Serialize};

use crate::sdk::{DeviceRole, DeviceType};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// First factor plus whatever MFA or pairing the user's state asks for.
    AuthUser,
    /// The one-time passcode from a trusted device, for a session in offline mode.
    AuthOfflineUser,
    /// Beyond Ping: poll a session waiting for push approval.
    AuthStatus,
    /// Beyond Ping: choose the approving device after 1018 (Ping's apps send `auth_user` again
    /// with `deviceId`, which works too).
    SelectDevice,
    /// Send the push again (a new authentication for the same session).
    Retry,
    /// Beyond Ping: give up waiting: cancels the authentication.
    Cancel,
    /// A transfer by the signed-in user, approved out of band on the user's trusted (primary)
    /// device, with the offline passcode as fallback ([S-MOD] `TransferHandler`).
    Transfer,
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModernoRequest {
    /// Kept as text so that an unknown operation gets status 1000 "invalid request type", as in
    /// Ping's sample, not a parse error.
    pub operation: String,
    pub user: Option<String>,
    pub password: Option<String>,
    /// The device's mobile payload.
    pub ping_id_payload: Option<String>,
    pub session_id: Option<String>,
    pub otp: Option<String>,
    /// A manual pairing key (typed; case, spaces and dashes do not matter).
    pub pairing_key: Option<String>,
    /// With `auth_user` again in a session that answered 1018 (Ping's way to choose the approving
    /// device), or with `select_device`.
    pub device_id: Option<String>,
    /// With `transfer`: the amount, as Ping's sample sends it (`250`, `250.00`, `1,000.00`).
    pub sum: Option<String>,
    /// Beyond Ping, with `transfer`: who receives the money (Ping's sample moves it between the
    /// user's own checking and savings accounts).
    pub recipient: Option<String>,
    /// Beyond Ping, with `transfer`: the session token a login answered, proving who is signed in
    /// (Ping's sample reads its web session from a cookie).
    pub session_token: Option<String>,
}

/// Moderno status codes ([S-MOD] `Status.java`; 1029 up are this project's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Ok,
    Failed,
    NotAuthenticated,
    InProgress,
    Denied,
    OtpRequired,
    TimedOut,
    SelectDevice,
    InvalidInput,
    NotInOfflineMode,
    IgnoredDevice,
    UserNotActive,
    InvalidOtp,
    BypassedDevice,
    Blocked,
    Rooted,
    // Project additions.
    OtpBlocked,
    PairingKeyRequired,
    InvalidPairingKey,
    TooManyAttempts,
    SessionExpired,
    DeviceLimitReached,
}

impl Status {
    pub const fn code(self) -> u16 {
        match self {
            Self::Ok => 0,
            Self::Failed => 1000,
            Self::NotAuthenticated => 1010,
            Self::InProgress => 1012,
            Self::Denied => 1014,
            Self::OtpRequired => 1015,
            Self::TimedOut => 1016,
            Self::SelectDevice => 1018,
            Self::InvalidInput => 1020,
            Self::NotInOfflineMode => 1021,
            Self::IgnoredDevice => 1023,
            Self::UserNotActive => 1024,
            Self::InvalidOtp => 1025,
            Self::BypassedDevice => 1026,
            Self::Blocked => 1027,
            Self::Rooted => 1028,
            Self::OtpBlocked => 1029,
            Self::PairingKeyRequired => 1030,
            Self::InvalidPairingKey => 1031,
            Self::TooManyAttempts => 1032,
            Self::SessionExpired => 1033,
            Self::DeviceLimitReached => 1034,
        }
    }

    pub const ALL: [Self; 22] = [
        Self::Ok,
        Self::Failed,
        Self::NotAuthenticated,
        Self::InProgress,
        Self::Denied,
        Self::OtpRequired,
        Self::TimedOut,
        Self::SelectDevice,
        Self::InvalidInput,
        Self::NotInOfflineMode,
        Self::IgnoredDevice,
        Self::UserNotActive,
        Self::InvalidOtp,
        Self::BypassedDevice,
        Self::Blocked,
        Self::Rooted,
        Self::OtpBlocked,
        Self::PairingKeyRequired,
        Self::InvalidPairingKey,
        Self::TooManyAttempts,
        Self::SessionExpired,
        Self::DeviceLimitReached,
    ];

    pub fn from_code(code: u16) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}

impl Serialize for Status {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u16(self.code())
    }
}

impl<'de> Deserialize<'de> for Status {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = u16::deserialize(d)?;
        Self::from_code(code).ok_or_else(|| serde::de::Error::custom(format!("unknown Moderno status {code}")))
    }
}

/// How the login was let through, so the app can say so honestly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MfaOutcome {
    /// The device is paired: its signed payload was the second factor.
    TrustedDevice,
    /// Another device approved a push.
    PushApproved,
    /// A one-time passcode from a trusted device.
    OfflineOtp,
    /// The device is being paired now (server payload attached).
    Pairing,
    /// The device is ignored for an interval: no MFA.
    SkippedIgnoredDevice,
    /// The SDK server said APPLICATION_DISABLED: no MFA.
    SkippedApplicationDisabled,
    /// The user or device is bypassed: no MFA.
    Bypassed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceSummary {
    pub id: String,
    pub device_type: DeviceType,
    pub device_name: String,
    pub device_nickname: String,
    pub device_role: DeviceRole,
    pub enrollment_time: String,
}

/// The customer server's answer, with the field names Ping's Moderno apps read ([S-MOD]
/// `AuthenticationResponse.java`; the Android sample's `beans/LoginResponse`). Fields from
/// `mfa` down are this project's additions (beyond Ping), which Ping's apps ignore.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModernoResponse {
    pub status: Status,
    pub description: String,
    /// The login session this answer belongs to (for OTP, device selection, retry): Ping's
    /// `authSessionID`; requests send it back as `sessionId`.
    #[serde(rename = "authSessionID")]
    pub session_id: Option<String>,
    /// Whether the second factor is done (Ping's `isPingIdAuthenticated`).
    pub is_ping_id_authenticated: Option<bool>,
    /// The server payload for the SDK component: hand it to it (Ping's `setServerPayload`).
    pub ping_id_payload: Option<String>,
    /// The registration token id, when a pairing was started.
    pub registration_token: Option<String>,
    /// The device asked to approve (push, or its passcode offline).
    pub current_authenticating_device_data: Option<DeviceSummary>,
    /// With 1018: the devices to choose from (Ping's `availableDevicesForAuthentication`).
    #[serde(rename = "availableDevicesForAuthentication")]
    pub devices: Option<Vec<DeviceSummary>>,
    /// An amount formatted as Ping's sample formats money (`1,000.00`): with a `transfer`
    /// approved, the sum transferred (Ping's logins put the checking balance here).
    pub sum: Option<String>,
    pub mfa: Option<MfaOutcome>,
    /// With 0: a bearer session for the customer app (30 minutes idle).
    pub session_token: Option<String>,
    pub otp_attempts_left: Option<u32>,
    /// With 1012: seconds until the push times out.
    pub push_expires_in: Option<u32>,
    /// With 1012 under number matching: the number to pick on the approving device.
    pub match_number: Option<u8>,
}

impl ModernoResponse {
    pub fn new(status: Status, description: impl Into<String>) -> Self {
        Self {
            status,
            description: description.into(),
            session_id: None,
            is_ping_id_authenticated: None,
            ping_id_payload: None,
            registration_token: None,
            current_authenticating_device_data: None,
            devices: None,
            sum: None,
            mfa: None,
            session_token: None,
            otp_attempts_left: None,
            push_expires_in: None,
            match_number: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_leaves_out_what_it_does_not_carry_and_reads_back_without_it() {
        let answer = ModernoResponse::new(Status::Ok, "ok");
        let json = serde_json::to_value(&answer).expect("serializes");
        assert_eq!(json, serde_json::json!({"status": 0, "description": "ok"}), "no nulls in a Moderno answer");
        let back: ModernoResponse = serde_json::from_value(json).expect("absent fields read as none");
        assert_eq!(back, answer);
        let with_session = ModernoResponse { session_id: Some("s".into()), ..answer };
        assert_eq!(
            serde_json::to_value(&with_session).unwrap()["authSessionID"],
            "s",
            "renamed fields keep their names"
        );
    }

    #[test]
    fn every_status_round_trips_through_its_code() {
        for status in Status::ALL {
            let json = serde_json::to_string(&status).unwrap();
            let back: Status = serde_json::from_str(&json).unwrap();
            assert_eq!(back, status, "status {status:?} serialized as {json}");
        }
        assert!(serde_json::from_str::<Status>("4242").is_err(), "unknown codes are refused");
    }

    #[test]
    fn request_reads_the_sample_field_names() {
        let req: ModernoRequest =
            serde_json::from_str(r#"{"operation":"auth_user","user":"alice","password":"pw","pingIdPayload":"p"}"#)
                .unwrap();
        assert_eq!(req.user.as_deref(), Some("alice"));
        assert_eq!(req.ping_id_payload.as_deref(), Some("p"));
    }

    #[test]
    fn a_transfer_reads_pings_sum_and_answers_sum() {
        // Ping's web page posts {operation: "transfer", user, sum, otp} ([S-MOD] Transactions.jsp).
        let req: ModernoRequest = serde_json::from_str(
            r#"{"operation":"transfer","user":"alice","sum":"1,000","otp":"","sessionToken":"t","recipient":"bob"}"#,
        )
        .unwrap();
        assert_eq!(
            serde_json::from_value::<Operation>(serde_json::json!(req.operation)).ok(),
            Some(Operation::Transfer)
        );
        assert_eq!((req.sum.as_deref(), req.recipient.as_deref()), (Some("1,000"), Some("bob")));
        assert_eq!(req.session_token.as_deref(), Some("t"));
        let answer = ModernoResponse { sum: Some("1,000.00".into()), ..ModernoResponse::new(Status::Ok, "ok") };
        let json = serde_json::to_value(&answer).unwrap();
        assert_eq!(json["sum"], "1,000.00");
    }
}
