//! Checking a device's mobile payload: it opens under the key it carries, it is at most five
//! minutes from the server's clock, and its nonce was not used for anything else.
//!
//! The nonce rule, precisely: the first use binds the nonce to one user and application. The
//! customer server may bring the same payload back for that user and application while it is
//! fresh (one login: the authentication, its OTP, then the registration token for the new
//! device), but a payload never approves a login by itself twice, and never serves another user.

use moderno_crypto::device_key::DevicePublicKey;
use moderno_crypto::payload::open_mobile_payload;
use moderno_wire::payload::MobilePayloadClaims;
use rusqlite::Connection;

use crate::error::{ApiError, ApiResult};
use crate::store::nonces;

/// How far `issuedAt` may lie from the server's clock, either way.
pub const MAX_PAYLOAD_AGE_SECONDS: i64 = 300;

pub struct DevicePayload {
    pub claims: MobilePayloadClaims,
    pub public_key: DevicePublicKey,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonceUse {
    First,
    /// Seen before, for the same user and application.
    Again,
}

/// Opens and dates a payload (no database needed). `None` or empty: 400 `INVALID_VALUE`.
pub fn open(payload: Option<&str>, now_ms: i64) -> ApiResult<DevicePayload> {
    let payload = payload
        .filter(|p| !p.trim().is_empty())
        .ok_or_else(|| ApiError::invalid_value("payload", "a mobile payload is required"))?;
    let (claims, public_key) = open_mobile_payload(payload)
        .map_err(|e| ApiError::invalid_payload(format!("the mobile payload was refused: {e}")))?;
    let age_ms = now_ms - claims.issued_at.saturating_mul(1000);
    if age_ms.abs() > MAX_PAYLOAD_AGE_SECONDS * 1000 {
        return Err(ApiError::invalid_payload("the mobile payload was issued more than 5 minutes from now"));
    }
    Ok(DevicePayload { claims, public_key })
}

/// Records the payload's nonce for this user and application (inside the caller's transaction).
pub fn claim_nonce(conn: &Connection, payload: &DevicePayload, username: &str, application_id: &str, now_ms: i64) -> ApiResult<NonceUse> {
    let binding = format!("{application_id}\n{username}");
    let nonce = format!("{}:{}", payload.claims.device_fingerprint, payload.claims.nonce);
    match nonces::binding_of(conn, &nonce, now_ms)? {
        None => {
            let expires = payload.claims.issued_at.saturating_add(2 * MAX_PAYLOAD_AGE_SECONDS).saturating_mul(1000);
            nonces::bind(conn, &nonce, &binding, expires)?;
            Ok(NonceUse::First)
        }
        Some(first) if first == binding => Ok(NonceUse::Again),
        Some(_) => Err(ApiError::invalid_payload("the mobile payload was already used")),
    }
}
