//! The PingID SDK server API, as Ping documents it (`/pingid/v1/accounts/{accountId}/...`).
//!
//! Field names and enum spellings follow Ping's published JSON. Emulator extensions (application
//! settings, user update, device update/delete) are marked as such; see `docs/api/pingid-sdk-server.md`.

use serde::{Deserialize, Serialize};

/// The path prefix every SDK server route lives under.
pub const API_PREFIX: &str = "/pingid/v1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UserStatus {
    /// The user has at least one paired device.
    Active,
    /// The user exists but has no paired device.
    NotActive,
    Suspended,
    /// MFA is bypassed for the user until `bypassExpiration`.
    Bypass,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub username: String,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    pub status: UserStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_login: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bypass_expiration: Option<String>,
    /// Present with `?expand=devices`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub devices: Option<Vec<Device>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateUser {
    pub username: String,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
}

/// Emulator extension: change a user's status or bypass (Ping does this from its admin portal).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateUser {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<UserStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bypass_expiration: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DeviceType {
    Android,
    #[serde(rename = "iPhone")]
    IPhone,
    #[serde(rename = "SMS")]
    Sms,
    Voice,
    Email,
    /// The Moderno desktop app (an addition to Ping's list).
    Desktop,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeviceRole {
    Primary,
    Trusted,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Device {
    pub id: String,
    pub device_type: DeviceType,
    pub device_fingerprint: String,
    pub device_name: String,
    /// Up to 100 characters.
    #[serde(default)]
    pub device_nickname: String,
    pub device_role: DeviceRole,
    /// RFC 3339, UTC.
    pub enrollment_time: String,
    pub application_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bypass_expiration: Option<String>,
    #[serde(default)]
    pub bypassed: bool,
    #[serde(default)]
    pub rooted: bool,
    /// Emulator addition, RFC 3339, UTC: when the device last proved itself (signed in with its
    /// payload, approved a push, or gave an offline passcode); absent until then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used: Option<String>,
}

/// Emulator extension: `PUT .../users/{username}/devices/{deviceId}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateDevice {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_nickname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_role: Option<DeviceRole>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationTokenRequest {
    /// The device's mobile payload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<String>,
    /// A manual pairing key, for a user's first device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pairing_key: Option<String>,
    /// Lets an ACTIVE user pair a new device without approval.
    #[serde(default)]
    pub ignore_validation: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RegistrationTokenStatus {
    /// Issued; the device has not completed pairing yet.
    Pending,
    /// The device completed pairing with it.
    Paired,
    /// The device chose to ignore pairing for an interval.
    Ignored,
    Expired,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationToken {
    pub id: String,
    /// The server payload for the SDK component. Present only in the answer that issued the token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<String>,
    pub status: RegistrationTokenStatus,
    /// RFC 3339, UTC.
    pub expires_at: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AuthenticationType {
    Authenticate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticationRequest {
    pub authentication_type: AuthenticationType,
    /// The mobile payload of the device the user logs in on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<String>,
    /// The device that should approve, when the customer server chose one (after SELECT_DEVICE).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push_message_title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push_message_body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_context: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AuthenticationStatus {
    Otp,
    Rejected,
    Approved,
    InProgress,
    Timeout,
    Locked,
    OtpIsBlocked,
    InvalidOtp,
    Canceled,
    SelectDevice,
    IgnoredDevice,
    BypassedDevice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AuthenticationReason {
    DeniedByUser,
    BlockedByUser,
    CanceledByUser,
    DeviceBlocked,
    DeviceRooted,
    /// Emulator addition (number matching): the approving device picked a number other than the
    /// one the signing-in device showed, so someone else may be signing in.
    WrongNumber,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AuthenticationLevel {
    None,
    MobilePayload,
    Otp,
    Push,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Authentication {
    pub id: String,
    pub username: String,
    pub status: AuthenticationStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<AuthenticationReason>,
    pub authentication_level: AuthenticationLevel,
    /// The device asked to approve (the primary, the only trusted one, or the one selected).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    /// The devices to choose from, with SELECT_DEVICE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub devices: Option<Vec<Device>>,
    /// Offline OTP tries left, once the authentication is in OTP mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub otp_attempts_left: Option<u32>,
    /// Number matching (emulator addition, as PingID's number matching): while the push waits,
    /// the number (10 to 99) the signing-in device shows; the approving device must pick it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_number: Option<u8>,
    /// RFC 3339, UTC: the end of the 30-minute authentication session.
    pub expires_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OtpRequest {
    pub otp: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PairingKeyRequest {
    /// Free text; the emulator reads `user:<username>` as binding the key to one user and
    /// `group:<name>` as a group key (see the API doc).
    pub pairing_data: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PairingKeyStatus {
    NotClaimed,
    Used,
    Expired,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PairingKey {
    /// The key itself in the answer that created it; afterwards a reference that is not the key
    /// (keys are stored hashed).
    pub id: String,
    pub status: PairingKeyStatus,
    pub pairing_data: String,
    /// RFC 3339, UTC.
    pub expires_at: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PairingMode {
    /// A first device pairs with a registration token from its payload alone.
    Automatic,
    /// A first device needs a pairing key issued in advance.
    Manual,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeviceSelection {
    /// The primary approves; else the only trusted device; else SELECT_DEVICE.
    DefaultToPrimary,
    /// Always answer SELECT_DEVICE when the user has more than one device.
    PromptUserToSelect,
}

/// Emulator extension: what Ping's admin portal configures per application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationSettings {
    pub enabled: bool,
    pub pairing_mode: PairingMode,
    pub device_selection: DeviceSelection,
    /// 1 to 15; default 5.
    pub max_devices_per_user: u8,
    /// Offline OTP lifetime in minutes, 1 to 30; default 30.
    pub otp_lifetime_minutes: u8,
    /// Pushes ask the approving device for the number the signing-in device shows; default on.
    #[serde(default = "number_matching_default")]
    pub number_matching: bool,
}

const fn number_matching_default() -> bool {
    true
}

/// Ping's error body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    pub id: String,
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inner_error: Option<serde_json::Value>,
    #[serde(default)]
    pub details: Vec<ErrorDetail>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorDetail {
    pub code: DetailCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// 400
    InvalidData,
    /// 400
    RequestFailed,
    /// 400
    InvalidRequest,
    /// 404
    NotFound,
    /// 401
    #[serde(rename = "UNAUTHORIZED_REQ")]
    UnauthorizedReq,
    /// 413 (an emulator addition for oversized bodies)
    PayloadTooLarge,
    /// 429 (an emulator addition for rate limits)
    TooManyRequests,
    /// 500
    UnexpectedError,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DetailCode {
    DeviceBypassed,
    DeviceIgnored,
    DeviceBlocked,
    DeviceRooted,
    ApplicationDisabled,
    UserDisabled,
    InvalidUserStatus,
    ResourceAlreadyExists,
    SmsQuotaExceeded,
    RetryLimitExceeded,
    UniqueValueRequired,
    UninstalledApplication,
    DeviceMustBeTrusted,
    // Emulator additions, for cases Ping's list does not name.
    /// The application pairs first devices manually and no pairing key came.
    PairingKeyRequired,
    /// The pairing key is unknown, used, expired or bound to another user.
    InvalidPairingKey,
    /// The registration token is unknown, used, expired or bound to another device.
    InvalidRegistrationToken,
    /// The user already has the maximum number of devices.
    DeviceLimitReached,
    /// The user already has a primary device.
    PrimaryAlreadyExists,
    /// The mobile payload is malformed, badly signed, stale or replayed.
    InvalidPayload,
    /// The request signature is missing, wrong, expired or replayed.
    InvalidSignature,
    /// The action is not allowed in the current state.
    InvalidState,
    /// A field is missing or out of range.
    InvalidValue,
    /// A detail code this client does not know yet (a newer server): read, never sent.
    #[serde(other)]
    Unknown,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_detail_code_from_a_newer_server_still_parses() {
        let detail: ErrorDetail =
            serde_json::from_str(r#"{"code":"SOMETHING_NEW","message":"m"}"#).expect("parses");
        assert_eq!(detail.code, DetailCode::Unknown);
        let known: ErrorDetail = serde_json::from_str(r#"{"code":"DEVICE_IGNORED","message":"m"}"#).expect("parses");
        assert_eq!(known.code, DetailCode::DeviceIgnored);
    }
}
