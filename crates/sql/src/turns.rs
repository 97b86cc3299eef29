//! Turns: one holder at a time per name (a flow, an account), on every instance that shares the
//! database.
//!
//! On a database only this process uses (a SQLite file) a turn lives in memory: taking and
//! giving it back cost no write, and a waiter is woken by the release itself. On a shared one
//! (PostgreSQL) a turn is a *lease*, a row in the service's turn table, so that every instance
//! agrees on it: taken in one transaction when free or ended, renewed by its holder every third
//! of its life while held, deleted when given back (with a `NOTIFY` on the table's channel that
//! wakes the other instances' waiters) — and, when its holder died with its instance, ended by
//! its lease at most [`TurnTable::lease`] later. A waiter also looks again every [`RE_READ`], as
//! a notification may be lost. Leases are read on the wall clock, not a service's (virtual)
//! clock: how long a dead holder blocks a name is operations time.
//!
//! A turn table has one layout in every schema:
//! `(name TEXT PRIMARY KEY, holder TEXT NOT NULL, tag TEXT, until_ms BIGINT NOT NULL)`.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;

use crate::{params, Database, Error, Listening, OptionalExtension as _};

/// How often a waiter on a shared database looks again without being woken.
const RE_READ: Duration = Duration::from_secs(1);

/// A service's turn table and the channel its releases are announced on.
#[derive(Debug, Clone, Copy)]
pub struct TurnTable {
    pub table: &'static str,
    pub channel: &'static str,
    /// How long a turn holds on a shared database unless its holder renews it: how long a name
    /// waits for an instance that died holding its turn.
    pub lease: Duration,
}

/// The turns on one service's names. Cheap to clone.
#[derive(Clone)]
pub struct Turns(Arc<Inner>);

struct Inner {
    place: Place,
    /// Woken by every release: this instance's, and (through `_listening`) the others'.
    released: Arc<Notify>,
    re_read: Duration,
    _listening: Option<Listening>,
}

enum Place {
    /// Name -> (holder, tag).
    Memory(Mutex<HashMap<String, (String, Option<String>)>>),
    Leases {
        db: Database,
        table: &'static TurnTable,
        sql: Statements,
    },
}

/// The statements on one turn table, written once.
struct Statements {
    end_leases: String,
    take: String,
    current: String,
    holds: String,
    live: String,
    renew: String,
    give_back: String,
}

impl Statements {
    fn on(table: &str) -> Self {
        Self {
            // Every ended lease goes (the table holds live turns only: a few rows).
            end_leases: format!("DELETE FROM {table} WHERE until_ms <= ?1"),
            // In the writers' turn: nobody takes the name between this and the look before.
            take: format!(
                "INSERT INTO {table} (name, holder, tag, until_ms) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (name) DO NOTHING"
            ),
            current: format!("SELECT holder, tag FROM {table} WHERE name = ?1"),
            holds: format!("SELECT 1 FROM {table} WHERE name = ?1 AND holder = ?2 AND until_ms > ?3"),
            live: format!("SELECT 1 FROM {table} WHERE name = ?1 AND until_ms > ?2"),
            renew: format!("UPDATE {table} SET until_ms = ?3 WHERE name = ?1 AND holder = ?2"),
            give_back: format!("DELETE FROM {table} WHERE name = ?1 AND holder = ?2"),
        }
    }
}

/// What a request found on a name.
pub enum Arrival {
    /// The name's turn, until [`Held::release`] (or the drop of the [`Held`]).
    Taken(Held),
    /// Someone holds the turn: `holder`, doing what its `tag` says.
    Busy { holder: String, tag: Option<String> },
}

/// A turn held. Dropped without [`Held::release`] (a request given up), it is given back anyway.
pub struct Held {
    turns: Turns,
    name: String,
    holder: String,
    /// Renews the lease while the turn is held (leases only).
    renewing: Option<tokio::task::JoinHandle<()>>,
    given_back: bool,
}

impl Turns {
    /// The turns on `db`'s names: in memory when the database is this process's own, leases in
    /// `table` when it is shared. Listens for other instances' releases (needs a tokio runtime).
    pub fn new(db: &Database, table: &'static TurnTable) -> Self {
        if db.is_shared() {
            Self::leases(db, table)
        } else {
            Self::in_memory()
        }
    }

    /// Turns for what only instances sharing a database need to agree on (within one instance
    /// the service orders that work already): `None` on a database only this process uses.
    pub fn across_instances(db: &Database, table: &'static TurnTable) -> Option<Self> {
        db.is_shared().then(|| Self::leases(db, table))
    }

