//! Registration tokens: issued for one device (fingerprint and public key) to pair with one user;
//! the secret is kept only as a peppered hash. `not_claimed` -> `active` (paired) or `invalidated`
//! (IGNORE chosen, a newer token for the user, or expired), once ([D-RT]).

use moderno_sql::{Conn, OptionalExtension as _};
use moderno_wire::payload::TrustLevel;
use moderno_wire::sdk::{DeviceType, RegistrationTokenStatus};

use super::{parse_spelling, spelling, Text};

#[derive(Debug, Clone)]
pub struct TokenRow {
    pub id: String,
    pub secret_hash: String,
    pub username: String,
    pub application_id: String,
    pub fingerprint: String,
    pub public_key: String,
    pub device_type: DeviceType,
    pub device_name: String,
    pub os_version: String,
    pub trust_levels: Vec<TrustLevel>,
    pub status: RegistrationTokenStatus,
    pub created: i64,
    pub expires: i64,
}

impl TokenRow {
    /// The status as read now: an unclaimed token past its expiry is `invalidated` (Ping publishes
    /// no expiry and no `expired` status).
    pub fn status_at(&self, now_ms: i64) -> RegistrationTokenStatus {
        match self.status {
            RegistrationTokenStatus::NotClaimed if now_ms >= self.expires => RegistrationTokenStatus::Invalidated,
            s => s,
        }
    }
}

pub fn insert(conn: &Conn<'_>, t: &TokenRow) -> moderno_sql::Result<()> {
    let levels: Vec<String> = t.trust_levels.iter().map(spelling).collect();
    conn.execute(
        "INSERT INTO registration_tokens (id, secret_hash, username, application_id, fingerprint, public_key,
           device_type, device_name, os_version, trust_levels, status, created, expires)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        moderno_sql::params![
            t.id,
            t.secret_hash,
            t.username,
            t.application_id,
            t.fingerprint,
            t.public_key,
            Text(t.device_type),
            t.device_name,
            t.os_version,
            levels.join(","),
            Text(t.status),
            t.created,
            t.expires
        ],
    )?;
    Ok(())
}

pub fn get(conn: &Conn<'_>, id: &str) -> moderno_sql::Result<Option<TokenRow>> {
    conn.query_row(
        "SELECT id, secret_hash, username, application_id, fingerprint, public_key, device_type, device_name,
                os_version, trust_levels, status, created, expires
         FROM registration_tokens WHERE id = ?1",
        [id],
        |r| {
            let levels: String = r.get(9)?;
            Ok(TokenRow {
                id: r.get(0)?,
                secret_hash: r.get(1)?,
                username: r.get(2)?,
                application_id: r.get(3)?,
                fingerprint: r.get(4)?,
                public_key: r.get(5)?,
                device_type: r.get::<_, Text<_>>(6)?.0,
                device_name: r.get(7)?,
                os_version: r.get(8)?,
                trust_levels: levels.split(',').filter_map(parse_spelling).collect(),
                status: r.get::<_, Text<_>>(10)?.0,
                created: r.get(11)?,
                expires: r.get(12)?,
            })
        },
    )
    .optional()
}

pub fn set_status(conn: &Conn<'_>, id: &str, status: RegistrationTokenStatus) -> moderno_sql::Result<()> {
    conn.execute("UPDATE registration_tokens SET status = ?2 WHERE id = ?1", (id, Text(status)))?;
    Ok(())
}

/// Invalidates the user's unclaimed tokens in the application: a new registration replaces them
/// ([D-RT] `invalidated`). Also matches the spelling older files stored (`PENDING`).
pub fn invalidate_unclaimed(conn: &Conn<'_>, username: &str, application_id: &str) -> moderno_sql::Result<()> {
    conn.execute(
        "UPDATE registration_tokens SET status = ?3
         WHERE username = ?1 AND application_id = ?2 AND status IN ('not_claimed', 'PENDING')",
        (username, application_id, Text(RegistrationTokenStatus::Invalidated)),
    )?;
    Ok(())
}
