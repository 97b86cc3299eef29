//! The emulated PingOne MFA service (`crates/pingone-mfa`), in PingOne's own shapes.
//!
//! Three faces:
//! - the Platform management API (`https://api.pingone.com/v1/environments/{envId}/...`):
//!   users, MFA devices, pairing keys, called by PingFederate's PingOne MFA adapter with a worker
//!   access token;
//! - the auth path (`https://auth.pingone.com/{envId}/...`): the worker token
//!   (`/as/token`) and device authentications (`/deviceAuthentications`);
//! - the device API under `/device` that the mobile (or desktop) SDK calls, signed with the device
//!   key (PingOne's SDK protocol is unpublished: the emulator's own, see `docs/api/pingone-mfa.md`).
//!
//! Sources: PingOne Platform API reference, https://developer.pingidentity.com/pingone-api/ ("MFA
//! Devices", "MFA Device Authentications", "MFA Pairing Keys", "Error codes"), and Ping's OpenAPI
//! files (`pingidentity/pingone-openapi-specifications`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

mod sdk_pairing;
mod sdk_push;
pub use sdk_pairing::*;
pub use sdk_push::*;

/// Path prefix of the device API.
pub const DEVICE_API_PREFIX: &str = "/device";

/// The device API's signature header, `X-Device-Signature: DEVICE fp=..,ts=..,nonce=..,sig=..`:
/// the same Ed25519 request signature as the PingID SDK device API's (`moderno-crypto`
/// `device_signature`), under a name of no product. It stands in for PingOne's unpublished SDK
/// protocol.
pub const DEVICE_SIGNATURE_HEADER: &str = "x-device-signature";
/// The scheme word that opens the header's value.
pub const DEVICE_SIGNATURE_SCHEME: &str = "DEVICE ";

/// Content type of PingOne's "Select Device for Authentication" action.
pub const DEVICE_SELECT_CONTENT_TYPE: &str = "application/vnd.pingidentity.device.select+json";
/// Content type of PingOne's "Validate OTP for Device" action.
pub const OTP_CHECK_CONTENT_TYPE: &str = "application/vnd.pingidentity.otp.check+json";
/// Content type of PingOne's "Update Device Order" (`POST .../users/{userId}/devices`).
pub const DEVICES_REORDER_CONTENT_TYPE: &str = "application/vnd.pingidentity.devices.reorder+json";

/// A reference to another resource: `{"id": "..."}` (`environment`, `user`, `selectedDevice`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceRef {
    pub id: String,
}

impl ResourceRef {
    pub fn new(id: impl Into<String>) -> Self {
        Self { id: id.into() }
    }
}

/// One HAL link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub href: String,
}

/// `_links`: `self`, related resources, and the actions allowed now (`device.select`, ...).
pub type Links = BTreeMap<String, Link>;

/// A list, as PingOne answers one: `{_links, _embedded: {<name>: [...]}, count, size}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntityArray<T> {
    #[serde(rename = "_links", default)]
    pub links: Links,
    #[serde(rename = "_embedded")]
    pub embedded: BTreeMap<String, Vec<T>>,
    #[serde(default)]
    pub count: usize,
    #[serde(default)]
    pub size: usize,
}

impl<T> EntityArray<T> {
    /// The list under `name` (empty when absent).
    pub fn into_items(mut self, name: &str) -> Vec<T> {
        self.embedded.remove(name).unwrap_or_default()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MfaDeviceType {
    /// Paired through automatic pairing or a pairing key only; authenticates by push.
    Mobile,
    Sms,
    Email,
    Totp,
}

/// A PingOne user (`GET /v1/environments/{envId}/users/{userId}`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    #[serde(rename = "_links", default)]
    pub links: Links,
    pub id: String,
    pub environment: ResourceRef,
    pub username: String,
    pub email: Option<String>,
    pub population: Option<ResourceRef>,
    pub enabled: bool,
    pub mfa_enabled: bool,
    pub created_at: String,
    pub updated_at: String,
}

/// `POST /v1/environments/{envId}/users`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateUser {
    pub username: String,
    pub email: Option<String>,
    pub population: Option<ResourceRef>,
}

