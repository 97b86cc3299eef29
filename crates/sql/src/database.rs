//! [`Database`]: a service's state on SQLite or PostgreSQL, every use on tokio's blocking pool,
//! with one transaction rule on both.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::Context as _;
use moderno_crypto::Secret;
use rusqlite::TransactionBehavior;

use crate::conn::Conn;
use crate::error::Error;
use crate::Wake;

/// Where a service keeps its state.
#[derive(Debug)]
pub enum Location {
    /// A SQLite file (the embedded default): one process owns it.
    File(PathBuf),
    /// A PostgreSQL database (`postgres://…`) several instances may share; the service's tables
    /// are in a schema of their own. The URL may carry a password: never logged.
    Postgres(Secret<String>),
}

impl Location {
    /// The PostgreSQL database at `database_url` when one is configured, else the SQLite file.
    pub fn choose(database_url: Option<&Secret<String>>, file: PathBuf) -> Self {
        match database_url {
            Some(url) => Location::Postgres(Secret::from(url)),
            None => Location::File(file),
        }
    }
}

impl Clone for Location {
    fn clone(&self) -> Self {
        match self {
            Location::File(path) => Location::File(path.clone()),
            Location::Postgres(url) => Location::Postgres(Secret::from(url)),
        }
    }
}

/// A service's schema on each database: the SQLite file's migrations and the PostgreSQL schema's.
#[derive(Debug, Clone, Copy)]
pub struct Schemas {
    pub sqlite: moderno_sqlite::Schema,
    pub postgres: moderno_postgres::Schema,
}

/// What a service's error type must say for [`Database`] to report in it.
pub trait DbError: From<Error> + Send + 'static {
    /// A refusal that keeps what its transaction wrote (the record of a failed guess, say).
    fn commits(&self) -> bool {
        false
    }
}

impl DbError for anyhow::Error {}

impl DbError for Error {}

/// How many connections one instance keeps to a PostgreSQL schema.
const POOL_SIZE: u32 = 8;

/// How long a write waits for this instance's turn before it is [`Error::Unavailable`]: as long
/// as it waited for a pooled connection before writers queued in memory. (Only a writer lock held
/// that long by another session, a stuck instance say, makes a queue wait so long.)
const WRITER_PATIENCE: std::time::Duration = std::time::Duration::from_secs(10);

/// A service's database. Cheap to clone.
#[derive(Clone)]
pub struct Database(Arc<Inner>);

enum Inner {
    /// One connection behind a mutex: a commit waits for an fsync, so it runs on the blocking pool.
    Sqlite(Mutex<rusqlite::Connection>),
    /// Writers of one service take turns on the schema's writer lock, as SQLite's writers do;
    /// this instance's writers first take turns in memory (`writer_turn`), so that at most one
    /// of its pooled connections waits on that lock and reads and health checks always find one.
    /// (`Option` only so that `Drop` can hand the pool to a thread of its own.)
    Postgres {
        pool: Option<moderno_postgres::Pool>,
        writer_lock: i64,
        writer_turn: Arc<tokio::sync::Semaphore>,
        url: Secret<String>,
    },
}

impl Drop for Inner {
    /// The blocking client closes its connections by blocking, which an async task may not do:
    /// the pool is dropped on a thread of its own.
    fn drop(&mut self) {
        if let Inner::Postgres { pool, .. } = self {
            if let Some(pool) = pool.take() {
                let _ = std::thread::Builder::new().name("moderno-sql-close".into()).spawn(move || drop(pool));
            }
        }
    }
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &*self.0 {
            Inner::Sqlite(_) => f.write_str("Database(SQLite)"),
            Inner::Postgres { pool, .. } => f.debug_tuple("Database").field(pool).finish(),
        }
    }
}

impl Database {
    /// Opens the state at `location`, brought to the latest version of `schemas`: the SQLite file
    /// (created when missing), or the PostgreSQL schema (migrated under an advisory lock, so
    /// instances starting at once migrate once). Blocking; safe to call from an async task.
    pub fn open(location: &Location, schemas: &Schemas) -> anyhow::Result<Self> {
        match location {
            Location::File(path) => {
                let conn = moderno_sqlite::open(path, &schemas.sqlite)?;
                Ok(Self(Arc::new(Inner::Sqlite(Mutex::new(conn)))))
            }
            Location::Postgres(url) => {
                let schema = schemas.postgres;
                let pool = off_runtime(|| moderno_postgres::Pool::connect(url.expose(), schema, POOL_SIZE))
                    .with_context(|| format!("opening the PostgreSQL schema {}", schema.name))?;
                Ok(Self(Arc::new(Inner::Postgres {
                    pool: Some(pool),
                    writer_lock: schema.writer_lock_key(),
                    writer_turn: Arc::new(tokio::sync::Semaphore::new(1)),
                    url: Secret::from(url),
                })))
            }
        }
    }

