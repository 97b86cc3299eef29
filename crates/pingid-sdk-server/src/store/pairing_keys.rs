//! Manual pairing keys, kept as peppered hashes (the key itself is shown in the answer that
//! creates it, and read back by the key: [D-PK]). NOT_CLAIMED -> USED, once; a key past its
//! lifetime is gone. Failed redemptions are counted per user for rate limiting.
//!
//! A key belongs to one application, or to the whole account ([`ACCOUNT_WIDE`], the account-scope
//! form of [D-PK]), and then serves every application.

use moderno_sql::{Conn, OptionalExtension as _};
use moderno_wire::sdk::PairingKeyStatus;

use super::Text;

/// The `application_id` of a key created at account scope.
pub const ACCOUNT_WIDE: &str = "";

#[derive(Debug, Clone)]
pub struct PairingKeyRow {
    pub reference: String,
    pub key_hash: String,
    pub application_id: String,
    /// As the customer server sent it, byte for byte.
    pub pairing_data: String,
    pub status: PairingKeyStatus,
    pub created: i64,
    pub expires: i64,
}

impl PairingKeyRow {
    /// Whether the key still exists for readers: used keys stay readable; an unclaimed one past
    /// its lifetime is gone.
    pub fn is_visible_at(&self, now_ms: i64) -> bool {
        self.status == PairingKeyStatus::Used || now_ms < self.expires
    }
}

pub fn insert(conn: &Conn<'_>, k: &PairingKeyRow) -> moderno_sql::Result<()> {
    conn.execute(
        "INSERT INTO pairing_keys (reference, key_hash, application_id, pairing_data, status, created, expires)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        (&k.reference, &k.key_hash, &k.application_id, &k.pairing_data, Text(k.status), k.created, k.expires),
    )?;
    Ok(())
}

/// The key with this hash, issued for `application_id` or for the whole account.
pub fn by_hash(conn: &Conn<'_>, application_id: &str, key_hash: &str) -> moderno_sql::Result<Option<PairingKeyRow>> {
    conn.query_row(
        "SELECT reference, key_hash, application_id, pairing_data, status, created, expires
         FROM pairing_keys WHERE key_hash = ?1 AND application_id IN (?2, '')",
        (key_hash, application_id),
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

/// Unclaimed, unexpired keys issued for this pairing data in this scope.
pub fn count_outstanding(
    conn: &Conn<'_>,
    application_id: &str,
    pairing_data: &str,
    now_ms: i64,
) -> moderno_sql::Result<u32> {
    conn.query_row(
        "SELECT COUNT(*) FROM pairing_keys
         WHERE application_id = ?1 AND pairing_data = ?2 AND status = 'NOT_CLAIMED' AND expires > ?3",
        (application_id, pairing_data, now_ms),
        |r| r.get(0),
    )
}

/// When the oldest of the outstanding keys for this pairing data expires (for "try again after").
pub fn first_outstanding_expiry(
    conn: &Conn<'_>,
    application_id: &str,
    pairing_data: &str,
    now_ms: i64,
) -> moderno_sql::Result<Option<i64>> {
    conn.query_row(
        "SELECT MIN(expires) FROM pairing_keys
         WHERE application_id = ?1 AND pairing_data = ?2 AND status = 'NOT_CLAIMED' AND expires > ?3",
        (application_id, pairing_data, now_ms),
        |r| r.get(0),
    )
}

/// Marks the key USED by `username` when it is unclaimed and unexpired, whatever its pairing
/// data: reading `pairingData` is the customer server's business ([D-PK]). False otherwise.
pub fn redeem(
    conn: &Conn<'_>,
    application_id: &str,
    key_hash: &str,
    username: &str,
    now_ms: i64,
) -> moderno_sql::Result<bool> {
    let claimed = conn.execute(
        "UPDATE pairing_keys SET status = 'USED', claimed_by = ?3, claimed_at = ?4
         WHERE key_hash = ?1 AND application_id IN (?2, '') AND status = 'NOT_CLAIMED' AND expires > ?4",
        (key_hash, application_id, username, now_ms),
    )?;
    Ok(claimed == 1)
}

pub fn count_recent_failures(
    conn: &Conn<'_>,
    username: &str,
    application_id: &str,
    since_ms: i64,
) -> moderno_sql::Result<u32> {
    conn.query_row(
        "SELECT COUNT(*) FROM pairing_key_failures WHERE username = ?1 AND application_id = ?2 AND at > ?3",
        (username, application_id, since_ms),
        |r| r.get(0),
    )
}

/// The oldest failure still in the window (for "try again after").
pub fn oldest_recent_failure(
    conn: &Conn<'_>,
    username: &str,
    application_id: &str,
    since_ms: i64,
) -> moderno_sql::Result<Option<i64>> {
    conn.query_row(
        "SELECT MIN(at) FROM pairing_key_failures WHERE username = ?1 AND application_id = ?2 AND at > ?3",
        (username, application_id, since_ms),
        |r| r.get(0),
    )
}

/// Counts a failed redemption (and forgets failures too old to matter to any window).
pub fn record_failure(conn: &Conn<'_>, username: &str, application_id: &str, now_ms: i64) -> moderno_sql::Result<()> {
    conn.execute("DELETE FROM pairing_key_failures WHERE at < ?1", [now_ms - 24 * 3600 * 1000])?;
    conn.execute(
        "INSERT INTO pairing_key_failures (username, application_id, at) VALUES (?1, ?2, ?3)",
        (username, application_id, now_ms),
    )?;
    Ok(())
}
