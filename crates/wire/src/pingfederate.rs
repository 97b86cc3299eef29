//! The emulated PingFederate (`crates/pingfederate`): OAuth endpoints and the authentication API
//! (`/pf-ws/authn/flows/{flowId}`) with the PingOne MFA IdP adapter's states and actions.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Path of the authentication API's flows.
pub const FLOWS_PATH: &str = "/pf-ws/authn/flows";
/// The header every authentication API call must carry (any non-empty value; Ping's clients send
/// `PingFederate`).
pub const XSRF_HEADER: &str = "x-xsrf-header";
/// `application/vnd.pingidentity.<action>+json`.
pub const ACTION_MEDIA_PREFIX: &str = "application/vnd.pingidentity.";
pub const ACTION_MEDIA_SUFFIX: &str = "+json";

/// Every action id of the authentication API with the PingOne MFA adapter.
pub const ACTIONS: [&str; 10] = [
    "checkUsernamePassword",
    "authenticate",
    "continueAuthentication",
    "selectDevice",
    "checkOtp",
    "poll",
    "cancelAuthentication",
    "setDefaultDevice",
    "removeDevice",
    "updateDeviceNickname",
];

/// Values of the contract attribute `pingone.mfa.status`.
pub const MFA_STATUS_ATTRIBUTE: &str = "pingone.mfa.status";
pub const MFA_STATUS_DEVICE_PAIRED: &str = "com.pingidentity.pingone.device_paired";
pub const MFA_STATUS_DEVICE_NOT_PAIRED: &str = "com.pingidentity.pingone.device_not_paired";
pub const MFA_STATUS_PAIRING_ERROR: &str = "com.pingidentity.pingone.pairing_error";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FlowStatus {
    UsernamePasswordRequired,
    AuthenticationRequired,
    MobilePairingRequired,
    DeviceSelectionRequired,
    OtpRequired,
    PushConfirmationWaiting,
    PushConfirmationRejected,
    PushConfirmationTimedOut,
    MfaCompleted,
    MfaFailed,
    /// Redirectless flows end here with `authorizeResponse`.
    Completed,
    /// Browser flows end here with `resumeUrl`.
    Resume,
    Failed,
}

impl FlowStatus {
    /// True once nothing more can happen to the flow.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Completed | Self::Resume | Self::Failed)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub href: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceRef {
    pub id: String,
}

/// The user of a flow, as the PingOne MFA adapter sends it (`pingidentity/pingone-mobile-sdk-android`
/// `PingAuthenticationCore/.../models/User.java`: `id, firstName, lastName, status, lastLogin`; the
/// iOS sample's `UserKeys` adds `username`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowUser {
    pub id: String,
    pub username: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// `ACTIVE`.
    pub status: String,
    /// RFC 3339: the user's previous sign-on through PingFederate (absent the first time).
    pub last_login: Option<String>,
}

/// A device type as the PingOne MFA adapter names it (Ping's widget branches on these exact
/// strings: `pingidentity/pf-authn-js-widget:src/partials/device_selection.hbs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AdapterDeviceType {
    #[serde(rename = "SMS")]
    Sms,
    #[serde(rename = "Email")]
    Email,
    #[serde(rename = "Voice")]
    Voice,
    #[serde(rename = "TOTP")]
    Totp,
    #[serde(rename = "iPhone")]
    IPhone,
    #[serde(rename = "Android")]
    Android,
    #[serde(rename = "FIDO2")]
    Fido2,
    #[serde(rename = "PLATFORM")]
    Platform,
    #[serde(rename = "SECURITY_KEY")]
    SecurityKey,
}

impl AdapterDeviceType {
    /// The wire name (`SMS`, `Email`, `iPhone`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sms => "SMS",
            Self::Email => "Email",
            Self::Voice => "Voice",
            Self::Totp => "TOTP",
            Self::IPhone => "iPhone",
            Self::Android => "Android",
            Self::Fido2 => "FIDO2",
            Self::Platform => "PLATFORM",
            Self::SecurityKey => "SECURITY_KEY",
        }
    }

    /// A PingOne MFA app (push), as opposed to a passcode device.
    pub fn is_mobile_app(self) -> bool {
        matches!(self, Self::IPhone | Self::Android)
    }
}