    fn in_memory() -> Self {
        Self(Arc::new(Inner {
            place: Place::Memory(Mutex::default()),
            released: Arc::default(),
            re_read: RE_READ,
            _listening: None,
        }))
    }

    /// Leases in `table` (on a SQLite file too: tests of two instances over one file).
    fn leases(db: &Database, table: &'static TurnTable) -> Self {
        let released = Arc::new(Notify::new());
        let wake = Arc::clone(&released);
        let listening = db.listen(std::slice::from_ref(&table.channel), move |_| wake.notify_waiters());
        Self(Arc::new(Inner {
            place: Place::Leases { db: db.clone(), table, sql: Statements::on(table.table) },
            released,
            re_read: RE_READ,
            _listening: listening,
        }))
    }

    /// Takes `name`'s turn for `holder` (a name unique among instances: [`holder_name`]) when it
    /// is free, else says who holds it.
    pub async fn try_take(&self, name: &str, holder: &str, tag: Option<&str>) -> Result<Arrival, Error> {
        match &self.0.place {
            Place::Memory(turns) => {
                let mut turns = turns.lock().unwrap_or_else(PoisonError::into_inner);
                if let Some((holder, tag)) = turns.get(name) {
                    return Ok(Arrival::Busy { holder: holder.clone(), tag: tag.clone() });
                }
                turns.insert(name.to_owned(), (holder.to_owned(), tag.map(str::to_owned)));
                Ok(Arrival::Taken(self.held(name, holder, None)))
            }
            Place::Leases { .. } => {
                // In a task of its own, so that a caller given up meanwhile cannot leave a lease
                // nobody holds: the task still ends with a `Held`, which gives the turn back
                // when it is dropped.
                let (turns, name, holder, tag) =
                    (self.clone(), name.to_owned(), holder.to_owned(), tag.map(str::to_owned));
                tokio::spawn(async move { turns.take_lease(name, holder, tag).await })
                    .await
                    .map_err(|error| Error::Unavailable(format!("taking a turn: {error}")))?
            }
        }
    }

    async fn take_lease(&self, name: String, holder: String, tag: Option<String>) -> Result<Arrival, Error> {
        let Place::Leases { db, table, sql } = &self.0.place else {
            return Err(Error::Unavailable("a lease on turns kept in memory".into()));
        };
        let (now, lease_ms) = (wall_clock_ms(), millis(table.lease));
        let (end_leases, take, current) = (sql.end_leases.clone(), sql.take.clone(), sql.current.clone());
        let (n, h) = (name.clone(), holder.clone());
        let busy = db
            .write(move |conn| {
                conn.execute(&end_leases, params![now])?;
                if conn.execute(&take, params![n, h, tag, now + lease_ms])? == 1 {
                    return Ok(None);
                }
                conn.query_row(&current, params![n], |r| Ok((r.get(0)?, r.get(1)?))).optional()
            })
            .await?;
        if let Some((holder, tag)) = busy {
            return Ok(Arrival::Busy { holder, tag });
        }
        let renewing = tokio::spawn(renew(self.clone(), name.clone(), holder.clone()));
        Ok(Arrival::Taken(self.held(&name, &holder, Some(renewing))))
    }

    fn held(&self, name: &str, holder: &str, renewing: Option<tokio::task::JoinHandle<()>>) -> Held {
        Held { turns: self.clone(), name: name.to_owned(), holder: holder.to_owned(), renewing, given_back: false }
    }

    /// Waits for `name`'s turn and takes it.
    pub async fn take(&self, name: &str, holder: &str) -> Result<Held, Error> {
        let mut first = true;
        loop {
            let released = self.next_release();
            // After the first try, a waiter only reads until the name looks free: a release
            // wakes every waiter, and the writers' turn is for the one that then takes it.
            if first || self.looks_free(name).await? {
                if let Arrival::Taken(held) = self.try_take(name, holder, None).await? {
                    return Ok(held);
                }
            }
            first = false;
            released.await;
        }
    }

    /// True when nobody holds `name`'s turn (or its lease ended), by a read only.
    pub async fn looks_free(&self, name: &str) -> Result<bool, Error> {
        match &self.0.place {
            Place::Memory(turns) => Ok(!turns.lock().unwrap_or_else(PoisonError::into_inner).contains_key(name)),
            Place::Leases { db, sql, .. } => {
                let (live, n, now) = (sql.live.clone(), name.to_owned(), wall_clock_ms());
                db.read(move |conn| Ok(conn.query_row(&live, params![n, now], |_| Ok(())).optional()?.is_none())).await
            }
        }
    }

