//! The SQLite file: flows (each a JSON record with a version for check-and-set), authorization
//! codes (hashed, single use), password failure counts with their back-off (`first_factor`) and
//! each user's last sign-on. WAL, `synchronous=FULL`.

use std::path::Path;

use moderno_ambient::Entropy;
use moderno_sqlite::{AddedColumn, Database, DbError, Schema};
use rusqlite::{OptionalExtension, Transaction};
use zeroize::Zeroizing;

use crate::error::AuthnApiError;

/// The file's schema: the tables as they stood when the versions were first numbered, then the
/// migrations since (none yet).
const SCHEMA: Schema = Schema { baseline: BASELINE, baseline_columns: ADDED, migrations: &[] };

const BASELINE: &str = "
CREATE TABLE IF NOT EXISTS flows (
    id TEXT PRIMARY KEY, session_hash TEXT NOT NULL, version INTEGER NOT NULL,
    record TEXT NOT NULL, expires_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS codes (
    code_hash TEXT PRIMARY KEY, grant_json TEXT NOT NULL, expires_at INTEGER NOT NULL, used INTEGER NOT NULL DEFAULT 0);
-- consecutive failed password attempts per name, accounts (account = 1) and names that are none
-- alike; not_before_ms: no attempt is checked before it (back-off)
CREATE TABLE IF NOT EXISTS password_failures (
    username TEXT PRIMARY KEY, count INTEGER NOT NULL, not_before_ms INTEGER,
    account INTEGER NOT NULL DEFAULT 1, updated_ms INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS sign_ons (username TEXT PRIMARY KEY, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
";

/// What files from before the back-off lack.
const ADDED: &[AddedColumn] = &[
    AddedColumn { table: "password_failures", column: "not_before_ms", declaration: "INTEGER" },
    AddedColumn { table: "password_failures", column: "account", declaration: "INTEGER NOT NULL DEFAULT 1" },
    AddedColumn { table: "password_failures", column: "updated_ms", declaration: "INTEGER NOT NULL DEFAULT 0" },
];

/// The connection, used only on the blocking pool ([`Database`]).
pub struct Db(Database);

impl DbError for AuthnApiError {
    fn task_failed(error: tokio::task::JoinError) -> Self {
        Self::Internal(format!("the database task failed: {error}"))
    }
}

impl Db {
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        Ok(Self(Database::open(path, &SCHEMA)?))
    }

    /// The 32-byte secret kept under `key`, drawn from `entropy` the first time. For start-up.
    pub fn kept_seed(&self, key: &str, entropy: &Entropy) -> anyhow::Result<Zeroizing<[u8; 32]>> {
        self.0.blocking(|conn| Self::seed_in(conn, key, entropy))
    }

    fn seed_in(conn: &mut rusqlite::Connection, key: &str, entropy: &Entropy) -> anyhow::Result<Zeroizing<[u8; 32]>> {
        let stored: Option<Vec<u8>> =
            conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()?;
        if let Some(bytes) = stored.map(Zeroizing::new) {
            return Ok(Zeroizing::new(
                bytes.as_slice().try_into().map_err(|_| anyhow::anyhow!("the stored {key} is not 32 bytes"))?,
            ));
        }
        let seed = Zeroizing::new(entropy.bytes::<32>());
        conn.execute("INSERT INTO meta (key, value) VALUES (?1, ?2)", (key, seed.to_vec()))?;
        tracing::info!(key, "secret drawn at first start and kept in the database");
        Ok(seed)
    }

    /// Runs `f` in one immediate transaction on the blocking pool, committed only when `f`
    /// succeeds.
    pub async fn tx<T, F>(&self, f: F) -> Result<T, AuthnApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T, AuthnApiError> + Send + 'static,
    {
        self.0.write(f).await
    }

    /// [`Self::tx`] on the calling thread: for start-up only.
    pub fn tx_at_start<T>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, AuthnApiError>,
    ) -> Result<T, AuthnApiError> {
        self.0.blocking(|conn| moderno_sqlite::in_transaction(conn, f))
    }
}

/// Lowercase hex SHA-256, for secrets looked up by value (session ids, codes).
pub fn digest(secret: &str) -> String {
    moderno_crypto::sha256_hex(secret.as_bytes())
}
