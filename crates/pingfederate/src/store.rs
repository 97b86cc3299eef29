//! PingFederate's state: flows (each a JSON record with a version for check-and-set), the turn
//! an action holds on its flow (`flow_turns`, on a shared database), authorization codes (hashed, single use),
//! password failure counts with their back-off (`first_factor`) and each user's last sign-on.
//!
//! A SQLite file (the embedded default: WAL, `synchronous=FULL`) or the PostgreSQL schema
//! `pingfederate` that several instances share ([`moderno_sql::Database`]): every check-and-act
//! is one transaction, so a flow's step, a code or a count is the same on every instance.

use moderno_ambient::Entropy;
use moderno_sql::{Conn, Database, DbError, Location, Schemas};
use moderno_sqlite::AddedColumn;
use zeroize::Zeroizing;

use crate::error::AuthnApiError;

/// The file's schema: the tables as they stood when the versions were first numbered, then the
/// migrations since.
const SQLITE: moderno_sqlite::Schema = moderno_sqlite::Schema {
    baseline: BASELINE,
    baseline_columns: ADDED,
    migrations: &[FLOW_TURNS, FLOWS_BY_SESSION, FLOW_TURNS_IN_MEMORY],
};

/// The same tables in PostgreSQL's schema `pingfederate` (integers and booleans `BIGINT`, the
/// secrets seed `BYTEA`), migrated in the same steps.
const POSTGRES: moderno_postgres::Schema = moderno_postgres::Schema {
    name: "pingfederate",
    migrations: &[POSTGRES_BASELINE, FLOW_TURNS_POSTGRES, FLOWS_BY_SESSION, FLOW_TURNS_AS_LEASES],
};

pub(crate) const SCHEMAS: Schemas = Schemas { sqlite: SQLITE, postgres: POSTGRES };

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

/// Migration 2: the request that holds a flow's turn, until it releases it or its lease ends
/// (`flow_turns`); `action` is the digest of the action it performs (NULL: it repeats one).
const FLOW_TURNS: &str = "
CREATE TABLE flow_turns (
    flow_id TEXT PRIMARY KEY, holder TEXT NOT NULL, action TEXT, lease_until_ms INTEGER NOT NULL);
";

/// Migration 3 (both databases): a session's flows found without reading every flow (a new
/// session's check and the session issued afresh at each sign-in), as flows are kept a day.
const FLOWS_BY_SESSION: &str = "CREATE INDEX flows_by_session ON flows (session_hash);";

/// Migration 4 (SQLite): a flow's turn is kept in memory, as the file is this process's own
/// ([`moderno_sql::turns`]): no write to take or give it back.
const FLOW_TURNS_IN_MEMORY: &str = "DROP TABLE flow_turns;";

/// Migration 4 (PostgreSQL): the turns in [`moderno_sql::turns`]' layout (a turn lives seconds:
/// none is carried over).
const FLOW_TURNS_AS_LEASES: &str = "
DROP TABLE flow_turns;
CREATE TABLE flow_turns (name TEXT PRIMARY KEY, holder TEXT NOT NULL, tag TEXT, until_ms BIGINT NOT NULL);
";

const POSTGRES_BASELINE: &str = "
CREATE TABLE flows (
    id TEXT PRIMARY KEY, session_hash TEXT NOT NULL, version BIGINT NOT NULL,
    record TEXT NOT NULL, expires_at BIGINT NOT NULL);
CREATE TABLE codes (
    code_hash TEXT PRIMARY KEY, grant_json TEXT NOT NULL, expires_at BIGINT NOT NULL, used BIGINT NOT NULL DEFAULT 0);
CREATE TABLE password_failures (
    username TEXT PRIMARY KEY, count BIGINT NOT NULL, not_before_ms BIGINT,
    account BIGINT NOT NULL DEFAULT 1, updated_ms BIGINT NOT NULL DEFAULT 0);
CREATE TABLE sign_ons (username TEXT PRIMARY KEY, at TEXT NOT NULL);
CREATE TABLE meta (key TEXT PRIMARY KEY, value BYTEA NOT NULL);
";

const FLOW_TURNS_POSTGRES: &str = "
CREATE TABLE flow_turns (
    flow_id TEXT PRIMARY KEY, holder TEXT NOT NULL, action TEXT, lease_until_ms BIGINT NOT NULL);
";

/// The database, used only on the blocking pool ([`Database`]).
#[derive(Clone)]
pub struct Db(Database);

impl DbError for AuthnApiError {}

impl Db {
    pub fn open(location: &Location) -> anyhow::Result<Self> {
        Ok(Self(Database::open(location, &SCHEMAS)?))
    }

    /// The 32-byte secret kept under `key`, drawn from `entropy` the first time (by whichever
    /// instance comes first). For start-up.
    pub fn kept_seed(&self, key: &str, entropy: &Entropy) -> anyhow::Result<Zeroizing<[u8; 32]>> {
        self.0.blocking(|conn| moderno_sql::kept_seed(conn, key, None, || entropy.bytes::<32>()))
    }

    /// Runs `f` in one transaction on the blocking pool, committed only when `f` succeeds.
    pub async fn tx<T, F>(&self, f: F) -> Result<T, AuthnApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Conn<'_>) -> Result<T, AuthnApiError> + Send + 'static,
    {
        self.0.write(f).await
    }

    /// Runs `f` on the blocking pool for reading only.
    pub async fn read<T, F>(&self, f: F) -> Result<T, AuthnApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Conn<'_>) -> Result<T, AuthnApiError> + Send + 'static,
    {
        self.0.read(f).await
    }

    /// [`Self::tx`] on the calling thread: for start-up only.
    pub fn tx_at_start<T: Send>(
        &self,
        f: impl FnOnce(&Conn<'_>) -> Result<T, AuthnApiError> + Send,
    ) -> Result<T, AuthnApiError> {
        self.0.blocking(f)
    }

    /// The database itself: its readiness, other instances' wake-ups.
    pub fn database(&self) -> &Database {
        &self.0
    }
}

/// Lowercase hex SHA-256, for secrets looked up by value (session ids, codes).
pub fn digest(secret: &str) -> String {
    moderno_crypto::sha256_hex(secret.as_bytes())
}
