//! The emulator's database (a SQLite file, or a PostgreSQL schema several instances share):
//! schema, and the row shapes several routes share (users, devices, seen nonces).
//!
//! Every write happens inside one transaction that checks and acts, writers taking turns
//! (`moderno_sql::Database::write`), so parallel requests redeeming the same secret see exactly
//! one success, on one instance or several.

use chrono::DateTime;
use moderno_sql::{params, Conn, OptionalExtension, Row, Schemas};
use moderno_sqlite::AddedColumn;
use moderno_wire::pingone::MfaDeviceType;

use crate::error::ApiError;

/// The service's schema on both databases.
pub const SCHEMAS: Schemas = Schemas { sqlite: SQLITE, postgres: POSTGRES };

/// The file's schema: the tables as they stood when the versions were first numbered, then the
/// migrations since.
const SQLITE: moderno_sqlite::Schema = moderno_sqlite::Schema {
    baseline: BASELINE,
    baseline_columns: ADDED_COLUMNS,
    migrations: &[OUTBOX_ORDER, PUSH_ORDER],
};

const BASELINE: &str = "
CREATE TABLE IF NOT EXISTS users (
    username TEXT PRIMARY KEY, id TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL,
    otp_failures INTEGER NOT NULL DEFAULT 0, otp_blocked_until INTEGER);
CREATE TABLE IF NOT EXISTS devices (
    id TEXT PRIMARY KEY, username TEXT NOT NULL, type TEXT NOT NULL, blocked INTEGER NOT NULL DEFAULT 0,
    name TEXT NOT NULL, nickname TEXT, position INTEGER NOT NULL, created_at INTEGER NOT NULL,
    fingerprint TEXT, public_key TEXT, last_totp_step INTEGER, updated_at INTEGER,
    otp_failures INTEGER NOT NULL DEFAULT 0, locked_until INTEGER);
CREATE INDEX IF NOT EXISTS devices_by_user ON devices(username, position);
CREATE TABLE IF NOT EXISTS pairings (
    id TEXT PRIMARY KEY, username TEXT NOT NULL, kind TEXT NOT NULL, secret_hash TEXT NOT NULL UNIQUE,
    fingerprint TEXT, public_key TEXT, device_name TEXT, status TEXT NOT NULL,
    expires_at INTEGER NOT NULL, device_id TEXT, created_at INTEGER NOT NULL, applications TEXT);
CREATE TABLE IF NOT EXISTS authentications (
    id TEXT PRIMARY KEY, username TEXT NOT NULL, status TEXT NOT NULL, selected_device_id TEXT,
    method TEXT, req_fingerprint TEXT, req_public_key TEXT, req_name TEXT,
    otp_hash TEXT, otp_expires_at INTEGER, push_expires_at INTEGER, failure_reason TEXT,
    paired INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
    match_number INTEGER, number_choices TEXT, updated_at INTEGER, policy_id TEXT, id_token TEXT, pairing_id TEXT);
