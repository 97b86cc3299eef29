//! Things accepted once: PINGID-HMAC request ids, device-signature nonces and mobile-payload
//! nonces. Each row lives only as long as its purpose, and every claim first deletes the rows
//! whose life ended (by the server's clock), so the table holds at most a few minutes of traffic
//! (half an hour of logins):
//! - a request id until its signature's `expires` (the signer's now + 5 minutes, refused further
//!   ahead than that plus the skew, `moderno_crypto::pingid_hmac`): a replay after it fails the
//!   signature's own time check;
//! - a device-signature nonce until its `ts` + 5 minutes, the end of the window in which the
//!   signature is accepted (`DeviceCall::verify`);
//! - a mobile-payload nonce for the 30-minute session of the login its first use starts (the
//!   payload may come back within it, `mobile_payload::claim_nonce`); its replay window (fresh
//!   within 5 minutes of `issuedAt`) ends before that.

use moderno_sql::{Conn, OptionalExtension as _};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonceKind {
    RequestId,
    DeviceSignature,
    MobilePayload,
}

impl NonceKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::RequestId => "request-id",
            Self::DeviceSignature => "device-signature",
            Self::MobilePayload => "mobile-payload",
        }
    }
}

fn purge(conn: &Conn<'_>, now_ms: i64) -> moderno_sql::Result<()> {
    conn.execute("DELETE FROM seen_nonces WHERE expires <= ?1", [now_ms])?;
    Ok(())
}

/// Records `value` as used until `expires_ms`. False when it was already used (a replay).
pub fn claim(conn: &Conn<'_>, kind: NonceKind, value: &str, expires_ms: i64, now_ms: i64) -> moderno_sql::Result<bool> {
    purge(conn, now_ms)?;
    let inserted = conn.execute(
        "INSERT INTO seen_nonces (kind, value, binding, expires) VALUES (?1, ?2, '', ?3)
         ON CONFLICT (kind, value) DO NOTHING",
        (kind.as_str(), value, expires_ms),
    )?;
    Ok(inserted == 1)
}

/// What a mobile payload's nonce was bound to when first used, if it was.
pub fn binding_of(conn: &Conn<'_>, value: &str, now_ms: i64) -> moderno_sql::Result<Option<String>> {
    purge(conn, now_ms)?;
    conn.query_row(
        "SELECT binding FROM seen_nonces WHERE kind = ?1 AND value = ?2",
        (NonceKind::MobilePayload.as_str(), value),
        |r| r.get(0),
    )
    .optional()
}

/// Binds a mobile payload's nonce to its first use.
pub fn bind(conn: &Conn<'_>, value: &str, binding: &str, expires_ms: i64) -> moderno_sql::Result<()> {
    conn.execute(
        "INSERT INTO seen_nonces (kind, value, binding, expires) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (kind, value) DO NOTHING",
        (NonceKind::MobilePayload.as_str(), value, binding, expires_ms),
    )?;
    Ok(())
}
