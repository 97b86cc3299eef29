//! The server's state on SQLite (the embedded default: one file, WAL, `synchronous=FULL`) or
//! PostgreSQL (schema `pingid_sdk`, shared by every instance of a QA server): a thin wrapper over
//! [`moderno_sql::Database`] that reports in [`ApiError`].
//!
//! [`Db::write`] runs a closure in one transaction, writers taking turns on both databases, and
//! commits only when it returns `Ok`, so each check-and-act is atomic across instances and an
//! error leaves nothing behind. The one exception is a refusal marked `ApiError::committing` (the
//! record of a failed pairing-key guess).

use moderno_sql::{Conn, Database, DbError, Listening, Location, Schemas, Wake};
use moderno_sqlite::{AddedColumn, Schema};

use crate::error::{ApiError, ApiResult};

/// The file's schema: `schema.sql` as it stood when the versions were first numbered, then the
/// migrations since (none yet).
const SQLITE: Schema =
    Schema { baseline: include_str!("schema.sql"), baseline_columns: BASELINE_COLUMNS, migrations: &[] };

/// Columns `schema.sql` gained after files were written without them (before the numbering).
const BASELINE_COLUMNS: &[AddedColumn] = &[
    AddedColumn { table: "application_settings", column: "number_matching", declaration: "INTEGER NOT NULL DEFAULT 1" },
    AddedColumn { table: "devices", column: "last_used", declaration: "INTEGER" },
    AddedColumn { table: "authentications", column: "match_number", declaration: "INTEGER" },
    AddedColumn { table: "authentications", column: "number_choices", declaration: "TEXT" },
    AddedColumn {
        table: "application_settings",
        column: "otp_max_failures",
        declaration: "INTEGER NOT NULL DEFAULT 3",
    },
    AddedColumn {
        table: "application_settings",
        column: "otp_lock_minutes",
        declaration: "INTEGER NOT NULL DEFAULT 15",
    },
    AddedColumn { table: "authentications", column: "requesting_key", declaration: "TEXT" },
    AddedColumn { table: "authentications", column: "approval", declaration: "TEXT" },
    AddedColumn { table: "authentications", column: "pairing_token_id", declaration: "TEXT" },
    AddedColumn { table: "authentications", column: "ignored_until", declaration: "INTEGER" },
    AddedColumn { table: "authentications", column: "user_agent", declaration: "TEXT" },
];

/// The same tables in PostgreSQL's schema `pingid_sdk`: migration 1 is `schema.sql` as it
/// stands (integers and booleans as `bigint`, the seed as `bytea`); a change is a new migration.
const POSTGRES: moderno_postgres::Schema =
    moderno_postgres::Schema { name: "pingid_sdk", migrations: &[include_str!("schema_postgres_1.sql")] };

/// Both schemas: what [`Database::open`] brings a database to.
pub const SCHEMAS: Schemas = Schemas { sqlite: SQLITE, postgres: POSTGRES };

#[derive(Clone)]
pub struct Db(Database);

impl DbError for ApiError {
    fn commits(&self) -> bool {
        self.commit
    }
}

impl Db {
    /// Opens the state at `location` (creating and migrating it as needed). Blocking.
    pub fn open(location: &Location) -> anyhow::Result<Self> {
        Ok(Self(Database::open(location, &SCHEMAS)?))
    }

    /// True on PostgreSQL: other instances share this state.
    pub fn is_shared(&self) -> bool {
        self.0.is_shared()
    }

    /// One transaction on the calling thread. For start-up only.
    pub fn blocking<T: Send>(&self, f: impl FnOnce(&Conn<'_>) -> anyhow::Result<T> + Send) -> anyhow::Result<T> {
        self.0.blocking(f)
    }

    /// Reads on the blocking pool.
    pub async fn read<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Conn<'_>) -> ApiResult<T> + Send + 'static,
    {
        self.0.read(f).await
    }

    /// One transaction on the blocking pool, committed only when `f` returns `Ok` (or a refusal
    /// marked as committing).
    pub async fn write<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Conn<'_>) -> ApiResult<T> + Send + 'static,
    {
        self.0.write(f).await
    }

    /// The database answers and holds this release's schema (`GET /health`).
    pub async fn ready(&self) -> Result<(), String> {
        self.0.ready().await.map_err(|e| e.to_string())
    }

    /// Other instances' wake-ups on `channels` (PostgreSQL only): see [`Database::listen`].
    pub fn listen(
        &self,
        channels: &'static [&'static str],
        wake: impl Fn(Wake) + Send + Sync + 'static,
    ) -> Option<Listening> {
        self.0.listen(channels, wake)
    }
}