/// `lock.status`: a device locked after too many wrong passcodes, until `expiresAt`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceLock {
    /// `LOCKED` or `UNLOCKED`.
    pub status: String,
    pub expires_at: Option<String>,
}

/// `block.status`: `BLOCKED` or `UNBLOCKED`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceBlock {
    pub status: String,
}

/// A MOBILE device's model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceModel {
    pub marketing_name: String,
}

/// An MFA device as PingOne answers it ("MFA Devices" data model). In the `_embedded.devices`
/// of a device authentication, `phone` and `email` are masked.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Device {
    #[serde(rename = "_links", default, skip_serializing_if = "Links::is_empty")]
    pub links: Links,
    pub id: String,
    pub environment: Option<ResourceRef>,
    pub user: Option<ResourceRef>,
    #[serde(rename = "type")]
    pub device_type: MfaDeviceType,
    /// `ACTIVE` (the emulator skips `ACTIVATION_REQUIRED`).
    pub status: String,
    pub nickname: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub model: Option<DeviceModel>,
    pub lock: DeviceLock,
    pub block: DeviceBlock,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    /// TOTP only, in the answer that creates the device: the secret (base32) and its `otpauth://`
    /// URI, shown once.
    pub secret: Option<String>,
    pub key_uri: Option<String>,
}

impl Device {
    pub fn is_blocked(&self) -> bool {
        self.block.status == "BLOCKED"
    }
}

/// `POST /v1/environments/{envId}/users/{userId}/devices`: SMS, EMAIL and TOTP only.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateMfaDevice {
    #[serde(rename = "type")]
    pub device_type: MfaDeviceType,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub nickname: Option<String>,
}

/// The adapter's device object: how PingFederate shows a PingOne device to its own API clients
/// (`devices`, `device` of a flow). PingFederate builds it from PingOne's [`Device`].
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MfaDevice {
    pub id: String,
    #[serde(rename = "type")]
    pub device_type: MfaDeviceType,
    pub status: MfaDeviceStatus,
    /// What the device is: the phone number, the e-mail address, the app's device name.
    pub name: String,
    pub nickname: Option<String>,
    /// 0 is the default device.
    pub order: u32,
    /// True for the first device in the order.
    pub default: bool,
    /// False when blocked.
    pub usable: bool,
    pub created_at: String,
    /// Mobile devices only: the key fingerprint.
    pub device_fingerprint: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MfaDeviceStatus {
    Active,
    Blocked,
}

/// Status of a pairing key and of an automatic pairing (PingOne's pairing key statuses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PairingStatus {
    Unclaimed,
    Claimed,
    Failed,
}

/// A pairing key ("MFA Pairing Keys" data model).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PairingKey {
    #[serde(rename = "_links", default)]
    pub links: Links,
    pub id: String,
    pub environment: ResourceRef,
    pub user: ResourceRef,
    /// The key itself (12 digits), only in the answer that creates it.
    pub code: Option<String>,
    pub status: PairingStatus,
    /// The applications the key may pair with (as the creating request named them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub applications: Vec<ResourceRef>,
    pub created_at: String,
    pub expires_at: String,
    /// Beyond PingOne: the device the key paired.
    pub device_id: Option<String>,
}

/// `POST /v1/environments/{envId}/users/{userId}/pairingKeys` ("Create MFA Pairing Key").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatePairingKey {
    #[serde(default)]
    pub applications: Vec<ResourceRef>,
}

/// `POST /device/pairing-keys` (device-signed): a device claims a pairing key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimPairingKey {
    pub pairing_key: String,
    pub mobile_payload: String,
}

/// A device authentication's `status` ("MFA Device Authentications": the next action).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeviceAuthenticationStatus {
    DeviceSelectionRequired,
    OtpRequired,
    PushConfirmationRequired,
    PushConfirmationTimedOut,
    Completed,
    /// See `error`.
    Failed,
}

