//! The customer server's state: users with their password hashes and failure counters, login
//! sessions and session tokens (see [`crate::sessions`]), pairing-key checks and transfers.
//!
//! A SQLite file (the embedded default) or the PostgreSQL schema `customer` that several
//! instances share ([`moderno_sql::Database`]): every check-and-act is one transaction, so a
//! session's step, a token or a counter is the same on every instance.

use anyhow::Context as _;
use moderno_sql::{params, Conn, Database, Location, OptionalExtension as _};

mod schema;
mod turns;

use schema::{make_later_tables, SCHEMAS};
#[cfg(test)]
use schema::{BASELINE, SQLITE};

/// How long the counters of a name that is no account are kept after its last attempt (unless
/// it reached the lock).
const UNKNOWN_LOGINS_KEPT_MS: i64 = 24 * 60 * 60 * 1000;

/// The customer server's database. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    db: Database,
    /// Sign-in turns across instances (a shared database only: [`Store::sign_in_turn`]).
    turns: Option<moderno_sql::turns::Turns>,
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
    /// Opens the state at `location`, brought to the latest schema (blocking work, off the
    /// runtime's threads).
    pub async fn open(location: &Location) -> anyhow::Result<Self> {
        let location = location.clone();
        let db = tokio::task::spawn_blocking(move || -> anyhow::Result<Database> {
            let db = Database::open(&location, &SCHEMAS)?;
            if !db.is_shared() {
                db.blocking(make_later_tables).context("making the transfers and pairing-key tables")?;
            }
            Ok(db)
        })
        .await??;
        let turns = moderno_sql::turns::Turns::across_instances(&db, &turns::TABLE);
        Ok(Self { db, turns })
    }

    /// Runs `work` in one transaction on the blocking pool: committed when it returns `Ok`,
    /// nothing kept otherwise. Writers take turns, on every instance sharing the database.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Conn<'_>) -> moderno_sql::Result<T> + Send + 'static,
    ) -> anyhow::Result<T> {
        self.db.write(work).await.context("database")
    }

    /// Runs `work` on the blocking pool for reading only.
    pub async fn read<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Conn<'_>) -> moderno_sql::Result<T> + Send + 'static,
    ) -> anyhow::Result<T> {
        self.db.read(work).await.context("database")
    }

    /// The database itself (health, wake-ups, whether other instances share it).
    pub fn database(&self) -> &Database {
        &self.db
    }

    /// Adds a user; false when the name is taken.
    pub async fn insert_user(&self, username: &str, password_hash: String) -> anyhow::Result<bool> {
        let username = username.to_owned();
        self.run(move |c| {
            c.execute(
                "INSERT INTO users (username, password_hash) VALUES (?1, ?2) ON CONFLICT (username) DO NOTHING",
                params![username, password_hash],
            )
            .map(|n| n == 1)
        })
        .await
    }

    pub async fn user_exists(&self, username: &str) -> anyhow::Result<bool> {
        let username = username.to_owned();
        self.read(move |c| {
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
        self.run(move |tx| {
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
        self.read(move |c| {
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
        let store = Store::open(&moderno_sql::testing::location(dir.path().join("c.sqlite3"))).await.unwrap();
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
        // About the SQLite file an older release wrote: nothing to prove on PostgreSQL.
        if moderno_sql::testing::on_postgres() {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("customer.sqlite3");
        let old = moderno_sqlite::open_file(&path).unwrap();
        old.execute_batch(BASELINE).unwrap();
        old.execute("INSERT INTO users (username, password_hash, failures) VALUES ('alice', 'h', 2)", []).unwrap();
        drop(old);

        let store = Store::open(&Location::File(path.clone())).await.unwrap();
        assert!(store.user_exists("alice").await.unwrap());
        assert_eq!(store.failures("alice").await.unwrap(), Some(2), "rows kept");
        drop(store);
        let file = moderno_sqlite::open_file(&path).unwrap();
        assert_eq!(moderno_sqlite::version(&file).unwrap(), SQLITE.latest_version(), "the file numbered");
    }

    #[tokio::test]
    async fn a_transfers_table_made_before_sessions_were_recorded_gains_the_later_columns() {
        // About a SQLite file's table: PostgreSQL's baseline has every column.
        if moderno_sql::testing::on_postgres() {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("customer.sqlite3");
        let old = moderno_sqlite::open_file(&path).unwrap();
        old.execute_batch(
            "CREATE TABLE transfers (authentication_id TEXT PRIMARY KEY, username TEXT NOT NULL, amount_cents INTEGER NOT NULL,
             recipient TEXT NOT NULL, status TEXT NOT NULL, created_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL)",
        )
        .unwrap();
        drop(old);
        for _ in 0..2 {
            let store = Store::open(&Location::File(path.clone())).await.unwrap();
            let columns = store
                .read(|c| {
                    c.query_map("SELECT name FROM pragma_table_info('transfers') ORDER BY cid", (), |r| {
                        r.get::<_, String>(0)
                    })
                })
                .await
                .unwrap();
            assert_eq!(columns.len(), 9, "{columns:?}");
            assert_eq!(columns[7..], ["session_hash".to_owned(), "seq".to_owned()], "added once");
        }
    }
}
