//! [`Database`]: a service's state on SQLite or PostgreSQL, every use off the async runtime (a
//! SQLite file's own thread, tokio's blocking pool for PostgreSQL), with one transaction rule on
//! both.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use moderno_crypto::Secret;
use rusqlite::TransactionBehavior;

use crate::conn::Conn;
use crate::error::Error;
use crate::sqlite_thread::SqliteThread;
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

/// How long a write waits for its turns (this instance's, then the schema's writer lock) before
/// it is [`Error::Unavailable`]: as long as it waited for a pooled connection before writers
/// queued in memory. (Only a writer lock held that long by another session, a stuck instance
/// say, makes a write wait so long.)
const WRITER_PATIENCE: Duration = Duration::from_secs(10);

/// When a write stops waiting for its turns, and how long it was given (for the message).
#[derive(Debug, Clone, Copy)]
struct Deadline {
    at: Instant,
    patience: Duration,
}

impl Deadline {
    fn after(patience: Duration) -> Self {
        Self { at: Instant::now() + patience, patience }
    }

    /// What is left of the patience, in whole milliseconds and at least one: PostgreSQL's
    /// `lock_timeout` of 0 would mean no bound at all.
    fn millis_left(&self) -> u64 {
        // (`lock_timeout` is an integer setting: at most i32::MAX ms.)
        millis(self.at.saturating_duration_since(Instant::now())).clamp(1, i32::MAX as u64)
    }

    /// A write that found no turn in time: [`Error::Unavailable`] saying where it waited.
    fn missed(&self, waiting_on: &str) -> Error {
        Error::Unavailable(format!("no turn to write within {:.1} s: {waiting_on}", self.patience.as_secs_f64()))
    }
}

/// A service's database. Cheap to clone.
#[derive(Clone)]
pub struct Database(Arc<Inner>);

