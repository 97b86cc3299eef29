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

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub username: String,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    pub status: UserStatus,
    pub last_login: Option<String>,
    pub bypass_expiration: Option<String>,
    /// True while MFA is bypassed for the user ([S-MODEL] `User.java` `isUserInBypass`, [D-USERS]).
    #[serde(default)]
    pub user_in_bypass: bool,
    /// Present with `?expand=devices`.
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
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateUser {
    pub status: Option<UserStatus>,
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

#[serde_with::skip_serializing_none]
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
    pub bypass_expiration: Option<String>,
    #[serde(default)]
    pub bypassed: bool,
    #[serde(default)]
    pub rooted: bool,
    /// Emulator addition, RFC 3339, UTC: when the device last proved itself (signed in with its
    /// payload, approved a push, or gave an offline passcode); absent until then.
    pub last_used: Option<String>,
}

/// Emulator extension: `PUT .../users/{username}/devices/{deviceId}`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateDevice {
    pub device_nickname: Option<String>,
    pub device_role: Option<DeviceRole>,
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationTokenRequest {
    /// The device's mobile payload.
    pub payload: Option<String>,
    /// A manual pairing key, for a user's first device.
    pub pairing_key: Option<String>,
    /// Lets an ACTIVE user pair a new device without approval.
    #[serde(default)]
    pub ignore_validation: bool,
}

/// A registration token's status as Ping names it, in lower case ([D-RT], [RN-2020]). The
/// upper-case spellings this emulator used before (`PENDING`, `PAIRED`, `IGNORED`, `EXPIRED`) are
/// still read, for database files written by older versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationTokenStatus {
    /// "The registration token has not been used yet."
    #[serde(alias = "PENDING")]
    NotClaimed,
    /// "The registration process is in progress, and the registration token is in use." Never
    /// produced here: the device completes pairing in one call.
    Claimed,
    /// "The registration process has completed, and the device is successfully paired using this
    /// registration token."
    #[serde(alias = "PAIRED")]
    Active,
    /// "The registration token is invalid for registration": the user started a new registration
    /// for the same application, or (emulator reading) the token passed its lifetime or the device
    /// chose IGNORE with it.
    #[serde(alias = "IGNORED", alias = "EXPIRED")]
    Invalidated,
}

/// Ping's RegistrationToken resource ([D-RT]): no expiry is published, so none is sent.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationToken {
    pub id: String,
    /// The server payload for the SDK component. Present only in the answer that issued the token.
    pub payload: Option<String>,
    pub status: RegistrationTokenStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AuthenticationType {
    Authenticate,
}

/// What an authentication tells the approving device about the sign-in (Ping's push message,
/// client context and the caller's address), in the request and the resource alike.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignInContext {
    pub push_message_title: Option<String>,
    pub push_message_body: Option<String>,
    pub client_context: Option<String>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticationRequest {
    pub authentication_type: AuthenticationType,
    /// The mobile payload of the device the user logs in on.
    pub payload: Option<String>,
    /// The device that should approve, when the customer server chose one (after SELECT_DEVICE).
    pub device_id: Option<String>,
    /// What the approving device is told about the sign-in.
    #[serde(flatten)]
    pub context: SignInContext,
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
    /// Beyond Ping (number matching, off by default): the approving device picked a number other
    /// than the one the signing-in device showed, so someone else may be signing in.
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

/// The device the user signs in on, as its mobile payload describes it (Ping's `accessingDevice`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessingDevice {
    pub device_fingerprint: String,
    pub device_type: DeviceType,
    pub device_name: String,
    #[serde(default)]
    pub os_version: String,
}

