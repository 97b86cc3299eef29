//! What the server knows a device by: its mobile payload (checked for signature, age and replay)
//! and its TOTP secret, derived from the master key so that no shared secret is stored.

use moderno_crypto::payload::open_mobile_payload;
use moderno_sql::Conn;
use moderno_wire::payload::MobilePayloadClaims;
use zeroize::Zeroizing;

use crate::secrets::hmac_sha256;
use crate::store::first_use_of_nonce;
use crate::{ApiError, State};

/// TOTP secret of a device: HMAC-SHA256(master key, device id), first 20 bytes (160 bits).
pub fn totp_secret(state: &State, device_id: &str) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(hmac_sha256(&state.0.otp_master_key[..], device_id.as_bytes())[..20].to_vec())
}

/// The TOTP secret in base32 (no padding), as authenticator apps take it.
pub fn totp_secret_base32(state: &State, device_id: &str) -> String {
    data_encoding::BASE32_NOPAD.encode(&totp_secret(state, device_id))
}

/// Opens a mobile payload and accepts it once: fresh (`issuedAt` within the configured age either
/// way), its nonce never seen, the device not rooted.
pub fn check_mobile_payload(state: &State, tx: &Conn<'_>, payload: &str) -> Result<MobilePayloadClaims, ApiError> {
    let invalid = |why: String| ApiError::Invalid {
        code: "INVALID_VALUE",
        message: why,
        target: Some("mobilePayload"),
        inner: None,
    };
    let (claims, _key) = open_mobile_payload(payload).map_err(|e| invalid(e.to_string()))?;
    let now = state.now();
    let max_age = state.config().payload_max_age.num_seconds();
    if (now - claims.issued_at).abs() > max_age {
        return Err(invalid("the mobile payload is too old or from the future".into()));
    }
    if !first_use_of_nonce(tx, &format!("payload:{}", claims.nonce), now, now + 2 * max_age)? {
        return Err(invalid("the mobile payload was already used".into()));
    }
    if claims.rooted {
        return Err(ApiError::Invalid {
            code: "CONSTRAINT_VIOLATION",
            message: "the device is rooted".into(),
            target: Some("mobilePayload"),
            inner: None,
        });
    }
    Ok(claims)
}
