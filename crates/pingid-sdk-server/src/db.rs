//! The SQLite file: WAL, `synchronous=FULL` (a redeemed secret stays redeemed after a power cut),
//! one connection behind a mutex, used only from the blocking pool.
//!
//! [`Db::write`] runs a closure in one `BEGIN IMMEDIATE` transaction and commits only when it
//! returns `Ok`, so each check-and-act is atomic and an error leaves nothing behind. The one
//! exception is a refusal marked `ApiError::committing` (the record of a failed pairing-key guess).

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use moderno_sqlite::AddedColumn;
use rusqlite::{Connection, Transaction, TransactionBehavior};

use crate::error::{ApiError, ApiResult};

const SCHEMA: &str = include_str!("schema.sql");

/// Columns added to `schema.sql` after files were written without them.
const ADDED_COLUMNS: &[AddedColumn] = &[
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
pub struct Db(Arc<Mutex<Connection>>);

impl Db {
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        let conn = moderno_sqlite::open_with_columns(path, SCHEMA, ADDED_COLUMNS)?;
        Ok(Self(Arc::new(Mutex::new(conn))))
    }

    /// Runs `f` on the connection, synchronously. For start-up only.
    pub fn blocking<T>(&self, f: impl FnOnce(&mut Connection) -> anyhow::Result<T>) -> anyhow::Result<T> {
        let mut conn = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut conn)
    }

    /// Reads on the blocking pool.
    pub async fn read<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> ApiResult<T> + Send + 'static,
    {
        let conn = self.0.clone();
        tokio::task::spawn_blocking(move || {
            let conn = conn.lock().unwrap_or_else(PoisonError::into_inner);
            f(&conn)
        })
        .await
        .map_err(ApiError::internal)?
    }

    /// One `BEGIN IMMEDIATE` transaction on the blocking pool, committed only when `f` returns `Ok`
    /// (or a refusal marked as committing).
    pub async fn write<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> ApiResult<T> + Send + 'static,
    {
        let conn = self.0.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = conn.lock().unwrap_or_else(PoisonError::into_inner);
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            match f(&tx) {
                Ok(value) => {
                    tx.commit()?;
                    Ok(value)
                }
                Err(refusal) if refusal.commit => {
                    tx.commit()?;
                    Err(refusal)
                }
                Err(e) => Err(e),
            }
        })
        .await
        .map_err(ApiError::internal)?
    }
}
