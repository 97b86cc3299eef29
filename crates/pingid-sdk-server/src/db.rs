//! The SQLite file: WAL, `synchronous=FULL` (a redeemed secret stays redeemed after a power cut),
//! one connection behind a mutex, used only from the blocking pool.
//!
//! [`Db::write`] runs a closure in one `BEGIN IMMEDIATE` transaction and commits only when it
//! returns `Ok`, so each check-and-act is atomic and an error leaves nothing behind. The one
//! exception is a refusal marked `ApiError::committing` (the record of a failed pairing-key guess).

use std::path::Path;

use moderno_sqlite::{AddedColumn, Database, DbError, Schema};
use rusqlite::{Connection, Transaction};

use crate::error::{ApiError, ApiResult};

/// The file's schema: `schema.sql` as it stood when the versions were first numbered, then the
/// migrations since (none yet).
const SCHEMA: Schema =
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

#[derive(Clone)]
pub struct Db(Database);

impl DbError for ApiError {
    fn task_failed(error: tokio::task::JoinError) -> Self {
        ApiError::internal(error)
    }

    fn commits(&self) -> bool {
        self.commit
    }
}

impl Db {
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        Ok(Self(Database::open(path, &SCHEMA)?))
    }

    /// Runs `f` on the connection, synchronously. For start-up only.
    pub fn blocking<T>(&self, f: impl FnOnce(&mut Connection) -> anyhow::Result<T>) -> anyhow::Result<T> {
        self.0.blocking(f)
    }

    /// Reads on the blocking pool.
    pub async fn read<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> ApiResult<T> + Send + 'static,
    {
        self.0.run(move |conn| f(conn)).await
    }

    /// One `BEGIN IMMEDIATE` transaction on the blocking pool, committed only when `f` returns `Ok`
    /// (or a refusal marked as committing).
    pub async fn write<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> ApiResult<T> + Send + 'static,
    {
        self.0.write(f).await
    }
}