enum Inner {
    /// One connection behind a mutex, its async calls queued for its own thread (a commit waits
    /// for an fsync): [`SqliteThread`].
    Sqlite { conn: Mutex<rusqlite::Connection>, thread: SqliteThread },
    /// Writers of one service take turns on the schema's writer lock, as SQLite's writers do;
    /// this instance's writers first take turns in memory (`writer_turn`), so that at most one
    /// of its pooled connections waits on that lock and reads and health checks always find one.
    /// (`Option` only so that `Drop` can hand the pool to a thread of its own.)
    Postgres {
        pool: Option<moderno_postgres::Pool>,
        writer_lock: i64,
        writer_turn: Arc<tokio::sync::Semaphore>,
        /// [`WRITER_PATIENCE`] unless a test set another ([`Database::set_writer_patience`]).
        patience_ms: AtomicU64,
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
            Inner::Sqlite { .. } => f.write_str("Database(SQLite)"),
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
                let name = path.file_name().map_or_else(|| "database".into(), |n| n.to_string_lossy());
                let thread = SqliteThread::start(&name).context("starting the database's thread")?;
                Ok(Self(Arc::new(Inner::Sqlite { conn: Mutex::new(conn), thread })))
            }
            Location::Postgres(url) => {
                let schema = schemas.postgres;
                let pool = off_runtime(|| moderno_postgres::Pool::connect(url.expose(), schema, POOL_SIZE))
                    .with_context(|| format!("opening the PostgreSQL schema {}", schema.name))?;
                Ok(Self(Arc::new(Inner::Postgres {
                    pool: Some(pool),
                    writer_lock: schema.writer_lock_key(),
                    writer_turn: Arc::new(tokio::sync::Semaphore::new(1)),
                    patience_ms: AtomicU64::new(millis(WRITER_PATIENCE)),
                    url: Secret::from(url),
                })))
            }
        }
    }

    /// True on PostgreSQL: other instances may share this state.
    pub fn is_shared(&self) -> bool {
        matches!(&*self.0, Inner::Postgres { .. })
    }

    /// How long a write on PostgreSQL waits for its turns before it is [`Error::Unavailable`]
    /// (10 s unless set; every clone of this database shares it). For tests, which cannot wait
    /// that long for each case; a service keeps the default. Nothing on SQLite, whose one
    /// connection has no other session's lock to wait on.
    pub fn set_writer_patience(&self, patience: Duration) {
        if let Inner::Postgres { patience_ms, .. } = &*self.0 {
            patience_ms.store(millis(patience), Ordering::Relaxed);
        }
    }

    /// The writers' deadline, starting now.
    fn write_deadline(&self) -> Deadline {
        let patience = match &*self.0 {
            Inner::Postgres { patience_ms, .. } => Duration::from_millis(patience_ms.load(Ordering::Relaxed)),
            Inner::Sqlite { .. } => WRITER_PATIENCE,
        };
        Deadline::after(patience)
    }

    /// [`write`](Self::write)'s transaction on the calling thread (on PostgreSQL, on a thread of
    /// its own): for start-up and tests. It does not queue behind this instance's async writers
    /// (waiting on that turn from a blocked thread could hold up the very task whose turn came,
    /// on a single-threaded runtime): it waits on the schema's writer lock directly, which keeps
    /// writers taking turns; each such call may hold one more pooled connection while it waits,
    /// and gives up as [`write`](Self::write) does.
    pub fn blocking<T, E>(&self, f: impl FnOnce(&Conn<'_>) -> Result<T, E> + Send) -> Result<T, E>
    where
        T: Send,
        E: DbError,
    {
        let deadline = self.write_deadline();
        match &*self.0 {
            Inner::Sqlite { .. } => self.transaction(deadline, f),
            Inner::Postgres { .. } => off_runtime(|| self.transaction(deadline, f)),
        }
    }

    /// `f` off the runtime, for reads: each statement on its own, on both databases.
    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: DbError,
        F: FnOnce(&Conn<'_>) -> Result<T, E> + Send + 'static,
    {
        let db = self.clone();
        self.call(move || match &*db.0 {
            Inner::Sqlite { conn, .. } => f(&Conn::sqlite(&conn.lock().unwrap_or_else(PoisonError::into_inner))),
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

    /// `f` in one transaction off the runtime, committed only when it returns `Ok` or a
    /// refusal that [commits](DbError::commits): each check-and-act is atomic, and any other error
    /// leaves nothing behind. Writers take turns (SQLite's `BEGIN IMMEDIATE`; on PostgreSQL the
    /// schema's writer lock, held to the commit, so every instance's check-and-act sees the last
    /// one's commit). On PostgreSQL an instance's writers queue in memory first, one at a time
    /// taking a connection to wait on that lock: a write's wait never takes the connections its
    /// reads and health check need. A write that finds no turn within 10 s in all (this
    /// instance's and then the lock, whose wait is bounded by `lock_timeout`: another session
    /// holding it that long, a hung instance say, holds up no writer for longer) is
    /// [`Error::Unavailable`], having written nothing.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: DbError,
        F: FnOnce(&Conn<'_>) -> Result<T, E> + Send + 'static,
    {
        let deadline = self.write_deadline();
        let turn = match &*self.0 {
            Inner::Sqlite { .. } => None,
            Inner::Postgres { writer_turn, .. } => {
                match tokio::time::timeout(deadline.patience, Arc::clone(writer_turn).acquire_owned()).await {
                    Ok(Ok(turn)) => Some(turn),
                    Ok(Err(_)) => return Err(Error::Unavailable("the database is closed".into()).into()),
                    Err(_) => {
                        return Err(deadline
                            .missed("this instance's earlier writes still wait for the schema's writer lock")
                            .into())
                    }
                }
            }
        };
        let db = self.clone();
        self.call(move || {
            // Held to the commit (or the rollback): the next writer's turn comes after it, even
            // when the caller stopped waiting for this one.
            let _turn = turn;
            db.transaction(deadline, f)
        })
        .await
    }

    /// Ready for traffic: the database answers and holds this release's schema (what a load
    /// balancer's health check asks).
    pub async fn ready(&self) -> Result<(), Error> {
        let db = self.clone();
        self.call(move || match &*db.0 {
            Inner::Sqlite { conn, .. } => {
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

    /// `f` where this database's calls run: the SQLite file's own thread, after the calls queued
    /// before it; on PostgreSQL the blocking pool (each call on a pooled connection of its own).
    async fn call<T, E>(&self, f: impl FnOnce() -> Result<T, E> + Send + 'static) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<Error> + Send + 'static,
    {
        match &*self.0 {
            Inner::Sqlite { thread, .. } => thread.run(f).await,
            Inner::Postgres { .. } => on_blocking_pool(f).await,
        }
    }

    /// The write rule on the calling thread (a blocking one); on PostgreSQL the wait for the
    /// schema's writer lock ends at `deadline`.
    fn transaction<T, E: DbError>(
        &self,
        deadline: Deadline,
        f: impl FnOnce(&Conn<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        match &*self.0 {
            Inner::Sqlite { conn, .. } => {
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
                take_writer_lock(&mut tx, *writer_lock, deadline)?;
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

/// Waits for the schema's writer lock (held to the end of `tx`) until `deadline` at most:
/// `lock_timeout` bounds this one wait and is put back before the write's own statements run.
/// One round trip, as the lock alone was; both numbers are ours, so the text is safe to build.
/// A lock still held elsewhere at the deadline (PostgreSQL's `lock_not_available`, 55P03) is
/// [`Error::Unavailable`]; the transaction is then rolled back as it is dropped.
fn take_writer_lock(tx: &mut postgres::Transaction<'_>, writer_lock: i64, deadline: Deadline) -> Result<(), Error> {
    let millis = deadline.millis_left();
    tx.batch_execute(&format!(
        "SET LOCAL lock_timeout = {millis}; SELECT pg_advisory_xact_lock({writer_lock}); \
         SET LOCAL lock_timeout = DEFAULT"
    ))
    .map_err(|error| match error.code() {
        Some(code) if *code == postgres::error::SqlState::LOCK_NOT_AVAILABLE => {
            deadline.missed("another session holds the schema's writer lock (another instance's write, stuck?)")
        }
        _ => Error::from(error),
    })
}

/// `d` in whole milliseconds (saturating).
fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The pool (there until the database is dropped).
fn pool_of(pool: &Option<moderno_postgres::Pool>) -> Result<&moderno_postgres::Pool, Error> {
    pool.as_ref().ok_or_else(|| Error::Unavailable("the database is closed".into()))
}

/// `f` on tokio's blocking pool; a task that panicked is [`Error::Panicked`], one cut off (the
/// runtime shutting down) [`Error::Unavailable`].
async fn on_blocking_pool<T, E>(f: impl FnOnce() -> Result<T, E> + Send + 'static) -> Result<T, E>
where
    T: Send + 'static,
    E: From<Error> + Send + 'static,
{
    tokio::task::spawn_blocking(f).await.unwrap_or_else(|e| {
        let error = if e.is_panic() {
            Error::Panicked("the database task panicked".into())
        } else {
            Error::Unavailable(format!("the database task did not finish: {e}"))
        };
        Err(error.into())
    })
}

/// `f` on a thread of its own: the blocking PostgreSQL client may not run inside an async task.
fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| match scope.spawn(f).join() {
        Ok(value) => value,
        Err(panic) => std::panic::resume_unwind(panic),
    })
}