    /// True while `holder` still holds `name`'s turn.
    pub async fn holds(&self, name: &str, holder: &str) -> Result<bool, Error> {
        match &self.0.place {
            Place::Memory(turns) => {
                Ok(turns.lock().unwrap_or_else(PoisonError::into_inner).get(name).is_some_and(|(h, _)| h == holder))
            }
            Place::Leases { db, sql, .. } => {
                let (holds, n, h, now) = (sql.holds.clone(), name.to_owned(), holder.to_owned(), wall_clock_ms());
                db.read(move |conn| Ok(conn.query_row(&holds, params![n, h, now], |_| Ok(())).optional()?.is_some()))
                    .await
            }
        }
    }

    /// Resolves at the next release of any turn, on any instance — or, on a shared database,
    /// after [`RE_READ`] at the latest (a notification may be lost). Registered when called: a
    /// release between this call and the await still wakes it, so call it before looking.
    pub fn next_release(&self) -> impl Future<Output = ()> + Send + 'static {
        let inner = Arc::clone(&self.0);
        let mut notified: Pin<Box<tokio::sync::futures::OwnedNotified>> =
            Box::pin(Arc::clone(&inner.released).notified_owned());
        notified.as_mut().enable();
        let bound = match inner.place {
            Place::Memory(_) => None,
            Place::Leases { .. } => Some(inner.re_read),
        };
        async move {
            match bound {
                Some(bound) => {
                    let _ = tokio::time::timeout(bound, notified).await;
                }
                None => notified.await,
            }
        }
    }

    /// Gives `holder`'s turn on `name` back and wakes the waiters, on every instance.
    async fn give_back(&self, name: String, holder: String) {
        match &self.0.place {
            Place::Memory(turns) => forget(turns, &name, &holder),
            Place::Leases { db, table, sql } => {
                let (give_back, channel) = (sql.give_back.clone(), table.channel);
                let outcome = db
                    .write(move |conn| {
                        conn.execute(&give_back, params![name, holder])?;
                        conn.notify(channel, &name)
                    })
                    .await;
                if let Err(error) = outcome {
                    // The lease ends the turn in any case.
                    tracing::warn!(%error, table = table.table, "giving back a turn failed");
                }
            }
        }
        self.0.released.notify_waiters();
    }
}

fn forget(turns: &Mutex<HashMap<String, (String, Option<String>)>>, name: &str, holder: &str) {
    let mut turns = turns.lock().unwrap_or_else(PoisonError::into_inner);
    if turns.get(name).is_some_and(|(h, _)| h == holder) {
        turns.remove(name);
    }
}

impl Held {
    /// Gives the turn back, on every instance, before the caller answers: the next request
    /// finds the name free.
    pub async fn release(mut self) {
        self.given_back = true;
        if let Some(renewing) = self.renewing.take() {
            renewing.abort();
        }
        let (turns, name, holder) =
            (self.turns.clone(), std::mem::take(&mut self.name), std::mem::take(&mut self.holder));
        if let Place::Memory(_) = &turns.0.place {
            return turns.give_back(name, holder).await;
        }
        // In a task of its own: a caller given up while the lease is deleted still deletes it.
        let _ = tokio::spawn(async move { turns.give_back(name, holder).await }).await;
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Some(renewing) = self.renewing.take() {
            renewing.abort();
        }
        if self.given_back {
            return;
        }
        let (turns, name, holder) =
            (self.turns.clone(), std::mem::take(&mut self.name), std::mem::take(&mut self.holder));
        if let Place::Memory(map) = &turns.0.place {
            forget(map, &name, &holder);
            turns.0.released.notify_waiters();
        } else if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move { turns.give_back(name, holder).await });
        }
    }
}

/// Moves a held lease on every third of its life, for as long as its holder holds it.
async fn renew(turns: Turns, name: String, holder: String) {
    let Place::Leases { db, table, sql } = &turns.0.place else { return };
    let lease_ms = millis(table.lease);
    let every = Duration::from_millis(u64::try_from(lease_ms / 3).unwrap_or(1).max(1));
    loop {
        tokio::time::sleep(every).await;
        let (renew, n, h) = (sql.renew.clone(), name.clone(), holder.clone());
        let renewed = db.write(move |conn| conn.execute(&renew, params![n, h, wall_clock_ms() + lease_ms])).await;
        if let Err(error) = renewed {
            tracing::warn!(%error, table = table.table, "renewing a turn failed");
        }
    }
}