    /// True on PostgreSQL: other instances may share this state.
    pub fn is_shared(&self) -> bool {
        matches!(&*self.0, Inner::Postgres { .. })
    }

    /// [`write`](Self::write)'s transaction on the calling thread (on PostgreSQL, on a thread of
    /// its own): for start-up and tests. It does not queue behind this instance's async writers
    /// (waiting on that turn from a blocked thread could hold up the very task whose turn came,
    /// on a single-threaded runtime): it waits on the schema's writer lock directly, which keeps
    /// writers taking turns; each such call may hold one more pooled connection while it waits.
    pub fn blocking<T, E>(&self, f: impl FnOnce(&Conn<'_>) -> Result<T, E> + Send) -> Result<T, E>
    where
        T: Send,
        E: DbError,
    {
        match &*self.0 {
            Inner::Sqlite(_) => self.transaction(f),
            Inner::Postgres { .. } => off_runtime(|| self.transaction(f)),
        }
    }

    /// `f` on the blocking pool, for reads: each statement on its own, on both databases.
    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: DbError,
        F: FnOnce(&Conn<'_>) -> Result<T, E> + Send + 'static,
    {
        let db = self.clone();
        on_blocking_pool(move || match &*db.0 {
            Inner::Sqlite(conn) => f(&Conn::sqlite(&conn.lock().unwrap_or_else(PoisonError::into_inner))),
            Inner::Postgres { pool, .. } => {
                let mut session = pool_of(pool)?.client().map_err(Error::from)?;
                let moderno_postgres::Session { client, statements } = &mut *session;
                let conn = Conn::postgres_statements(client, statements);
                let outcome = f(&conn);
                drop(conn);
                outcome
            }
        })
        .await
    }

    /// `f` in one transaction on the blocking pool, committed only when it returns `Ok` or a
    /// refusal that [commits](DbError::commits): each check-and-act is atomic, and any other error
    /// leaves nothing behind. Writers take turns (SQLite's `BEGIN IMMEDIATE`; on PostgreSQL the
    /// schema's writer lock, held to the commit, so every instance's check-and-act sees the last
    /// one's commit). On PostgreSQL an instance's writers queue in memory first, one at a time
    /// taking a connection to wait on that lock: a write's wait never takes the connections its
    /// reads and health check need. A write that finds no turn within 10 s is
    /// [`Error::Unavailable`], having written nothing.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: DbError,
        F: FnOnce(&Conn<'_>) -> Result<T, E> + Send + 'static,
    {
        let turn = match &*self.0 {
            Inner::Sqlite(_) => None,
            Inner::Postgres { writer_turn, .. } => {
                match tokio::time::timeout(WRITER_PATIENCE, Arc::clone(writer_turn).acquire_owned()).await {
                    Ok(Ok(turn)) => Some(turn),
                    Ok(Err(_)) => return Err(Error::Unavailable("the database is closed".into()).into()),
                    Err(_) => {
                        return Err(Error::Unavailable(format!(
                            "no turn to write within {} s: this instance's earlier writes still wait for the \
                             schema's writer lock",
                            WRITER_PATIENCE.as_secs()
                        ))
                        .into())
                    }
                }
            }
        };
        let db = self.clone();
        on_blocking_pool(move || {
            // Held to the commit (or the rollback): the next writer's turn comes after it, even
            // when the caller stopped waiting for this one.
            let _turn = turn;
            db.transaction(f)
        })
        .await
    }

    /// Ready for traffic: the database answers and holds this release's schema (what a load
    /// balancer's health check asks).
    pub async fn ready(&self) -> Result<(), Error> {
        let db = self.clone();
        on_blocking_pool(move || match &*db.0 {
            Inner::Sqlite(conn) => {
                conn.lock().unwrap_or_else(PoisonError::into_inner).query_row("SELECT 1", [], |_| Ok(()))?;
                Ok(())
            }
            Inner::Postgres { pool, .. } => Ok(pool_of(pool)?.ready()?),
        })
        .await
    }

    /// On PostgreSQL, calls `wake` with every notification on `channels` (sent by any instance's
    /// [`Conn::notify`] as its transaction commits) and with [`Wake::Reconnected`] when the
    /// listening connection was lost and is back (anything may have happened meanwhile: look
    /// again). `None` on SQLite, where the service wakes its own waiters. Listening stops when
    /// the returned guard is dropped. Needs a tokio runtime.
    pub fn listen(
        &self,
        channels: &'static [&'static str],
        wake: impl Fn(Wake) + Send + Sync + 'static,
    ) -> Option<Listening> {
        let Inner::Postgres { url, pool, .. } = &*self.0 else { return None };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::warn!("no tokio runtime: other instances' wake-ups are not heard (waiters still look again)");
            return None;
        };
        let url = Secret::from(url);
        let schema = pool.as_ref().map_or("?", |p| p.schema().name);
        let (in_place, listening) = tokio::sync::watch::channel(false);
        let task = runtime.spawn(async move {
            let listener = loop {
                match moderno_postgres::Listener::start(url.expose(), channels).await {
                    Ok(listener) => break listener,
                    Err(error) => {
                        tracing::warn!(schema, %error, "cannot listen for other instances' wake-ups yet; retrying");
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    }
                }
            };
            let mut wakes = listener.subscribe();
            // Subscribed first: every notification from now on reaches `wake`.
            in_place.send_replace(true);
            loop {
                match wakes.recv().await {
                    Ok(one) => wake(one),
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => wake(Wake::Reconnected),
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                }
            }
        });
        Some(Listening { task, listening })
    }

    /// The write rule on the calling thread (a blocking one).
    fn transaction<T, E: DbError>(&self, f: impl FnOnce(&Conn<'_>) -> Result<T, E>) -> Result<T, E> {
        match &*self.0 {
            Inner::Sqlite(conn) => {
                let mut conn = conn.lock().unwrap_or_else(PoisonError::into_inner);
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(Error::from)?;
                let outcome = f(&Conn::sqlite(&tx));
                if outcome.as_ref().is_ok() || outcome.as_ref().err().is_some_and(DbError::commits) {
                    tx.commit().map_err(Error::from)?;
                }
                outcome
            }
            Inner::Postgres { pool, writer_lock, .. } => {
                let mut session = pool_of(pool)?.client().map_err(Error::from)?;
                let moderno_postgres::Session { client, statements } = &mut *session;
                // READ COMMITTED whatever the database's default: each statement after the lock
                // then sees the commit of the writer it waited for (under REPEATABLE READ the
                // snapshot would be taken before the wait).
                let mut tx = client
                    .build_transaction()
                    .isolation_level(postgres::IsolationLevel::ReadCommitted)
                    .start()
                    .map_err(Error::from)?;
                tx.execute("SELECT pg_advisory_xact_lock($1)", &[writer_lock]).map_err(Error::from)?;
                let conn = Conn::postgres_transaction(tx, statements);
                let outcome = f(&conn);
                if let Some((tx, aborted)) = conn.into_transaction() {
                    let keep = outcome.as_ref().is_ok() || outcome.as_ref().err().is_some_and(DbError::commits);
                    if keep && aborted {
                        // A COMMIT would answer ROLLBACK without an error: say it instead (on
                        // SQLite the same closure keeps its other statements' work).
                        let _ = tx.rollback();
                        return Err(E::from(Error::Aborted("the closure went on after a refused statement".into())));
                    }
                    if keep {
                        tx.commit().map_err(Error::from)?;
                    } else if let Err(error) = tx.rollback() {
                        // The refusal stands (nothing was committed either way: the connection
                        // closes the transaction when it is dropped or recycled).
                        tracing::warn!(%error, "rolling back a refused write failed");
                    }
                }
                outcome
            }
        }
    }
}

/// A running [`Database::listen`]; dropping it stops listening.
#[derive(Debug)]
pub struct Listening {
    task: tokio::task::JoinHandle<()>,
    listening: tokio::sync::watch::Receiver<bool>,
}

impl Listening {
    /// Resolves once the first `LISTEN` is in place: from then on every notification is heard
    /// (for tests and start-up checks; a service is correct without it, as its waiters also
    /// look again on their own).
    pub async fn listening(&self) {
        let mut listening = self.listening.clone();
        let _ = listening.wait_for(|in_place| *in_place).await;
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The pool (there until the database is dropped).
fn pool_of(pool: &Option<moderno_postgres::Pool>) -> Result<&moderno_postgres::Pool, Error> {
    pool.as_ref().ok_or_else(|| Error::Unavailable("the database is closed".into()))
}

/// `f` on tokio's blocking pool; a task that did not finish is [`Error::Unavailable`].
async fn on_blocking_pool<T, E>(f: impl FnOnce() -> Result<T, E> + Send + 'static) -> Result<T, E>
where
    T: Send + 'static,
    E: From<Error> + Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| Err(Error::Unavailable(format!("the database task did not finish: {e}")).into()))
}

/// `f` on a thread of its own: the blocking PostgreSQL client may not run inside an async task.
fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| match scope.spawn(f).join() {
        Ok(value) => value,
        Err(panic) => std::panic::resume_unwind(panic),
    })
}
