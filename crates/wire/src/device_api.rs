//! The device-facing side of the emulated PingID SDK server, under `/pingid/v1/device`.
//!
//! Ping does not publish the protocol between its SDK component and its server; this one is the
//! project's own design (see `docs/api/device-api.md`). Every request is signed by the device key:
//! header [`DEVICE_SIGNATURE_HEADER`], built and checked by `moderno-crypto::device_signature`.

use serde::{Deserialize, Serialize};

use crate::payload::TrustLevel;
use crate::sdk::{DeviceRole, DeviceType};

/// Path prefix of the device API.
pub const DEVICE_API_PREFIX: &str = "/pingid/v1/device";

/// `PINGID-DEVICE fp=<fingerprint>,ts=<unix seconds>,nonce=<hex>,sig=<base64url>`.
pub const DEVICE_SIGNATURE_HEADER: &str = "x-pingid-device-signature";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IntervalUnit {
    Minutes,
    Hours,
    Days,
    Weeks,
    Months,
    Years,
    /// Ignore forever; `value` is not read.
    Always,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IgnoreInterval {
    pub value: u32,
    pub unit: IntervalUnit,
}

/// `POST /pingid/v1/device/pairings`: the SDK component completes pairing with the trust level
/// the user chose. Signed by the key whose fingerprint the registration token is bound to.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CompletePairing {
    pub registration_token_id: String,
    pub registration_token_secret: String,
    pub trust_level: TrustLevel,
    /// Required with IGNORE.
    pub ignore_interval: Option<IgnoreInterval>,
    /// Up to 100 characters.
    pub device_nickname: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PairingOutcome {
    Success,
    /// The device was paired before (with this user) and is paired again.
    RePairSuccess,
    /// The device is ignored until `ignoredUntil`.
    Ignored,
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PairingCompleted {
    pub outcome: PairingOutcome,
    pub device_id: Option<String>,
    pub device_role: Option<DeviceRole>,
    /// The TOTP secret (base32, 160 bits) for offline one-time passcodes; only with a pairing.
    /// The device keeps it in the OS keyring next to its key.
    pub otp_secret: Option<String>,
    /// RFC 3339, UTC; with IGNORED (absent for "always").
    pub ignored_until: Option<String>,
}

/// The device that asks to be let in, as the approving device is shown it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestingDevice {
    pub device_name: String,
    pub device_type: DeviceType,
    pub os_version: String,
}

/// `GET /pingid/v1/device/pushes?waitSeconds=N` answers a list of these (long poll).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushRequest {
    pub authentication_id: String,
    pub username: String,
    pub title: String,
    pub body: String,
    pub client_context: Option<String>,
    pub ip_address: Option<String>,
    /// The device asking to be let in, when the sign-in comes from a device of the user's (absent
    /// for a web sign-in).
    pub requesting_device: Option<RequestingDevice>,
    /// What the approving device may decide about a new device besides this sign-in (Ping's
    /// network of trusted devices): TRUSTED adds it, IGNORE lets it in without MFA for a while.
    /// Empty when no new device asks (a web sign-in, a transfer).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trust_levels: Vec<TrustLevel>,
    /// Number matching: three numbers, one of them shown on the signing-in device. Approving
    /// needs that one ([`PushAnswer::number`]); empty when the push does not ask for a number.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub number_choices: Vec<u8>,
    /// RFC 3339, UTC.
    pub expires_at: String,
}

/// Ping's `PIDActionType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PushAction {
    Approve,
    /// Refuse this login.
    Deny,
    /// Refuse this login and block the requesting device from future ones.
    Block,
}

/// `POST /pingid/v1/device/pushes/{authenticationId}`: the approving device's answer, as Ping's
/// `PIDUserSelectionObject` (an action, and for a new device a trust level and ignore interval).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushAnswer {
    pub action: PushAction,
    /// With APPROVE of a new device: TRUSTED pairs it as a trusted device, IGNORE lets it in and
    /// stops asking for [`Self::ignore_interval`]; absent: this one sign-in only.
    pub trust_level: Option<TrustLevel>,
    /// With IGNORE.
    pub ignore_interval: Option<IgnoreInterval>,
    /// Beyond Ping (number matching): with APPROVE on a push that has
    /// [`PushRequest::number_choices`], the number the user picked.
    pub number: Option<u8>,
}

impl PushAnswer {
    const fn of(
        action: PushAction,
        trust_level: Option<TrustLevel>,
        ignore_interval: Option<IgnoreInterval>,
        number: Option<u8>,
    ) -> Self {
        Self { action, trust_level, ignore_interval, number }
    }

    /// Approve this sign-in only (one-time access); `number` is the one picked under number matching.
    pub const fn approve(number: Option<u8>) -> Self {
        Self::of(PushAction::Approve, None, None, number)
    }

    /// Approve, and trust the new device from now on.
    pub const fn trust(number: Option<u8>) -> Self {
        Self::of(PushAction::Approve, Some(TrustLevel::Trusted), None, number)
    }

    /// Approve, and let the new device in without MFA for `interval`.
    pub const fn ignore(interval: IgnoreInterval, number: Option<u8>) -> Self {
        Self::of(PushAction::Approve, Some(TrustLevel::Ignore), Some(interval), number)
    }

    pub const fn deny() -> Self {
        Self::of(PushAction::Deny, None, None, None)
    }

    pub const fn block() -> Self {
        Self::of(PushAction::Block, None, None, None)
    }
}

/// `GET /pingid/v1/device/me`: this device as the server knows it, with the user's devices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceState {
    pub username: String,
    pub device: crate::sdk::Device,
    pub user_devices: Vec<crate::sdk::Device>,
}

/// `GET /pingid/v1/device/server-key` (unsigned): the public half of the key that signs server
/// payloads, so the SDK component can check them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerKey {
    /// Ed25519, base64url without padding.
    pub public_key: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeviceNoticeKind {
    /// A device was paired with the user (pairing completed as PRIMARY or TRUSTED).
    DeviceAdded,
    /// A device was unpaired (by itself or by an administrator).
    DeviceRemoved,
}

/// The device a notice is about, as the user would recognise it.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NoticeDevice {
    pub device_name: String,
    pub device_type: DeviceType,
    /// Its role when it was added, or when it was removed.
    pub device_role: Option<DeviceRole>,
}

/// `GET /pingid/v1/device/notices?waitSeconds=N` answers a list of these (long poll): a device
/// was added to or removed from this device's user. Each is delivered once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceNotice {
    pub id: String,
    pub kind: DeviceNoticeKind,
    pub device: NoticeDevice,
    /// RFC 3339, UTC: when the device was added or removed.
    pub at: String,
}

/// `PUT /device/devices/{deviceId}`: a paired device manages one of its user's devices.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ManageDevice {
    /// A new nickname (any device of the user may rename any).
    pub nickname: Option<String>,
    /// Make it the primary device: the primary hands its role over; a trusted device may take the
    /// role for itself within five minutes of signing in on it (recovering from a lost primary).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub make_primary: bool,
}
