//! Pairing and pushes between PingOne MFA and its mobile SDK, in the SDK's words.
//!
//! Automatic pairing: the PingOne MFA adapter answers MOBILE_PAIRING_REQUIRED with "the PingOne
//! ID token" (PingOne MFA integration kit, "Models, objects and error codes"), the app hands it to
//! the SDK (`PingOne.processIdToken(idToken, callback)`), which returns a pairing object the app
//! approves (`PairingObject.approve()`): no trust levels, no device roles
//! (`pingidentity/pingone-mobile-sdk-android` README and Dokka pages `-ping-one/`,
//! `-pairing-object/`; `pingidentity/pingone-mobile-sdk-ios` `processIdToken`). The claims of
//! that ID token and the device API bodies below are the emulator's: PingOne publishes neither.

use serde::{Deserialize, Serialize};

use super::ResourceRef;
use crate::device_api::{PushAction, PushAnswer};

/// The claims of the ID token PingOne issues for an automatic pairing (signed by the
/// environment's key, published at `{iss}/jwks`). `iss`, `sub`, `aud`, `iat`, `exp`, `nonce` and
/// `preferred_username` are OpenID Connect's; `pairing` is the emulator's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairingIdTokenClaims {
    /// `{pingone}/{envId}/as`, PingOne's issuer; the device API is on the same host.
    pub iss: String,
    /// The user's id.
    pub sub: String,
    /// The application the device pairs with.
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    pub nonce: String,
    pub preferred_username: String,
    pub pairing: PairingClaim,
}

/// What the SDK needs to approve the pairing: the pairing's id and its one-time secret; and the
/// id the MOBILE device gets once approved, by which PingFederate finds it among the user's devices.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairingClaim {
    pub id: String,
    pub secret: String,
    pub device: Option<ResourceRef>,
}

/// `POST /device/pairings` (device-signed): `PairingObject.approve()`, the pairing the ID token
/// offered approved with its secret.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovePairing {
    pub pairing: ResourceRef,
    pub secret: String,
    /// Up to 100 characters.
    pub nickname: Option<String>,
}

/// An authenticator a pairing set up, as the SDK's `PairingInfo` lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AuthenticatorType {
    Push,
    OneTimePasscode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AuthenticatorStatus {
    Completed,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Authenticator {
    #[serde(rename = "type")]
    pub authenticator_type: AuthenticatorType,
    pub status: AuthenticatorStatus,
}

/// The answer to an approved pairing or a claimed pairing key: the new MOBILE device, the
/// authenticators it has (`PairingInfo`), and the secret its one-time passcodes come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PairingApproved {
    pub device: ResourceRef,
    pub user: ResourceRef,
    pub authenticators: Vec<Authenticator>,
    /// The TOTP secret (base32, 160 bits) behind the SDK's one-time passcodes; the device keeps it.
    pub otp_secret: String,
}

/// Why a push was denied: the SDK's `DenyReason`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DenyReason {
    #[default]
    None,
    ReportFraud,
    BiometricsRejected,
}

/// `POST /device/pushes/{authenticationId}` (device-signed): the SDK's
/// `NotificationObject.approve(context, authenticationMethod, numberMatchingPickedValue, cb)` or
/// `deny(context, denyReason, cb)`. PingOne has no BLOCK (block the device instead).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PushDecision {
    #[serde(rename_all = "camelCase")]
    Approve {
        /// Under number matching: the number the user picked.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        number_matching_picked_value: Option<u8>,
    },
    #[serde(rename_all = "camelCase")]
    Deny {
        #[serde(default)]
        deny_reason: DenyReason,
    },
}

impl PushDecision {
    pub fn approve(picked: Option<u8>) -> Self {
        Self::Approve { number_matching_picked_value: picked }
    }

    pub fn deny(reason: DenyReason) -> Self {
        Self::Deny { deny_reason: reason }
    }

    /// The PingOne answer a PingID-style [`PushAnswer`] stands for: APPROVE (any trust level:
    /// PingOne offers none) approves with its number, DENY denies with no reason; BLOCK has no
    /// PingOne counterpart (`None`).
    pub fn from_pingid(answer: &PushAnswer) -> Option<Self> {
        match answer.action {
            PushAction::Approve => Some(Self::approve(answer.number)),
            PushAction::Deny => Some(Self::deny(DenyReason::None)),
            PushAction::Block => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_decisions_read_as_the_sdk_names_them() {
        let approve = serde_json::json!({"action": "APPROVE", "numberMatchingPickedValue": 42});
        assert_eq!(serde_json::from_value::<PushDecision>(approve).unwrap(), PushDecision::approve(Some(42)));
        let deny = serde_json::json!({"action": "DENY", "denyReason": "REPORT_FRAUD"});
        assert_eq!(serde_json::from_value::<PushDecision>(deny).unwrap(), PushDecision::deny(DenyReason::ReportFraud));
        let plain = serde_json::json!({"action": "DENY"});
        assert_eq!(serde_json::from_value::<PushDecision>(plain).unwrap(), PushDecision::deny(DenyReason::None));
        assert!(
            serde_json::from_value::<PushDecision>(serde_json::json!({"action": "BLOCK"})).is_err(),
            "PingOne has no BLOCK"
        );
        assert_eq!(PushDecision::from_pingid(&PushAnswer::trust(Some(7))), Some(PushDecision::approve(Some(7))));
        assert_eq!(PushDecision::from_pingid(&PushAnswer::deny()), Some(PushDecision::deny(DenyReason::None)));
        assert_eq!(PushDecision::from_pingid(&PushAnswer::block()), None);
    }
}
