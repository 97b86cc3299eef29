//! Manual pairing keys, kept as peppered hashes with a reference id (the key itself is shown
//! once). NOT_CLAIMED -> USED, once; failed redemptions are counted per user for rate limiting.

use moderno_wire::sdk::PairingKeyStatus;
use rusqlite::{Connection, OptionalExtension as _};

use super::Text;

#[derive(Debug, Clone)]
pub struct PairingKeyRow {
    pub reference: String,
    pub key_hash: String,
    pub application_id: String,
    pub pairing_data: String,
    pub status: PairingKeyStatus,
    pub created: i64,
    pub expires: i64,
}

impl PairingKeyRow {
    pub fn status_at(&self, now_ms: i64) -> PairingKeyStatus {
        match self.status {
            PairingKeyStatus::NotClaimed if now_ms >= self.expires => PairingKeyStatus::Expired,
            s => s,
        }
    }
}

pub fn insert(conn: &Connection, k: &PairingKeyRow) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO pairing_keys (reference, key_hash, application_id, pairing_data, status, created, expires)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        (&k.reference, &k.key_hash, &k.application_id, &k.pairing_data, Text(k.status), k.created, k.expires),
    )?;
    Ok(())
}

pub fn by_reference(conn: &Connection, application_id: &str, reference: &str) -> rusqlite::Result<Option<PairingKeyRow>> {
    conn.query_row(
        "SELECT reference, key_hash, application_id, pairing_data, status, created, expires
         FROM pairing_keys WHERE application_id = ?1 AND reference = ?2",
        (application_id, reference),
        |r| {
            Ok(PairingKeyRow {
                reference: r.get(0)?,
                key_hash: r.get(1)?,
                application_id: r.get(2)?,
                pairing_data: r.get(3)?,
                status: r.get::<_, Text<_>>(4)?.0,
                created: r.get(5)?,
                expires: r.get(6)?,
            })
        },
    )
    .optional()
}

/// Unclaimed, unexpired keys issued for this pairing data.
pub fn count_outstanding(conn: &Connection, application_id: &str, pairing_data: &str, now_ms: i64) -> rusqlite::Result<u32> {
    conn.query_row(
        "SELECT COUNT(*) FROM pairing_keys
         WHERE application_id = ?1 AND pairing_data = ?2 AND status = 'NOT_CLAIMED' AND expires > ?3",
        (application_id, pairing_data, now_ms),
        |r| r.get(0),
    )
}

/// Marks the key USED for `username` when it is unclaimed, unexpired, and issued for this user
/// (`user:<username>`) or a group (`group:...`). False otherwise, whatever the reason.
pub fn redeem(conn: &Connection, application_id: &str, key_hash: &str, username: &str, now_ms: i64) -> rusqlite::Result<bool> {
    let reference: Option<String> = conn
        .query_row(
            "SELECT reference FROM pairing_keys
             WHERE application_id = ?1 AND key_hash = ?2 AND status = 'NOT_CLAIMED' AND expires > ?3
               AND (pairing_data = 'user:' || ?4 OR pairing_data LIKE 'group:%')",
            (application_id, key_hash, now_ms, username),
            |r| r.get(0),
        )
        .optional()?;
    let Some(reference) = reference else { return Ok(false) };
    conn.execute(
        "UPDATE pairing_keys SET status = 'USED', claimed_by = ?2, claimed_at = ?3 WHERE reference = ?1",
        (&reference, username, now_ms),
    )?;
    Ok(true)
}

pub fn count_recent_failures(conn: &Connection, username: &str, application_id: &str, since_ms: i64) -> rusqlite::Result<u32> {
    conn.query_row(
        "SELECT COUNT(*) FROM pairing_key_failures WHERE username = ?1 AND application_id = ?2 AND at > ?3",
        (username, application_id, since_ms),
        |r| r.get(0),
    )
}

/// Counts a failed redemption (and forgets failures too old to matter to any window).
pub fn record_failure(conn: &Connection, username: &str, application_id: &str, now_ms: i64) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM pairing_key_failures WHERE at < ?1", [now_ms - 24 * 3600 * 1000])?;
    conn.execute(
        "INSERT INTO pairing_key_failures (username, application_id, at) VALUES (?1, ?2, ?3)",
        (username, application_id, now_ms),
    )?;
    Ok(())
}