/// Ping's Authentication resource ([S-MODEL] `Authentication.java`, [D-AUTH]).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Authentication {
    pub id: String,
    pub authentication_type: AuthenticationType,
    pub status: AuthenticationStatus,
    pub reason: Option<AuthenticationReason>,
    /// The level the authentication reached.
    pub level: AuthenticationLevel,
    /// The level it asks for: MOBILE_PAYLOAD for a paired device, PUSH or OTP for another one.
    pub required_level: AuthenticationLevel,
    /// The device asked to approve (the primary, the only trusted one, or the one selected).
    pub device_id: Option<String>,
    /// That device, whole.
    pub device: Option<Device>,
    /// The device the user signs in on (absent for a sign-in without a mobile payload, e.g. web).
    pub accessing_device: Option<AccessingDevice>,
    /// A server payload for the SDK component of the accessing device: the customer server hands
    /// it on as `pingIdPayload` ("any hosting server implementation must return in the response
    /// the server payload (if exists)", Ping's Moderno sample).
    pub payload: Option<String>,
    /// What the approving device is told about the sign-in.
    #[serde(flatten)]
    pub context: SignInContext,
    /// Emulator addition: the devices to choose from, with SELECT_DEVICE (Ping's sample reads
    /// them from `GET user?expand=devices`, which works too).
    pub devices: Option<Vec<Device>>,
    /// Emulator addition: offline OTP tries left, once the authentication is in OTP mode.
    pub otp_attempts_left: Option<u32>,
    /// Number matching (beyond Ping: an application setting, off by default): while the push
    /// waits, the number (10 to 99) the signing-in device shows; the approving device must pick it.
    pub match_number: Option<u8>,
    /// Emulator addition, RFC 3339, UTC: the end of the 30-minute authentication session.
    pub expires_at: Option<String>,
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OtpRequest {
    pub otp: String,
    pub payload: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PairingKeyRequest {
    /// Free text, saved exactly as sent; "the customer server application may use this field to
    /// build logic to connect the key to a user or group" ([D-PK]). The SDK server does not read
    /// it; the Moderno customer server writes `user:<username>` (see its `pairing_keys` module).
    pub pairing_data: String,
}

/// A pairing key's status as Ping lists it ([D-PK]). An expired key is not reported: it is gone
/// (a GET answers 404).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PairingKeyStatus {
    NotClaimed,
    Used,
}

/// Ping's PairingKey resource ([D-PK]): `id` is the key itself, `pairingData` as it was sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PairingKey {
    /// The key, `XXXX-XXXX-XXXX` (also the id to read it back by).
    pub id: String,
    pub status: PairingKeyStatus,
    pub pairing_data: String,
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
    /// Beyond Ping: pushes ask the approving device for the number the signing-in device shows.
    /// PingID SDK has no number matching, so it is off by default.
    #[serde(default)]
    pub number_matching: bool,
    /// Wrong offline passcodes allowed before the user is LOCKED (Ping: configurable per
    /// application, [RN-2019]); default 3.
    #[serde(default = "otp_max_failures_default")]
    pub otp_max_failures: u8,
    /// How long a LOCKED user may not use offline passcodes, in minutes; default 15.
    #[serde(default = "otp_lock_minutes_default")]
    pub otp_lock_minutes: u16,
}

const fn otp_max_failures_default() -> u8 {
    3
}

const fn otp_lock_minutes_default() -> u16 {
    15
}

/// Ping's error body.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    pub id: String,
    pub code: ErrorCode,
    pub message: String,
    pub target: Option<String>,
    pub inner_error: Option<serde_json::Value>,
    #[serde(default)]
    pub details: Vec<ErrorDetail>,
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorDetail {
    pub code: DetailCode,
    pub message: String,
    pub target: Option<String>,
}

/// Ping's six top-level error codes ([S-MODEL] `ErrorCode.java`, [D-ERR]); nothing else is sent,
/// because Ping's Java client parses this enum strictly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// 400: the request's data does not validate (malformed, missing, too long, out of range).
    InvalidData,
    /// 400: a well-formed request refused in the resources' current state.
    RequestFailed,
    /// 400: another client error (a method the resource does not have).
    InvalidRequest,
    /// 404
    NotFound,
    /// 401
    #[serde(rename = "UNAUTHORIZED_REQ")]
    UnauthorizedReq,
    /// 500
    UnexpectedError,
}