/// A device as the PingOne MFA adapter sends it in `devices` and `device` (PingOne MFA
/// integration kit, "Models, objects, and error codes"; `pingidentity/pingone-mobile-sdk-android`
/// `models/Device.java`; Ping's widget `src/partials/device_selection*.hbs`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdapterDevice {
    pub id: String,
    #[serde(rename = "type")]
    pub device_type: AdapterDeviceType,
    /// SMS, Voice, Email: the phone number or address, masked (`******0100`, `d***@example.com`).
    pub target: Option<String>,
    /// iPhone, Android: the device's name (Ping's widget shows it under "PingOne Authenticator").
    pub name: Option<String>,
    pub nickname: Option<String>,
    /// The user's default device (Ping's widget labels it "Default").
    pub default_device: bool,
    /// False while the device is blocked or locked.
    pub usable: bool,
    /// The device takes push notifications (iPhone, Android).
    pub push_enabled: bool,
}

/// The OAuth authorization response of a redirectless flow: the code, and for the implicit and
/// hybrid response types the tokens, named as OAuth names them (`pingidentity/pingone-mobile-sdk-android`
/// `models/AuthorizationResponse.java`: `code, access_token, id_token, token_type, expires_in`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizeResponse {
    pub code: Option<String>,
    pub access_token: Option<String>,
    pub token_type: Option<String>,
    pub expires_in: Option<i64>,
    pub id_token: Option<String>,
    pub state: Option<String>,
}

/// A flow as `GET /pf-ws/authn/flows/{flowId}` (and every action) answers it. Only the fields of
/// the current status are present; `_links` names the actions allowed now, plus `self`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Flow {
    pub id: String,
    pub plugin_type_id: String,
    pub status: FlowStatus,
    pub user: Option<FlowUser>,
    /// AUTHENTICATION_REQUIRED: the user's default device, when there is one.
    pub device: Option<AdapterDevice>,
    pub server_payload: Option<String>,
    /// DEVICE_SELECTION_REQUIRED, OTP_REQUIRED, PUSH_CONFIRMATION_* (Ping's widget draws the push
    /// screens from them), MFA_COMPLETED.
    pub devices: Option<Vec<AdapterDevice>>,
    pub selected_device_ref: Option<DeviceRef>,
    pub user_selected_default: Option<bool>,
    pub change_device_permitted: Option<bool>,
    pub manage_devices_allowed: Option<bool>,
    pub manual_pairing_permitted: Option<bool>,
    pub push_expires_at: Option<String>,
    /// PUSH_CONFIRMATION_WAITING under number matching: the number to pick on the approving device.
    pub match_number: Option<u8>,
    /// MFA_FAILED and FAILED: why, and in words for the user (Ping's widget prints
    /// "You couldn't be authenticated. " + `userMessage`, `src/partials/mfa_failed.hbs`).
    pub code: Option<String>,
    pub message: Option<String>,
    pub user_message: Option<String>,
    pub authorize_response: Option<AuthorizeResponse>,
    pub resume_url: Option<String>,
    /// Cookieless mode: the flow's state, to send back in `X-Pf-Authn-Api-State`.
    #[serde(rename = "_pf_authn_api_state")]
    pub pf_authn_api_state: Option<String>,
    #[serde(rename = "_links")]
    pub links: BTreeMap<String, Link>,
}

/// Body of `checkUsernamePassword`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckUsernamePassword {
    pub username: String,
    pub password: String,
}

/// Body of `authenticate`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Authenticate {
    pub mobile_payload: Option<String>,
}

/// Body of `selectDevice`, `setDefaultDevice` and `removeDevice`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceChoice {
    pub device_ref: DeviceRef,
    pub mobile_payload: Option<String>,
}

/// Body of `checkOtp`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckOtp {
    pub otp: String,
    pub mobile_payload: Option<String>,
}

/// Body of `updateDeviceNickname`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateDeviceNickname {
    pub device_ref: DeviceRef,
    pub nickname: String,
}

/// Every authentication API error; `userMessage` on every one.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthnError {
    pub code: String,
    pub message: String,
    pub user_message: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<AuthnErrorDetail>,
}

/// One detail of an error (PingFederate SDK guide, error messages; Ping's widget
/// `src/store.js` `getErrorDetails` reads `code`, `userMessage`, `target`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthnErrorDetail {
    pub code: String,
    pub message: String,
    pub user_message: Option<String>,
    /// The field the detail is about (`username`, `otp`, `deviceRef.id`).
    pub target: Option<String>,
    /// INVALID_OTP: passcodes left before they are blocked.
    pub attempts_remaining: Option<u32>,
}

/// `POST /as/token.oauth2` success.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: i64,
    pub id_token: Option<String>,
    pub scope: String,
}

/// OAuth error (RFC 6749 section 5.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthError {
    pub error: String,
    pub error_description: String,
}

/// `GET /pf/JWKS`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

/// An Ed25519 public key (RFC 8037).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    pub kty: String,
    pub crv: String,
    /// The public key, base64url without padding.
    pub x: String,
    pub kid: String,
    pub alg: String,
    #[serde(rename = "use")]
    pub key_use: String,
}
