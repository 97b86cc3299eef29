//! Checking a device's mobile payload: it opens under the key it carries, it was fresh (within
//! five minutes of the server's clock) when first used, and its nonce serves one login only.
//!
//! The nonce rule, precisely: the first use binds the nonce to one user and application, and
//! needs a fresh payload. The customer server may bring the same payload back for that user and
//! application for the rest of the login session (the authentication, its OTP, a retry, then the
//! registration token for the new device — which can come many minutes later after an offline
//! OTP), but a payload never approves a login by itself twice, and never serves another user.

use moderno_crypto::device_key::DevicePublicKey;
use moderno_crypto::payload::open_mobile_payload;
use moderno_sql::Conn;
use moderno_wire::payload::MobilePayloadClaims;

use crate::error::{ApiError, ApiResult};
use crate::routes::SESSION;
use crate::store::nonces;
use crate::timestamps::ms;

/// How far `issuedAt` may lie from the server's clock, either way, at a payload's first use.
pub const MAX_PAYLOAD_AGE_SECONDS: i64 = 300;

pub struct DevicePayload {
    pub claims: MobilePayloadClaims,
    pub public_key: DevicePublicKey,
    /// Issued within five minutes of now.
    pub fresh: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonceUse {
    First,
    /// Seen before, for the same user and application.
    Again,
}

/// Opens a payload (no database needed). `None` or empty: 400 `REQUIRED_VALUE` target `payload`;
/// one that does not open: `INVALID_VALUE` target `payload`. Records the fingerprint on the
/// current span (when it has that field).
pub fn open(payload: Option<&str>, now_ms: i64) -> ApiResult<DevicePayload> {
    let payload = payload
        .filter(|p| !p.trim().is_empty())
        .ok_or_else(|| ApiError::required_value("payload", "a mobile payload is required"))?;
    let (claims, public_key) = open_mobile_payload(payload)
        .map_err(|e| ApiError::invalid_payload(format!("the mobile payload was refused: {e}")))?;
    tracing::Span::current().record("fingerprint", claims.device_fingerprint.as_str());
    let age_ms = now_ms.saturating_sub(claims.issued_at.saturating_mul(1000));
    let fresh = age_ms.saturating_abs() <= MAX_PAYLOAD_AGE_SECONDS * 1000;
    Ok(DevicePayload { claims, public_key, fresh })
}

/// Records the payload's nonce for this user and application (inside the caller's transaction).
pub fn claim_nonce(
    conn: &Conn<'_>,
    payload: &DevicePayload,
    username: &str,
    application_id: &str,
    now_ms: i64,
) -> ApiResult<NonceUse> {
    let binding = format!("{application_id}\n{username}");
    let nonce = format!("{}:{}", payload.claims.device_fingerprint, payload.claims.nonce);
    match nonces::binding_of(conn, &nonce, now_ms)? {
        None if !payload.fresh => {
            Err(ApiError::invalid_payload("the mobile payload was issued more than 5 minutes from now"))
        }
        None => {
            // Kept for the login the first use starts: its authentication can be read and
            // completed for 30 minutes ([D-SET] "Authentication session lifetime"), and the same
            // payload may come back within it. That also outlasts the replay window: the payload
            // is fresh until `issuedAt` + 5 minutes, and a fresh first use is at least
            // `issuedAt` - 5 minutes, so the row lives to `issuedAt` + 25 minutes or later.
            let expires = now_ms.saturating_add(ms(SESSION));
            nonces::bind(conn, &nonce, &binding, expires)?;
            Ok(NonceUse::First)
        }
        Some(first) if first == binding => Ok(NonceUse::Again),
        Some(_) => Err(ApiError::invalid_payload("the mobile payload was already used")),
    }
}
