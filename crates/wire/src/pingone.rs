//! The emulated PingOne MFA service (`crates/pingone-mfa`).
//!
//! Two faces: the management API under `/environments/{env}` that PingFederate's PingOne MFA
//! adapter calls with a worker bearer token, and the device API under `/device` that the mobile
//! (or desktop) SDK calls, signed with the device key exactly like the PingID SDK server's device
//! API. Paths name users by username (PingOne uses ids; see `docs/api/pingone-mfa.md`).

use serde::{Deserialize, Serialize};

/// Path prefix of the device API.
pub const DEVICE_API_PREFIX: &str = "/device";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MfaDeviceType {
    /// Paired through automatic pairing or a pairing key only; authenticates by push.
    Mobile,
    Sms,
    Email,
    Totp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MfaDeviceStatus {
    Active,
    Blocked,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MfaUser {
    pub id: String,
    pub username: String,
    pub environment_id: String,
    pub created_at: String,
    /// RFC 3339; set while one-time passcodes are refused after three wrong ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub otp_blocked_until: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateMfaUser {
    pub username: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MfaDevice {
    pub id: String,
    #[serde(rename = "type")]
    pub device_type: MfaDeviceType,
    pub status: MfaDeviceStatus,
    /// What the device is: the phone number, the e-mail address, the app's device name.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
    /// 0 is the default device.
    pub order: u32,
    /// True for the first device in the order.
    pub default: bool,
    /// False when blocked.
    pub usable: bool,
    pub created_at: String,
    /// Mobile devices only: the key fingerprint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_fingerprint: Option<String>,
}

/// `POST /environments/{env}/users/{user}/devices`: SMS, EMAIL and TOTP only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateMfaDevice {
    #[serde(rename = "type")]
    pub device_type: MfaDeviceType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
}

/// The answer to a device creation; `secret` (base32) only for a TOTP device, shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedMfaDevice {
    #[serde(flatten)]
    pub device: MfaDevice,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// `PATCH /environments/{env}/users/{user}/devices/{id}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateMfaDevice {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked: Option<bool>,
}

/// Status of a pairing key and of an automatic pairing (PingOne's pairing key statuses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PairingStatus {
    Unclaimed,
    Claimed,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PairingKey {
    pub id: String,
    /// The key itself (`XXXX-XXXX-XXXX`), only in the answer that creates it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    pub status: PairingStatus,
    pub expires_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
}

/// `POST /environments/{env}/users/{user}/mobilePairings`: either the mobile payload of the
/// user's first device, or a completed device authentication whose requesting device (a mobile
/// payload that was not yet paired) is to become an additional device.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartMobilePairing {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile_payload: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_authentication_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MobilePairing {
    pub id: String,
    pub status: PairingStatus,
    /// Sealed `ServerPayloadClaims` for the SDK, only in the answer that creates the pairing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_payload: Option<String>,
    pub expires_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
}

/// `POST /device/pairing-keys` (device-signed): a device claims a pairing key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimPairingKey {
    pub pairing_key: String,
    pub mobile_payload: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeviceAuthenticationStatus {
    DeviceSelectionRequired,
    PushConfirmationWaiting,
    PushConfirmationRejected,
    PushConfirmationTimedOut,
    OtpRequired,
    Completed,
    /// One-time passcodes are blocked for the user (three wrong ones): see `blockedUntil`.
    Blocked,
    Failed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AuthenticationMethod {
    /// The mobile payload came from a device already paired with the user.
    MobilePayload,
    Push,
    Otp,
}

/// `POST /environments/{env}/users/{user}/deviceAuthentications`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartDeviceAuthentication {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile_payload: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
}

/// `POST .../deviceAuthentications/{id}/selection`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SelectMfaDevice {
    pub device_id: String,
}

/// `POST .../deviceAuthentications/{id}/otp`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckMfaOtp {
    pub otp: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceAuthentication {
    pub id: String,
    pub username: String,
    pub status: DeviceAuthenticationStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selected_device_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<AuthenticationMethod>,
    /// True when the mobile payload came from a device not yet paired: once COMPLETED it may be
    /// paired with `StartMobilePairing::device_authentication_id`.
    pub new_device: bool,
    /// The user's devices, in order.
    pub devices: Vec<MfaDevice>,
    /// After a `checkOtp`: whether the code was right.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub otp_valid: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub otp_attempts_left: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked_until: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push_expires_at: Option<String>,
    /// Number matching: while the push waits, the number (10 to 99) the signing-in device shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_number: Option<u8>,
    /// With FAILED: DEVICE_BLOCKED, DEVICE_NOT_FOUND, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<String>,
    pub expires_at: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OutboxChannel {
    Sms,
    Email,
}

/// `GET /outbox/{user}`: what the emulator "sent" to the user's phone or mailbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxMessage {
    pub id: String,
    pub channel: OutboxChannel,
    pub to: String,
    pub text: String,
    /// The passcode the text carries (the fake phone reads it for you).
    pub otp: String,
    pub sent_at: String,
}

/// Every error of the PingOne MFA emulator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MfaError {
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<MfaErrorDetail>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MfaErrorDetail {
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}