/// Ping's detail codes ([S-MODEL] `InternalErrorCode.java`, its certificate and FCM codes left
/// out: this server has no push credentials), plus `DEVICE_MUST_BE_TRUSTED` and
/// `UNINSTALLED_APPLICATION` from Ping's API guide. The emulator's own words go in `message`;
/// `target` names the field or resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DetailCode {
    InvalidValue,
    RequiredValue,
    EmptyValue,
    OutOfRange,
    SizeLimitExceeded,
    NotFound,
    InvalidPattern,
    ResourceInUse,
    UniqueValueRequired,
    ServiceError,
    DeviceBypassed,
    DeviceIgnored,
    DeviceBlocked,
    ApplicationDisabled,
    UserDisabled,
    InvalidUserStatus,
    ResourceAlreadyExists,
    SmsQuotaExceeded,
    SmsNotEnabled,
    RetryLimitExceeded,
    EmailNotEnabled,
    DeviceMustBeTrusted,
    UninstalledApplication,
    /// A detail code this client does not know yet (a newer server): read, never sent.
    #[serde(other)]
    Unknown,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_detail_code_from_a_newer_server_still_parses() {
        let detail: ErrorDetail = serde_json::from_str(r#"{"code":"SOMETHING_NEW","message":"m"}"#).expect("parses");
        assert_eq!(detail.code, DetailCode::Unknown);
        let known: ErrorDetail = serde_json::from_str(r#"{"code":"DEVICE_IGNORED","message":"m"}"#).expect("parses");
        assert_eq!(known.code, DetailCode::DeviceIgnored);
    }

    /// [S-MODEL] `ErrorCode.java`: the six top-level codes and their spellings.
    #[test]
    fn the_top_level_codes_are_pings_six() {
        let all = [
            (ErrorCode::InvalidData, "INVALID_DATA"),
            (ErrorCode::RequestFailed, "REQUEST_FAILED"),
            (ErrorCode::InvalidRequest, "INVALID_REQUEST"),
            (ErrorCode::NotFound, "NOT_FOUND"),
            (ErrorCode::UnauthorizedReq, "UNAUTHORIZED_REQ"),
            (ErrorCode::UnexpectedError, "UNEXPECTED_ERROR"),
        ];
        for (code, text) in all {
            assert_eq!(serde_json::to_value(code).expect("serializes"), text);
        }
        for gone in ["PAYLOAD_TOO_LARGE", "TOO_MANY_REQUESTS"] {
            assert!(serde_json::from_value::<ErrorCode>(gone.into()).is_err(), "{gone} is not Ping's");
        }
    }

    /// [S-MODEL] `InternalErrorCode.java`: the emulator's former inventions are not detail codes.
    #[test]
    fn invented_detail_codes_are_not_in_the_vocabulary() {
        let invented = [
            "INVALID_SIGNATURE",
            "INVALID_PAYLOAD",
            "INVALID_STATE",
            "PAIRING_KEY_REQUIRED",
            "INVALID_PAIRING_KEY",
            "INVALID_REGISTRATION_TOKEN",
            "DEVICE_LIMIT_REACHED",
            "PRIMARY_ALREADY_EXISTS",
            "DEVICE_ROOTED",
        ];
        for code in invented {
            assert_eq!(
                serde_json::from_value::<DetailCode>(code.into()).expect("reads"),
                DetailCode::Unknown,
                "{code}"
            );
        }
        let pings = serde_json::from_value::<DetailCode>("SIZE_LIMIT_EXCEEDED".into()).expect("reads");
        assert_eq!(pings, DetailCode::SizeLimitExceeded);
    }

    /// [D-RT] [RN-2020]: lower-case statuses; the old upper-case spellings still read.
    #[test]
    fn registration_token_statuses_are_pings_lower_case_names() {
        let spelled = |s: RegistrationTokenStatus| serde_json::to_value(s).expect("serializes");
        assert_eq!(spelled(RegistrationTokenStatus::NotClaimed), "not_claimed");
        assert_eq!(spelled(RegistrationTokenStatus::Claimed), "claimed");
        assert_eq!(spelled(RegistrationTokenStatus::Active), "active");
        assert_eq!(spelled(RegistrationTokenStatus::Invalidated), "invalidated");
        let read = |t: &str| serde_json::from_value::<RegistrationTokenStatus>(t.into()).expect("reads");
        assert_eq!(read("PENDING"), RegistrationTokenStatus::NotClaimed);
        assert_eq!(read("PAIRED"), RegistrationTokenStatus::Active);
        assert_eq!(read("IGNORED"), RegistrationTokenStatus::Invalidated);
        assert_eq!(read("EXPIRED"), RegistrationTokenStatus::Invalidated);
    }
}
