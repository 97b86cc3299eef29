//! Sealing and opening the two opaque payloads: `base64url(json) "." base64url(Ed25519 signature)`.
//!
//! The mobile payload is signed by the device key whose public key it carries; the server payload
//! by the SDK server's payload key, whose public half the device API publishes.

use moderno_wire::payload::{MobilePayloadClaims, ServerPayloadClaims, PAYLOAD_VERSION};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::device_key::{fingerprint_of, DeviceKey, DevicePublicKey};
use crate::{b64url, b64url_decode};

/// Longest payload accepted (the real SDK's payloads run to a few kilobytes).
pub const MAX_PAYLOAD_LEN: usize = 16 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    #[error("the payload is not two base64url parts joined by a dot")]
    Malformed,
    #[error("the payload is longer than {MAX_PAYLOAD_LEN} characters")]
    TooLong,
    #[error("the payload's content is not the expected JSON")]
    BadClaims,
    #[error("the payload has version {0}; this side speaks version 1")]
    UnsupportedVersion(u8),
    #[error("the payload's signature does not verify")]
    BadSignature,
    #[error("the payload's fingerprint does not match its public key")]
    FingerprintMismatch,
}

/// Signs `claims` with `key` into a payload string.
pub fn seal<T: Serialize>(claims: &T, key: &DeviceKey) -> String {
    let body = b64url(&serde_json::to_vec(claims).unwrap_or_default());
    let sig = key.sign(body.as_bytes());
    format!("{body}.{sig}")
}

/// Splits and decodes without checking the signature. Returns the claims, the signed part and
/// the signature.
pub fn open_unverified<T: DeserializeOwned>(payload: &str) -> Result<(T, &str, &str), PayloadError> {
    if payload.len() > MAX_PAYLOAD_LEN {
        return Err(PayloadError::TooLong);
    }
    let (body, sig) = payload.split_once('.').ok_or(PayloadError::Malformed)?;
    let json = b64url_decode(body).ok_or(PayloadError::Malformed)?;
    let claims = serde_json::from_slice(&json).map_err(|_| PayloadError::BadClaims)?;
    Ok((claims, body, sig))
}

/// Opens a mobile payload: the signature must verify under the public key it carries, and the
/// fingerprint must be that key's. Freshness and replay are the server's to check.
pub fn open_mobile_payload(payload: &str) -> Result<(MobilePayloadClaims, DevicePublicKey), PayloadError> {
    let (claims, body, sig): (MobilePayloadClaims, _, _) = open_unverified(payload)?;
    if claims.v != PAYLOAD_VERSION {
        return Err(PayloadError::UnsupportedVersion(claims.v));
    }
    let key = DevicePublicKey::from_b64(&claims.public_key).ok_or(PayloadError::BadClaims)?;
    if !key.verify(body.as_bytes(), sig) {
        return Err(PayloadError::BadSignature);
    }
    if b64url_decode(&claims.public_key).map(|k| fingerprint_of(&k)) != Some(claims.device_fingerprint.clone()) {
        return Err(PayloadError::FingerprintMismatch);
    }
    Ok((claims, key))
}

/// Opens a server payload and checks it was signed by the SDK server's payload key.
pub fn open_server_payload(payload: &str, server_key: &DevicePublicKey) -> Result<ServerPayloadClaims, PayloadError> {
    let (claims, body, sig): (ServerPayloadClaims, _, _) = open_unverified(payload)?;
    if claims.v != PAYLOAD_VERSION {
        return Err(PayloadError::UnsupportedVersion(claims.v));
    }
    if !server_key.verify(body.as_bytes(), sig) {
        return Err(PayloadError::BadSignature);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use moderno_wire::payload::{ServerFlow, TrustLevel};
    use moderno_wire::sdk::DeviceType;

    fn mobile_claims(key: &DeviceKey) -> MobilePayloadClaims {
        MobilePayloadClaims {
            v: 1,
            device_fingerprint: key.fingerprint(),
            public_key: key.public_key_b64(),
            device_type: DeviceType::Desktop,
            device_name: "Test desktop".into(),
            os_version: "Linux".into(),
            app_version: "0.1.0".into(),
            rooted: false,
            nonce: "00".repeat(16),
            issued_at: 1000,
            user_selection: None,
        }
    }

    #[test]
    fn a_sealed_mobile_payload_opens_with_its_own_key() {
        let key = DeviceKey::from_seed(&[4u8; 32]);
        let sealed = seal(&mobile_claims(&key), &key);
        let (claims, public) = open_mobile_payload(&sealed).unwrap();
        assert_eq!(claims, mobile_claims(&key));
        assert_eq!(public.fingerprint(), key.fingerprint());
    }

    #[test]
    fn a_payload_claiming_another_devices_fingerprint_is_refused() {
        let key = DeviceKey::from_seed(&[4u8; 32]);
        let victim = DeviceKey::from_seed(&[5u8; 32]);
        let mut claims = mobile_claims(&key);
        claims.device_fingerprint = victim.fingerprint();
        assert_eq!(open_mobile_payload(&seal(&claims, &key)).unwrap_err(), PayloadError::FingerprintMismatch);
    }

    #[test]
    fn tampered_or_garbled_payloads_are_refused() {
        let key = DeviceKey::from_seed(&[4u8; 32]);
        let sealed = seal(&mobile_claims(&key), &key);
        let (body, sig) = sealed.split_once('.').unwrap();
        let mut claims = mobile_claims(&key);
        claims.rooted = true;
        let forged_body = b64url(&serde_json::to_vec(&claims).unwrap());
        assert_eq!(open_mobile_payload(&format!("{forged_body}.{sig}")).unwrap_err(), PayloadError::BadSignature);
        assert_eq!(open_mobile_payload(body).unwrap_err(), PayloadError::Malformed);
        assert_eq!(open_mobile_payload("e30.x").unwrap_err(), PayloadError::BadClaims);
        assert_eq!(open_mobile_payload(&"a".repeat(MAX_PAYLOAD_LEN + 1)).unwrap_err(), PayloadError::TooLong);
    }

    #[test]
    fn server_payloads_verify_only_under_the_server_key() {
        let server = DeviceKey::from_seed(&[8u8; 32]);
        let claims = ServerPayloadClaims {
            v: 1,
            account_id: "acct".into(),
            application_id: "app".into(),
            username: "alice".into(),
            device_fingerprint: "f".repeat(32),
            device_api_url: "http://127.0.0.1:1/pingid/v1/device".into(),
            flow: ServerFlow::TrustLevels {
                registration_token_id: "t".into(),
                registration_token_secret: "s".into(),
                trust_levels: vec![TrustLevel::Primary, TrustLevel::Trusted, TrustLevel::Ignore],
            },
            expires_at: 2000,
        };
        let sealed = seal(&claims, &server);
        let public = DevicePublicKey::from_b64(&server.public_key_b64()).unwrap();
        assert_eq!(open_server_payload(&sealed, &public).unwrap(), claims);
        let stranger = DevicePublicKey::from_b64(&DeviceKey::from_seed(&[9u8; 32]).public_key_b64()).unwrap();
        assert_eq!(open_server_payload(&sealed, &stranger).unwrap_err(), PayloadError::BadSignature);
    }
}