/// A name for one turn's holder, unique among instances (not a secret: it only tells holders
/// apart).
pub fn holder_name() -> String {
    static HOLDERS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let n = HOLDERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{}-{nanos}-{n}", std::process::id())
}

/// Milliseconds on the wall clock, the same for every instance (NTP), for leases.
fn wall_clock_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::{Location, Schemas};

    const TABLE_SQL: &str =
        "CREATE TABLE turns (name TEXT PRIMARY KEY, holder TEXT NOT NULL, tag TEXT, until_ms BIGINT NOT NULL);";
    const SCHEMAS: Schemas = Schemas {
        sqlite: moderno_sqlite::Schema { baseline: TABLE_SQL, baseline_columns: &[], migrations: &[] },
        postgres: moderno_postgres::Schema { name: "turns_test", migrations: &[TABLE_SQL] },
    };
    static TABLE: TurnTable =
        TurnTable { table: "turns", channel: "turns_test_released", lease: Duration::from_secs(10) };
    static SHORT_LEASE: TurnTable = TurnTable { lease: Duration::from_secs(3), ..TABLE };

    /// Where two instances' turns are kept: this process's memory (one instance: both handles
    /// are the same turns), leases on one SQLite file, or leases on PostgreSQL when the tests
    /// run there.
    #[derive(Debug, Clone, Copy)]
    enum Kind {
        Memory,
        Leases,
    }

    struct Pair {
        _dir: tempfile::TempDir,
        location: Location,
        a: Turns,
        b: Turns,
    }

    fn pair(kind: Kind, table: &'static TurnTable) -> Pair {
        let dir = tempfile::tempdir().expect("temp dir");
        let location = crate::testing::location(dir.path().join("turns.sqlite3"));
        let open = || Database::open(&location, &SCHEMAS).expect("open");
        let (a, b) = match kind {
            Kind::Memory => {
                let one = Turns::in_memory();
                (one.clone(), one)
            }
            Kind::Leases => (Turns::leases(&open(), table), Turns::leases(&open(), table)),
        };
        Pair { _dir: dir, location, a, b }
    }

    const KINDS: [Kind; 2] = [Kind::Memory, Kind::Leases];

    fn taken(arrival: Arrival) -> Held {
        match arrival {
            Arrival::Taken(held) => held,
            Arrival::Busy { holder, .. } => panic!("expected the turn, {holder} holds it"),
        }
    }

    #[tokio::test]
    async fn one_holder_at_a_time_per_name_and_the_busy_name_says_who_holds_it_doing_what() {
        for kind in KINDS {
            let p = pair(kind, &TABLE);
            let held = taken(p.a.try_take("f1", "h1", Some("poll")).await.expect("take"));
            match p.b.try_take("f1", "h2", Some("checkOtp")).await.expect("take") {
                Arrival::Busy { holder, tag } => {
                    assert_eq!((holder.as_str(), tag.as_deref()), ("h1", Some("poll")), "{kind:?}");
                }
                Arrival::Taken(_) => panic!("{kind:?}: a held name's turn was taken twice"),
            }
            assert!(p.b.holds("f1", "h1").await.expect("holds"), "{kind:?}");
            let other = taken(p.b.try_take("f2", "h3", None).await.expect("take"));
            held.release().await;
            assert!(!p.b.holds("f1", "h1").await.expect("holds"), "{kind:?}: released");
            let next = taken(p.b.try_take("f1", "h2", None).await.expect("take"));
            drop((next, other));
        }
    }

    #[tokio::test]
    async fn a_waiter_takes_the_turn_once_it_is_given_back_or_dropped() {
        for kind in KINDS {
            for dropped in [false, true] {
                let p = pair(kind, &TABLE);
                let held = taken(p.a.try_take("f1", "h1", None).await.expect("take"));
                let b = p.b.clone();
                let waiter = tokio::spawn(async move { b.take("f1", "h2").await.expect("take").holder.clone() });
                tokio::time::sleep(Duration::from_millis(300)).await;
                assert!(!waiter.is_finished(), "{kind:?}: waits while the turn is held");
                if dropped {
                    drop(held); // a request given up
                } else {
                    held.release().await;
                }
                let holder = tokio::time::timeout(Duration::from_secs(10), waiter).await.expect("woken").expect("task");
                assert_eq!(holder, "h2", "{kind:?}");
            }
        }
    }

    #[tokio::test]
    async fn a_release_on_one_instance_wakes_a_waiter_on_another_well_within_the_re_read() {
        if !crate::testing::on_postgres() {
            return; // two SQLite files' instances hear nothing from each other: only the re-read wakes
        }
        let p = pair(Kind::Leases, &TABLE);
        let mut a = Turns::leases(&Database::open(&p.location, &SCHEMAS).expect("open"), &TABLE);
        Arc::get_mut(&mut a.0).expect("not shared yet").re_read = Duration::from_secs(60);
        if let Some(listening) = &a.0._listening {
            tokio::time::timeout(Duration::from_secs(20), listening.listening()).await.expect("A listens");
        }
        for round in 0..3 {
            let name = format!("f{round}");
            let held = taken(p.b.try_take(&name, "b", None).await.expect("take"));
            let waiter = {
                let (a, name) = (a.clone(), name.clone());
                tokio::spawn(async move {
                    a.take(&name, "a").await.expect("take");
                    std::time::Instant::now()
                })
            };
            tokio::time::sleep(Duration::from_millis(400)).await;
            assert!(!waiter.is_finished(), "round {round}: waits while the turn is held elsewhere");
            let released_at = std::time::Instant::now();
            held.release().await;
            let woken_at = tokio::time::timeout(Duration::from_secs(30), waiter).await.expect("woken").expect("task");
            let waited = woken_at.duration_since(released_at);
            assert!(waited < Duration::from_secs(10), "round {round}: woken {waited:?} after the release");
        }
    }

    #[tokio::test]
    async fn a_lease_whose_holder_died_ends_and_leaves_the_table_at_the_next_take() {
        let p = pair(Kind::Leases, &TABLE);
        let db = Database::open(&p.location, &SCHEMAS).expect("open");
        // An instance killed while holding turns left them: one still leased, one past its lease.
        let (live, ended) = (wall_clock_ms() + 10_000, wall_clock_ms() - 1);
        db.write(move |conn| {
            conn.execute(
                "INSERT INTO turns (name, holder, tag, until_ms) VALUES ('held', 'gone', NULL, ?1), ('dead', 'gone', NULL, ?2)",
                params![live, ended],
            )
        })
        .await
        .expect("insert");
        let names =
            || db.read(|conn| conn.query_map("SELECT name FROM turns ORDER BY name", (), |r| r.get::<_, String>(0)));
        assert!(!p.a.holds("dead", "gone").await.expect("holds"), "an ended lease holds nothing");
        assert_eq!(names().await.expect("names"), ["dead", "held"], "a look changes nothing");
        assert!(
            matches!(p.a.try_take("held", "a", None).await.expect("take"), Arrival::Busy { .. }),
            "a live lease holds"
        );
        assert_eq!(names().await.expect("names"), ["held"], "the ended lease went with the next take");
        let other = taken(p.a.try_take("other", "a", None).await.expect("take"));
        let taken_over = taken(p.b.try_take("dead", "b", None).await.expect("take"));
        drop((other, taken_over));
    }

    #[tokio::test]
    async fn a_holder_that_holds_longer_than_the_lease_keeps_its_turn_by_renewing_it() {
        let p = pair(Kind::Leases, &SHORT_LEASE);
        let held = taken(p.a.try_take("f1", "a", None).await.expect("take"));
        // Three leases long (renewed every second: a renewal may be late by two), the holder
        // still holds the turn.
        tokio::time::sleep(SHORT_LEASE.lease * 3).await;
        assert!(p.b.holds("f1", "a").await.expect("holds"), "renewed");
        assert!(matches!(p.b.try_take("f1", "b", None).await.expect("take"), Arrival::Busy { .. }));
        held.release().await;
        drop(taken(p.b.try_take("f1", "b", None).await.expect("take")));
    }

    #[tokio::test]
    async fn in_memory_turns_write_nothing_and_are_chosen_only_for_a_database_of_this_process() {
        let dir = tempfile::tempdir().expect("temp dir");
        let location = crate::testing::location(dir.path().join("turns.sqlite3"));
        let db = Database::open(&location, &SCHEMAS).expect("open");
        let turns = Turns::new(&db, &TABLE);
        assert_eq!(matches!(turns.0.place, Place::Leases { .. }), db.is_shared());
        assert_eq!(Turns::across_instances(&db, &TABLE).is_some(), db.is_shared());
        let held = taken(turns.try_take("f1", "a", Some("poll")).await.expect("take"));
        let rows: i64 =
            db.read(|conn| conn.query_row("SELECT COUNT(*) FROM turns", (), |r| r.get(0))).await.expect("count");
        assert_eq!(rows, i64::from(db.is_shared()), "a lease is a row only where instances share the database");
        held.release().await;
    }
}
