//! The claims inside the two opaque payloads of the PingID SDK flows.
//!
//! On the wire each payload is `base64url(json claims) "." base64url(signature)`:
//! the mobile payload is signed by the device key (Ed25519), the server payload by the SDK
//! server's payload key (Ed25519). `moderno-crypto::payload` seals and opens them.

use serde::{Deserialize, Serialize};

use crate::device_api::IgnoreInterval;
use crate::sdk::DeviceType;

/// Version of both payload formats.
pub const PAYLOAD_VERSION: u8 = 1;

/// What the SDK component says about its device, each time the app asks it for a payload.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MobilePayloadClaims {
    pub v: u8,
    /// sha256hex of the public key, first 32 hex characters: the device's stable identity.
    pub device_fingerprint: String,
    /// The Ed25519 public key, base64url without padding.
    pub public_key: String,
    pub device_type: DeviceType,
    pub device_name: String,
    pub os_version: String,
    pub app_version: String,
    pub rooted: bool,
    /// 128 random bits, hex: a payload is accepted once.
    pub nonce: String,
    /// Unix seconds; the server accepts payloads at most 5 minutes old.
    pub issued_at: i64,
    /// The user's choice folded into the payload (Ping's `updateExistingPayloadWithUserSelection`):
    /// how a device waiting for an offline passcode asks to be paired once the passcode passes.
    pub user_selection: Option<PayloadSelection>,
}

/// A trust level chosen ahead, inside a mobile payload (Ping's `PIDUserSelectionObject`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PayloadSelection {
    pub trust_level: TrustLevel,
    /// With IGNORE.
    pub ignore_interval: Option<IgnoreInterval>,
}

const fn trusted() -> TrustLevel {
    TrustLevel::Trusted
}

/// How a device that was let in without pairing got in (inside a [`ServerFlow::Done`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "access", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum GrantedAccess {
    /// The approving device allowed this one sign-in, without adding the device.
    OneTime,
    /// Allowed in, and the device is ignored (no MFA asked) until `until` (RFC 3339; absent:
    /// always).
    #[serde(rename_all = "camelCase")]
    Ignored {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        until: Option<String>,
    },
}

/// A trust level the user (or app) may choose for a device being paired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TrustLevel {
    /// Offered only while the user has no primary device.
    Primary,
    Trusted,
    Ignore,
}

/// What the server payload asks the SDK component to do: Ping's SDK flow states (`PIDFlowState`
/// in Ping's `PingID.h`: Done, OneTimePasscode, TrustLevels, DeviceIsTrusted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ServerFlow {
    /// Pair this device: let the user choose one of `trust_levels`, then complete pairing with
    /// the SDK server using the registration token.
    #[serde(rename_all = "camelCase")]
    TrustLevels {
        registration_token_id: String,
        /// 128 random bits, base64url: proves possession of the registration token.
        registration_token_secret: String,
        trust_levels: Vec<TrustLevel>,
    },
    /// A trusted device of the user (its push answer, or its offline passcode) made this device
    /// trusted: the SDK component completes the pairing with `trust_level` behind the scenes,
    /// with no question to the user.
    #[serde(rename_all = "camelCase")]
    DeviceIsTrusted {
        registration_token_id: String,
        registration_token_secret: String,
        /// TRUSTED, or PRIMARY when the approver made it the primary (the user had none).
        #[serde(default = "trusted")]
        trust_level: TrustLevel,
    },
    /// The approving device cannot be reached: the login waits for a one-time passcode from a
    /// trusted device. `trust_levels` are what the app may fold into its next payload (Ping's
    /// sample folds TRUSTED) so that the passcode's answer pairs the device.
    #[serde(rename_all = "camelCase")]
    OneTimePasscode { authentication_id: String, trust_levels: Vec<TrustLevel> },
    /// Nothing more to do; `granted` says how a device that was not paired got in.
    #[serde(rename_all = "camelCase")]
    Done {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        granted: Option<GrantedAccess>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerPayloadClaims {
    pub v: u8,
    pub account_id: String,
    pub application_id: String,
    pub username: String,
    /// The fingerprint of the device this payload was issued for.
    pub device_fingerprint: String,
    /// Where the SDK component reaches the SDK server's device API, e.g.
    /// `http://127.0.0.1:7001/pingid/v1/device`.
    pub device_api_url: String,
    #[serde(flatten)]
    pub flow: ServerFlow,
    /// Unix seconds.
    pub expires_at: i64,
}