/// `POST {authPath}/{envId}/deviceAuthentications` ("Initialize Device Authentication").
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartDeviceAuthentication {
    pub user: ResourceRef,
    pub selected_device: Option<ResourceRef>,
    /// The SDK's mobile payload: a paired device completes at once (device authorization); an
    /// unpaired one is paired once the authentication completes ([`DeviceAuthentication::id_token`]).
    pub mobile_payload: Option<String>,
    /// The native application the payload comes from: "required only during device
    /// authorization flows when the mobilePayload value is provided" ("MFA Device
    /// Authentications" data model).
    pub application: Option<ResourceRef>,
    /// The device authentication policy to apply (PingOne's `policy.id`); absent: the
    /// environment's default policy.
    pub policy: Option<ResourceRef>,
}

/// `device.select` body.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SelectDevice {
    pub device: ResourceRef,
    pub compatibility: Option<String>,
}

/// `otp.check` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckOtp {
    pub otp: String,
}

/// Why a device authentication FAILED.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureError {
    pub code: String,
    pub message: String,
}

/// Number matching while a push waits: the number the signing-in side shows. PingOne's name for
/// this field is not published; the emulator's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NumberMatching {
    #[serde(rename = "type")]
    pub kind: String,
    pub number: u8,
}

/// A device authentication ("Read Device Authentication").
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceAuthentication {
    #[serde(rename = "_links", default)]
    pub links: Links,
    #[serde(rename = "_embedded", default)]
    pub embedded: DeviceAuthenticationEmbedded,
    pub id: String,
    pub environment: ResourceRef,
    pub user: ResourceRef,
    pub status: DeviceAuthenticationStatus,
    pub selected_device: Option<ResourceRef>,
    pub policy: Option<ResourceRef>,
    pub number_matching: Option<NumberMatching>,
    pub error: Option<FailureError>,
    /// Beyond PingOne: on a COMPLETED authentication that carried an unpaired device's mobile
    /// payload, the PingOne ID token that pairs it ([`PairingIdTokenClaims`]). PingOne publishes
    /// no call that yields this token (the integration kit only says the adapter "responds with
    /// an ID token"); the emulator puts it here.
    pub id_token: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl DeviceAuthentication {
    /// True when `_links` offers `action` (`device.select`, `otp.check`).
    pub fn offers(&self, action: &str) -> bool {
        self.links.contains_key(action)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceAuthenticationEmbedded {
    /// The user's devices, in order, `phone`/`email` masked.
    #[serde(default)]
    pub devices: Vec<Device>,
}

/// `POST {authPath}/{envId}/as/token` answer (client credentials).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessToken {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: i64,
}

/// An OAuth error from `/as/token` (RFC 6749 section 5.2).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthError {
    pub error: String,
    pub error_description: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OutboxChannel {
    Sms,
    Email,
}

/// Beyond PingOne: `GET /outbox/{username}`: what the emulator "sent" to the user's phone or
/// mailbox.
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

/// Every error of the PingOne emulator, as PingOne writes errors ("Error codes"; Ping's OpenAPI
/// `com.pingidentity.ApiErrorResponse.*`): `id` (UUID), `code`, `message`, `details`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MfaError {
    #[serde(default)]
    pub id: String,
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<MfaErrorDetail>,
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MfaErrorDetail {
    pub code: String,
    pub target: Option<String>,
    pub message: String,
    pub inner_error: Option<InnerError>,
}

/// `details[].innerError`: `retryAfter` (429, Ping's schema) and `remainingAttempts` (a wrong
/// passcode; the field is the emulator's, PingOne's is not published).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InnerError {
    pub retry_after: Option<String>,
    pub remaining_attempts: Option<u32>,
}

/// `error.code` of a FAILED device authentication. PingOne publishes no list for device
/// authentications: these are the emulator's names, in PingOne's style.
pub mod failure {
    /// The user denied the push.
    pub const PUSH_DENIED: &str = "PUSH_DENIED";
    /// Number matching: the approving device picked another number than the one shown.
    pub const WRONG_NUMBER: &str = "WRONG_NUMBER";
    /// Too many wrong passcodes: the user's passcode devices are locked (`lock.expiresAt`).
    pub const OTP_LOCKED: &str = "OTP_LOCKED";
    /// The device that sent the mobile payload is blocked.
    pub const DEVICE_BLOCKED: &str = "DEVICE_BLOCKED";
    /// Every device of the user is blocked.
    pub const NO_USABLE_DEVICE: &str = "NO_USABLE_DEVICE";
}