CREATE TABLE IF NOT EXISTS outbox (
    id TEXT PRIMARY KEY, username TEXT NOT NULL, channel TEXT NOT NULL, to_addr TEXT NOT NULL,
    text TEXT NOT NULL, otp TEXT NOT NULL, sent_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS nonces (nonce TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS access_tokens (token_hash TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS rate_events (kind TEXT NOT NULL, bucket TEXT NOT NULL, at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS rate_events_by_bucket ON rate_events(kind, bucket, at);
";

/// Columns added to `SQLITE`'s baseline after files were written without them.
const ADDED_COLUMNS: &[AddedColumn] = &[
    AddedColumn { table: "authentications", column: "match_number", declaration: "INTEGER" },
    AddedColumn { table: "authentications", column: "number_choices", declaration: "TEXT" },
    AddedColumn { table: "devices", column: "updated_at", declaration: "INTEGER" },
    AddedColumn { table: "pairings", column: "applications", declaration: "TEXT" },
    AddedColumn { table: "devices", column: "otp_failures", declaration: "INTEGER NOT NULL DEFAULT 0" },
    AddedColumn { table: "devices", column: "locked_until", declaration: "INTEGER" },
    AddedColumn { table: "authentications", column: "updated_at", declaration: "INTEGER" },
    AddedColumn { table: "authentications", column: "policy_id", declaration: "TEXT" },
    AddedColumn { table: "authentications", column: "id_token", declaration: "TEXT" },
    AddedColumn { table: "authentications", column: "pairing_id", declaration: "TEXT" },
];

/// Migration 2: the outbox's order as a column of its own (`seq`, per user, counted up as
/// messages are sent) instead of SQLite's rowid, which PostgreSQL has not; the messages already
/// there keep the order they were sent in.
const OUTBOX_ORDER: &str = "
ALTER TABLE outbox ADD COLUMN seq INTEGER;
UPDATE outbox SET seq = rowid;
CREATE INDEX IF NOT EXISTS outbox_by_user ON outbox(username, seq);
";

/// Migration 3 on SQLite, 2 on PostgreSQL: the order pushes were sent in (`push_seq`, counted up
/// over all authentications as each push starts, writers taking turns), so a device's pushes of
/// one second (`created_at` is in seconds) list in the order they were made on either database.
/// Pushes waiting from before have none and list first, by `created_at`.
const PUSH_ORDER: &str = "
ALTER TABLE authentications ADD COLUMN push_seq BIGINT;
CREATE INDEX authentications_by_push_seq ON authentications(push_seq);
";

/// The PostgreSQL schema: today's tables as its baseline (integers, booleans too, as `BIGINT`;
/// blobs as `BYTEA`).
const POSTGRES: moderno_postgres::Schema =
    moderno_postgres::Schema { name: "pingone_mfa", migrations: &[PG_BASELINE, PUSH_ORDER] };

const PG_BASELINE: &str = "
CREATE TABLE users (
    username TEXT PRIMARY KEY, id TEXT NOT NULL UNIQUE, created_at BIGINT NOT NULL,
    otp_failures BIGINT NOT NULL DEFAULT 0, otp_blocked_until BIGINT);
CREATE TABLE devices (
    id TEXT PRIMARY KEY, username TEXT NOT NULL, type TEXT NOT NULL, blocked BIGINT NOT NULL DEFAULT 0,
    name TEXT NOT NULL, nickname TEXT, position BIGINT NOT NULL, created_at BIGINT NOT NULL,
    fingerprint TEXT, public_key TEXT, last_totp_step BIGINT, updated_at BIGINT,
    otp_failures BIGINT NOT NULL DEFAULT 0, locked_until BIGINT);
CREATE INDEX devices_by_user ON devices(username, position);
CREATE TABLE pairings (
    id TEXT PRIMARY KEY, username TEXT NOT NULL, kind TEXT NOT NULL, secret_hash TEXT NOT NULL UNIQUE,
    fingerprint TEXT, public_key TEXT, device_name TEXT, status TEXT NOT NULL,
    expires_at BIGINT NOT NULL, device_id TEXT, created_at BIGINT NOT NULL, applications TEXT);
CREATE TABLE authentications (
    id TEXT PRIMARY KEY, username TEXT NOT NULL, status TEXT NOT NULL, selected_device_id TEXT,
    method TEXT, req_fingerprint TEXT, req_public_key TEXT, req_name TEXT,
    otp_hash TEXT, otp_expires_at BIGINT, push_expires_at BIGINT, failure_reason TEXT,
    paired BIGINT NOT NULL DEFAULT 0, created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL,
    match_number BIGINT, number_choices TEXT, updated_at BIGINT, policy_id TEXT, id_token TEXT, pairing_id TEXT);
CREATE TABLE outbox (
    id TEXT PRIMARY KEY, username TEXT NOT NULL, channel TEXT NOT NULL, to_addr TEXT NOT NULL,
    text TEXT NOT NULL, otp TEXT NOT NULL, sent_at BIGINT NOT NULL, seq BIGINT);
CREATE INDEX outbox_by_user ON outbox(username, seq);
CREATE TABLE nonces (nonce TEXT PRIMARY KEY, expires_at BIGINT NOT NULL);
CREATE TABLE meta (key TEXT PRIMARY KEY, value BYTEA NOT NULL);
CREATE TABLE access_tokens (token_hash TEXT PRIMARY KEY, expires_at BIGINT NOT NULL);
CREATE TABLE rate_events (kind TEXT NOT NULL, bucket TEXT NOT NULL, at BIGINT NOT NULL);
CREATE INDEX rate_events_by_bucket ON rate_events(kind, bucket, at);
";

impl moderno_sql::DbError for ApiError {}

/// Unix seconds as PingOne writes timestamps: RFC 3339 UTC with milliseconds
/// (`2021-11-16T19:35:54.554Z`, "Read Device Authentication").
pub fn rfc3339(unix: i64) -> String {
    DateTime::from_timestamp(unix, 0).unwrap_or_default().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub fn type_name(t: MfaDeviceType) -> &'static str {
    match t {
        MfaDeviceType::Mobile => "MOBILE",
        MfaDeviceType::Sms => "SMS",
        MfaDeviceType::Email => "EMAIL",
        MfaDeviceType::Totp => "TOTP",
    }
}

fn type_from_name(name: &str) -> MfaDeviceType {
    match name {
        "MOBILE" => MfaDeviceType::Mobile,
        "SMS" => MfaDeviceType::Sms,
        "EMAIL" => MfaDeviceType::Email,
        _ => MfaDeviceType::Totp,
    }
}

/// A device as stored, with what the server alone needs (public key, TOTP step).
#[derive(Debug, Clone)]
pub struct DeviceRow {
    pub id: String,
    pub device_type: MfaDeviceType,
    pub blocked: bool,
    /// The phone number, the e-mail address, or the mobile device's name.
    pub name: String,
    pub nickname: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub fingerprint: Option<String>,
    pub username: String,
    pub public_key: Option<String>,
    pub last_totp_step: Option<i64>,
    /// Passcodes are refused until then (too many wrong ones on this device).
    pub locked_until: Option<i64>,
}

impl DeviceRow {
    pub fn usable(&self) -> bool {
        !self.blocked
    }

    /// The device's passcode lock, while it lasts.
    pub fn locked_at(&self, now: i64) -> Option<i64> {
        self.locked_until.filter(|until| *until > now)
    }
}

const DEVICE_COLUMNS: &str =
    "id, type, blocked, name, nickname, created_at, COALESCE(updated_at, created_at), fingerprint, username, public_key, last_totp_step,
     locked_until";

fn device_from_row(row: &Row) -> moderno_sql::Result<DeviceRow> {
    Ok(DeviceRow {
        id: row.get(0)?,
        device_type: type_from_name(&row.get::<_, String>(1)?),
        blocked: row.get(2)?,
        name: row.get(3)?,
        nickname: row.get(4)?,
        created_at: row.get(5)?,
        updated_at: row.get(6)?,
        fingerprint: row.get(7)?,
        username: row.get(8)?,
        public_key: row.get(9)?,
        last_totp_step: row.get(10)?,
        locked_until: row.get(11)?,
    })
}

/// The user's devices in order; the first is the default.
pub fn user_devices(tx: &Conn<'_>, username: &str) -> Result<Vec<DeviceRow>, ApiError> {
    let sql = format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE username = ?1 ORDER BY position, created_at");
    Ok(tx.query_map(&sql, params![username], device_from_row)?)
}

pub fn find_device(tx: &Conn<'_>, username: &str, id: &str) -> Result<DeviceRow, ApiError> {
    user_devices(tx, username)?.into_iter().find(|d| d.id == id).ok_or(ApiError::NotFound("device"))
}

/// The paired mobile device with this key fingerprint, whoever it belongs to.
pub fn device_by_fingerprint(tx: &Conn<'_>, fingerprint: &str) -> Result<Option<DeviceRow>, ApiError> {
    let sql = format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE fingerprint = ?1 AND type = 'MOBILE'");
    Ok(tx.query_row(&sql, params![fingerprint], device_from_row).optional()?)
}

/// Refuses a new device for a user who has `max` already (MFA settings
/// `pairing.maxAllowedDevices`; PingOne's answer is not published: 400 `INVALID_DATA`, detail
/// `SIZE_LIMIT_EXCEEDED`, from Ping's 400 schema).
pub fn check_room_for_device(tx: &Conn<'_>, username: &str, max: u32) -> Result<(), ApiError> {
    let count: u32 =
        tx.query_row("SELECT COUNT(*) FROM devices WHERE username = ?1", params![username], |r| r.get(0))?;
    if count >= max {
        return Err(ApiError::invalid(
            "SIZE_LIMIT_EXCEEDED",
            format!("the user already has {count} devices, the most allowed"),
        ));
    }
    Ok(())
}

/// Appends a device at the end of the user's order.
pub fn insert_device(tx: &Conn<'_>, row: &DeviceRow, now: i64) -> Result<(), ApiError> {
    let next: i64 = tx.query_row(
        "SELECT COALESCE(MAX(position) + 1, 0) FROM devices WHERE username = ?1",
        params![row.username],
        |r| r.get(0),
    )?;
    tx.execute(
        "INSERT INTO devices (id, username, type, name, nickname, position, created_at, updated_at, fingerprint, public_key)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?9)",
        params![
            row.id,
            row.username,
            type_name(row.device_type),
            row.name,
            row.nickname,
            next,
            now,
            row.fingerprint,
            row.public_key
        ],
    )?;
    Ok(())
}

pub fn user_exists(tx: &Conn<'_>, username: &str) -> Result<bool, ApiError> {
    Ok(tx.query_row("SELECT 1 FROM users WHERE username = ?1", params![username], |_| Ok(())).optional()?.is_some())
}

pub fn require_user(tx: &Conn<'_>, username: &str) -> Result<(), ApiError> {
    if user_exists(tx, username)? {
        Ok(())
    } else {
        Err(ApiError::NotFound("user"))
    }
}

/// The username of the user with PingOne id `user_id` (paths name users by id).
pub fn username_of(tx: &Conn<'_>, user_id: &str) -> Result<String, ApiError> {
    tx.query_row("SELECT username FROM users WHERE id = ?1", params![user_id], |r| r.get(0))
        .optional()?
        .ok_or(ApiError::NotFound("user"))
}

/// The PingOne id of the user named `username`.
pub fn user_id_of(tx: &Conn<'_>, username: &str) -> Result<String, ApiError> {
    tx.query_row("SELECT id FROM users WHERE username = ?1", params![username], |r| r.get(0))
        .optional()?
        .ok_or(ApiError::NotFound("user"))
}

/// Records a single-use nonce; false when it was seen before. Expired nonces are swept here.
pub fn first_use_of_nonce(tx: &Conn<'_>, nonce: &str, now: i64, keep_until: i64) -> Result<bool, ApiError> {
    tx.execute("DELETE FROM nonces WHERE expires_at < ?1", params![now])?;
    Ok(tx.execute(
        "INSERT INTO nonces (nonce, expires_at) VALUES (?1, ?2) ON CONFLICT (nonce) DO NOTHING",
        params![nonce, keep_until],
    )? == 1)
}
