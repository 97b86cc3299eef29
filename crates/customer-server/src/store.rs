//! The customer server's SQLite file: users with their password hashes and failure counters,
//! login sessions and session tokens (see [`crate::sessions`]).
//!
//! One connection behind a mutex, used only on the blocking pool ([`moderno_sqlite::Database`]).

use std::path::Path;

use anyhow::Context as _;
use moderno_sqlite::{Database, Schema};
use rusqlite::{params, Connection, OptionalExtension as _};

/// The file's schema: the tables as they stood when the versions were first numbered, then the
/// migrations since (none yet).
const SCHEMA: Schema = Schema { baseline: BASELINE, baseline_columns: &[], migrations: &[] };

const BASELINE: &str = "
CREATE TABLE IF NOT EXISTS users (
    username      TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    -- consecutive failed first-factor attempts (an attempt counts until it succeeds)
    failures      INTEGER NOT NULL DEFAULT 0,
    -- unix ms before which no attempt is checked (back-off)
    not_before_ms INTEGER
);
-- the same counters for names that are no account, so that the back-off does not tell which
-- names are accounts; rows under the lock count go a day after their last attempt
CREATE TABLE IF NOT EXISTS unknown_logins (
    username      TEXT PRIMARY KEY,
    failures      INTEGER NOT NULL,
    not_before_ms INTEGER,
    updated_ms    INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS login_sessions (
    id_hash           TEXT PRIMARY KEY,
    username          TEXT NOT NULL,
    payload           TEXT,
    fingerprint       TEXT,
    authentication_id TEXT,
    device_id         TEXT,
    push_started_ms   INTEGER,
    created_ms        INTEGER NOT NULL,
    expires_ms        INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS session_tokens (
    token_hash   TEXT PRIMARY KEY,
    username     TEXT NOT NULL,
    created_ms   INTEGER NOT NULL,
    last_used_ms INTEGER NOT NULL,
    expires_ms   INTEGER NOT NULL
);
";

/// How long the counters of a name that is no account are kept after its last attempt (unless
/// it reached the lock).
const UNKNOWN_LOGINS_KEPT_MS: i64 = 24 * 60 * 60 * 1000;

/// The shared connection.
#[derive(Clone)]
pub struct Store {
    db: Database,
}

/// What a first-factor attempt may do, decided and recorded in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptGate {
    /// No such user: check the password against the dummy hash (counted as a failure all the
    /// same, with the same back-off and lock, so the answers do not tell).
    UnknownUser,
    /// The account is locked after too many consecutive failures.
    Locked,
    /// Backing off: no attempt is checked before this time (unix ms).
    BackingOff { until_ms: i64 },
    /// Counted as a failure until [`Store::reset_failures`] says otherwise.
    Proceed { password_hash: String },
}

impl Store {
    pub async fn open(path: &Path) -> anyhow::Result<Self> {
        let path = path.to_owned();
        let db = tokio::task::spawn_blocking(move || Database::open(&path, &SCHEMA)).await??;
        Ok(Self { db })
    }

    /// Runs `work` on the blocking pool with the connection.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> anyhow::Result<T> {
        self.db.run(move |conn| work(conn).context("database")).await
    }

    /// Adds a user; false when the name is taken.
    pub async fn insert_user(&self, username: &str, password_hash: String) -> anyhow::Result<bool> {
        let username = username.to_owned();
        self.run(move |c| {
            c.execute(
                "INSERT OR IGNORE INTO users (username, password_hash) VALUES (?1, ?2)",
                params![username, password_hash],
            )
            .map(|n| n == 1)
        })
        .await
    }

    pub async fn user_exists(&self, username: &str) -> anyhow::Result<bool> {
        let username = username.to_owned();
        self.run(move |c| {
            c.query_row("SELECT 1 FROM users WHERE username = ?1", [username], |_| Ok(()))
                .optional()
                .map(|r| r.is_some())
        })
        .await
    }

    /// Decides whether an attempt may be checked and, if so, counts it as a failure up front
    /// (with the back-off that failure earns), so parallel attempts cannot slip past the limit.
    pub async fn begin_attempt(
        &self,
        username: &str,
        now_ms: i64,
        lock_at: u32,
        backoff_ms: fn(u32) -> i64,
    ) -> anyhow::Result<AttemptGate> {
        let username = username.to_owned();
        self.run(move |c| {
            let tx = c.transaction()?;
            let hash: Option<String> = tx
                .query_row("SELECT password_hash FROM users WHERE username = ?1", [&username], |r| r.get(0))
                .optional()?;
            let counters: Option<(u32, Option<i64>)> = if hash.is_some() {
                tx.query_row("SELECT failures, not_before_ms FROM users WHERE username = ?1", [&username], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()?
            } else {
                tx.query_row("SELECT failures, not_before_ms FROM unknown_logins WHERE username = ?1", [&username], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()?
            };
            let (failures, not_before_ms) = counters.unwrap_or((0, None));
            let gate = if failures >= lock_at {
                AttemptGate::Locked
            } else if let Some(until_ms) = not_before_ms.filter(|until| *until > now_ms) {
                AttemptGate::BackingOff { until_ms }
            } else {
                let failures = failures + 1;
                let delay = backoff_ms(failures);
                let not_before = (delay > 0).then_some(now_ms + delay);
                match hash {
                    Some(password_hash) => {
                        tx.execute(
                            "UPDATE users SET failures = ?2, not_before_ms = ?3 WHERE username = ?1",
                            params![username, failures, not_before],
                        )?;
                        AttemptGate::Proceed { password_hash }
                    }
                    None => {
                        tx.execute(
                            "DELETE FROM unknown_logins WHERE updated_ms < ?1 AND failures < ?2",
                            params![now_ms - UNKNOWN_LOGINS_KEPT_MS, lock_at],
                        )?;
                        tx.execute(
                            "INSERT INTO unknown_logins (username, failures, not_before_ms, updated_ms) VALUES (?1, ?2, ?3, ?4)
                             ON CONFLICT (username) DO UPDATE SET failures = excluded.failures,
                                 not_before_ms = excluded.not_before_ms, updated_ms = excluded.updated_ms",
                            params![username, failures, not_before, now_ms],
                        )?;
                        AttemptGate::UnknownUser
                    }
                }
            };
            tx.commit()?;
            Ok(gate)
        })
        .await
    }

    /// After a right password: the failure count and back-off start over.
    pub async fn reset_failures(&self, username: &str) -> anyhow::Result<()> {
        let username = username.to_owned();
        self.run(move |c| {
            c.execute("UPDATE users SET failures = 0, not_before_ms = NULL WHERE username = ?1", [username]).map(drop)
        })
        .await
    }

    /// The consecutive failure count.
    #[cfg(test)]
    pub async fn failures(&self, username: &str) -> anyhow::Result<Option<u32>> {
        let username = username.to_owned();
        self.run(move |c| {
            c.query_row("SELECT failures FROM users WHERE username = ?1", [username], |r| r.get(0)).optional()
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_backoff(_: u32) -> i64 {
        0
    }

    fn one_second_from_the_second(failures: u32) -> i64 {
        if failures >= 2 {
            1000
        } else {
            0
        }
    }

    async fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("c.sqlite3")).await.unwrap();
        (dir, store)
    }

    #[tokio::test]
    async fn a_user_is_added_once() {
        let (_dir, store) = store().await;
        assert!(store.insert_user("alice", "h1".into()).await.unwrap());
        assert!(!store.insert_user("alice", "h2".into()).await.unwrap(), "the name is taken");
        assert!(store.user_exists("alice").await.unwrap());
        assert!(!store.user_exists("bob").await.unwrap());
    }

    #[tokio::test]
    async fn every_attempt_counts_until_reset_and_the_lock_stops_checking() {
        let (_dir, store) = store().await;
        store.insert_user("alice", "h".into()).await.unwrap();
        for _ in 0..3 {
            let gate = store.begin_attempt("alice", 0, 3, no_backoff).await.unwrap();
            assert_eq!(gate, AttemptGate::Proceed { password_hash: "h".into() });
        }
        assert_eq!(store.begin_attempt("alice", 0, 3, no_backoff).await.unwrap(), AttemptGate::Locked);
        assert_eq!(store.failures("alice").await.unwrap(), Some(3), "a refused attempt is not counted");
        store.reset_failures("alice").await.unwrap();
        assert_eq!(store.failures("alice").await.unwrap(), Some(0));
    }

    #[tokio::test]
    async fn backing_off_refuses_attempts_until_the_not_before_time() {
        let (_dir, store) = store().await;
        store.insert_user("alice", "h".into()).await.unwrap();
        store.begin_attempt("alice", 0, 100, one_second_from_the_second).await.unwrap();
        store.begin_attempt("alice", 0, 100, one_second_from_the_second).await.unwrap();
        let refused = store.begin_attempt("alice", 999, 100, one_second_from_the_second).await.unwrap();
        assert_eq!(refused, AttemptGate::BackingOff { until_ms: 1000 });
        let allowed = store.begin_attempt("alice", 1000, 100, one_second_from_the_second).await.unwrap();
        assert!(matches!(allowed, AttemptGate::Proceed { .. }));
    }

    #[tokio::test]
    async fn unknown_users_are_reported_as_such_and_nothing_is_written() {
        let (_dir, store) = store().await;
        assert_eq!(store.begin_attempt("mallory", 0, 100, no_backoff).await.unwrap(), AttemptGate::UnknownUser);
        assert!(!store.user_exists("mallory").await.unwrap());
    }

    #[tokio::test]
    async fn a_file_written_before_the_versions_were_numbered_opens_with_its_users() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("customer.sqlite3");
        let old = moderno_sqlite::open_file(&path).unwrap();
        old.execute_batch(BASELINE).unwrap();
        old.execute("INSERT INTO users (username, password_hash, failures) VALUES ('alice', 'h', 2)", []).unwrap();
        drop(old);

        let store = Store::open(&path).await.unwrap();
        assert!(store.user_exists("alice").await.unwrap());
        let (failures, version) = store
            .run(|c| {
                Ok((
                    c.query_row("SELECT failures FROM users", [], |r| r.get::<_, i64>(0))?,
                    moderno_sqlite::version(c)?,
                ))
            })
            .await
            .unwrap();
        assert_eq!((failures, version), (2, SCHEMA.latest_version()), "rows kept, the file numbered");
    }
}
