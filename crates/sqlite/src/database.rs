//! [`Database`]: a service's one connection, used only on tokio's blocking pool, with one rule for
//! transactions.

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use rusqlite::{Connection, Transaction, TransactionBehavior};

use crate::Schema;

/// What a service's error type must say for [`Database`] to report in it.
pub trait DbError: From<rusqlite::Error> + Send + 'static {
    /// The database task did not finish (it panicked, or the runtime is shutting down).
    fn task_failed(error: tokio::task::JoinError) -> Self;

    /// A refusal that keeps what its transaction wrote (the record of a failed guess, say).
    fn commits(&self) -> bool {
        false
    }
}

impl DbError for anyhow::Error {
    fn task_failed(error: tokio::task::JoinError) -> Self {
        anyhow::Error::new(error).context("the database task failed")
    }
}

/// A service's SQLite file: one connection behind a mutex, every use on the blocking pool (a
/// commit waits for an fsync, which must not hold up an async worker).
#[derive(Clone)]
pub struct Database(Arc<Mutex<Connection>>);

impl Database {
    /// Opens (creating it when missing) the file at `path` and brings it to `schema`'s latest
    /// version. Blocking: call it at start-up or on the blocking pool.
    pub fn open(path: &Path, schema: &Schema) -> anyhow::Result<Self> {
        Ok(Self(Arc::new(Mutex::new(crate::open(path, schema)?))))
    }

    /// Runs `f` on the connection on the calling thread: for start-up and for tests.
    pub fn blocking<T, E>(&self, f: impl FnOnce(&mut Connection) -> Result<T, E>) -> Result<T, E> {
        let mut conn = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut conn)
    }

    /// Runs `f` on the connection on the blocking pool (reads, or work that manages its own
    /// transactions).
    pub async fn run<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: DbError,
        F: FnOnce(&mut Connection) -> Result<T, E> + Send + 'static,
    {
        let conn = Arc::clone(&self.0);
        tokio::task::spawn_blocking(move || {
            let mut conn = conn.lock().unwrap_or_else(PoisonError::into_inner);
            f(&mut conn)
        })
        .await
        .map_err(E::task_failed)?
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction on the blocking pool, committed only when it
    /// returns `Ok` or a refusal that [commits](DbError::commits): each check-and-act is atomic,
    /// and any other error leaves nothing behind.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: DbError,
        F: FnOnce(&Transaction<'_>) -> Result<T, E> + Send + 'static,
    {
        self.run(move |conn| in_transaction(conn, f)).await
    }
}

/// [`Database::write`]'s rule on the calling thread.
pub fn in_transaction<T, E: DbError>(
    conn: &mut Connection,
    f: impl FnOnce(&Transaction<'_>) -> Result<T, E>,
) -> Result<T, E> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    match f(&tx) {
        Ok(value) => {
            tx.commit()?;
            Ok(value)
        }
        Err(refusal) if refusal.commits() => {
            tx.commit()?;
            Err(refusal)
        }
        Err(e) => Err(e),
    }
}
