//! The admin API's test controls: the virtual clock's advance, the fault switches and the PingID
//! SDK application's number matching as the admin API last read or set it.
//!
//! [`Controls::local`] keeps them in this process, as the stack always did. [`Controls::shared`]
//! keeps them in the `stack` schema: a change is one transaction that bumps `version` and sends
//! a `NOTIFY` on [`CONTROLS_CHANNEL`]; every instance then reads them again and makes its own
//! [`Clock`] follow the advance and its [`Faults`] the switches (the services read those two
//! handles, never the database). A notification lost (the listening connection dropped) costs at
//! most the re-read interval ([`REREAD`] unless [`crate::StackConfig::controls_reread`] says
//! otherwise): each instance also reads them on its own at that interval.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use moderno_ambient::{Clock, Fault, Faults};
use moderno_sql::{Conn, Database, Listening};
use tokio::sync::{watch, Notify};

use super::CONTROLS_CHANNEL;

/// How often an instance reads the shared controls without being told to, by default.
pub const REREAD: Duration = Duration::from_secs(1);

/// The controls one admin API changes. Cheap to clone.
#[derive(Clone)]
pub struct Controls(Arc<Inner>);

struct Inner {
    clock: Clock,
    faults: Faults,
    kept: Kept,
}

enum Kept {
    /// This process only (the embedded app, a one-machine QA server).
    Memory {
        /// What the admin API moved the clock by, so `reset` can move it back.
        advanced_ms: AtomicI64,
        /// `None`: not read yet.
        number_matching: Mutex<Option<bool>>,
    },
    /// The database every instance shares; `applied` is the last version this instance follows.
    Database { db: Database, applied: Mutex<Snapshot>, listening: Option<Listening> },
}

/// The controls as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Snapshot {
    version: i64,
    advanced_ms: i64,
    faults: Vec<Fault>,
    number_matching: Option<bool>,
}

impl Controls {
    /// Controls held in memory, over the stack's clock and switches.
    pub fn local(clock: Clock, faults: Faults) -> Self {
        Self(Arc::new(Inner {
            clock,
            faults,
            kept: Kept::Memory { advanced_ms: AtomicI64::new(0), number_matching: Mutex::new(None) },
        }))
    }

    /// Controls kept in `db` (the `stack` schema): read now and followed (the clock and switches
    /// given are set to what the database holds), then on every other instance's change (told by
    /// `NOTIFY`) and every `reread` all the same, until `stopped`. Needs a tokio runtime.
    pub async fn shared(
        db: Database,
        clock: Clock,
        faults: Faults,
        reread: Duration,
        mut stopped: watch::Receiver<bool>,
    ) -> moderno_sql::Result<Self> {
        let wake = Arc::new(Notify::new());
        // Listening first: a change made between the first read and the LISTEN is still seen.
        let listening = db.listen(&[CONTROLS_CHANNEL], {
            let wake = Arc::clone(&wake);
            move |_| wake.notify_one()
        });
        let unread = Snapshot { version: -1, advanced_ms: 0, faults: Vec::new(), number_matching: None };
        let controls = Self(Arc::new(Inner {
            clock,
            faults,
            kept: Kept::Database { db, applied: Mutex::new(unread), listening },
        }));
        controls.refresh().await?;
        let weak: Weak<Inner> = Arc::downgrade(&controls.0);
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    () = wake.notified() => {}
                    () = tokio::time::sleep(reread) => {}
                    _ = stopped.wait_for(|stop| *stop) => break,
                }
                let Some(inner) = weak.upgrade() else { break };
                if let Err(error) = Controls(inner).refresh().await {
                    tracing::warn!(%error, "the shared test controls could not be read");
                }
            }
        });
        Ok(controls)
    }

    pub fn clock(&self) -> &Clock {
        &self.0.clock
    }

    pub fn faults(&self) -> &Faults {
        &self.0.faults
    }

    /// Resolves once this instance hears other instances' changes (its `LISTEN` is in place); at
    /// once in memory or on SQLite, where only the re-read follows them. For tests: an instance
    /// is correct without it.
    pub async fn hearing_other_instances(&self) {
        if let Kept::Database { listening: Some(listening), .. } = &self.0.kept {
            listening.listening().await;
        }
    }

    /// True when kept in the database other instances share.
    pub fn is_shared(&self) -> bool {
        matches!(self.0.kept, Kept::Database { .. })
    }

    /// What the admin API moved the clock by (on every instance, when shared).
    pub fn advanced_ms(&self) -> i64 {
        match &self.0.kept {
            Kept::Memory { advanced_ms, .. } => advanced_ms.load(Ordering::Relaxed),
            Kept::Database { applied, .. } => lock(applied).advanced_ms,
        }
    }

    /// The PingID SDK application's number matching as last read or set here; `None`: not read.
    pub fn number_matching(&self) -> Option<bool> {
        match &self.0.kept {
            Kept::Memory { number_matching, .. } => *lock(number_matching),
            Kept::Database { applied, .. } => lock(applied).number_matching,
        }
    }

    /// Moves the clock forward by `ms` (every instance's, when shared).
    pub async fn advance(&self, ms: i64) -> moderno_sql::Result<()> {
        match &self.0.kept {
            Kept::Memory { advanced_ms, .. } => {
                self.0.clock.advance(chrono::Duration::milliseconds(ms));
                advanced_ms.fetch_add(ms, Ordering::Relaxed);
                Ok(())
            }
            Kept::Database { .. } => {
                self.change(move |conn| {
                    conn.execute("UPDATE controls SET advanced_ms = advanced_ms + ?1 WHERE only_row = 1", (ms,))
                })
                .await
            }
        }
    }

    /// One switch on or off.
    pub async fn switch(&self, fault: Fault, on: bool) -> moderno_sql::Result<()> {
        match &self.0.kept {
            Kept::Memory { .. } => {
                self.0.faults.set(fault, on);
                Ok(())
            }
            Kept::Database { .. } => {
                self.change(move |conn| {
                    let sql = if on {
                        "INSERT INTO faults_on (fault) VALUES (?1) ON CONFLICT (fault) DO NOTHING"
                    } else {
                        "DELETE FROM faults_on WHERE fault = ?1"
                    };
                    conn.execute(sql, (fault.name(),))
                })
                .await
            }
        }
    }

    /// Every switch off and the clock back by what the admin API moved it.
    pub async fn reset(&self) -> moderno_sql::Result<()> {
        match &self.0.kept {
            Kept::Memory { advanced_ms, .. } => {
                self.0.faults.clear();
                let back = advanced_ms.swap(0, Ordering::Relaxed);
                self.0.clock.advance(chrono::Duration::milliseconds(-back));
                Ok(())
            }
            Kept::Database { .. } => {
                self.change(|conn| {
                    conn.execute("DELETE FROM faults_on", ())?;
                    conn.execute("UPDATE controls SET advanced_ms = 0 WHERE only_row = 1", ())
                })
                .await
            }
        }
    }

    /// Keeps what the PingID SDK application's number matching was just read or set to.
    pub async fn remember_number_matching(&self, on: bool) -> moderno_sql::Result<()> {
        match &self.0.kept {
            Kept::Memory { number_matching, .. } => {
                *lock(number_matching) = Some(on);
                Ok(())
            }
            Kept::Database { .. } => {
                self.change(move |conn| {
                    conn.execute("UPDATE controls SET number_matching = ?1 WHERE only_row = 1", (on,))
                })
                .await
            }
        }
    }

    /// The database answers (the admin API's health); always so in memory.
    pub async fn ready(&self) -> Result<(), String> {
        match &self.0.kept {
            Kept::Memory { .. } => Ok(()),
            Kept::Database { db, .. } => db.ready().await.map_err(|e| e.to_string()),
        }
    }

    /// `edit` and a new version in one transaction, announced to every instance at commit, then
    /// followed here at once.
    async fn change(
        &self,
        edit: impl FnOnce(&Conn<'_>) -> moderno_sql::Result<usize> + Send + 'static,
    ) -> moderno_sql::Result<()> {
        let Kept::Database { db, .. } = &self.0.kept else { return Ok(()) };
        let snapshot = db
            .write(move |conn| {
                edit(conn)?;
                conn.execute("UPDATE controls SET version = version + 1 WHERE only_row = 1", ())?;
                conn.notify(CONTROLS_CHANNEL, "controls")?;
                read(conn)
            })
            .await?;
        self.follow(snapshot);
        Ok(())
    }

    /// Reads the shared controls and follows them.
    async fn refresh(&self) -> moderno_sql::Result<()> {
        let Kept::Database { db, .. } = &self.0.kept else { return Ok(()) };
        let snapshot = db.read(read).await?;
        self.follow(snapshot);
        Ok(())
    }

    /// This instance's clock and switches as `snapshot` says, unless it is older than what they
    /// already follow (two reads may finish out of order).
    fn follow(&self, snapshot: Snapshot) {
        let Kept::Database { applied, .. } = &self.0.kept else { return };
        let mut applied = lock(applied);
        if snapshot.version <= applied.version {
            return;
        }
        self.0.clock.follow(chrono::Duration::milliseconds(snapshot.advanced_ms));
        self.0.faults.replace_all(snapshot.faults.iter().copied());
        if snapshot.version > 0 {
            tracing::info!(
                version = snapshot.version,
                advanced_ms = snapshot.advanced_ms,
                faults = ?snapshot.faults.iter().map(|f| f.name()).collect::<Vec<_>>(),
                "following the shared test controls"
            );
        }
        *applied = snapshot;
    }
}

fn read(conn: &Conn<'_>) -> moderno_sql::Result<Snapshot> {
    let (version, advanced_ms, number_matching) =
        conn.query_row("SELECT version, advanced_ms, number_matching FROM controls WHERE only_row = 1", (), |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
    // A name this release does not know (a newer instance's switch) is not followed here.
    let names: Vec<String> = conn.query_map("SELECT fault FROM faults_on ORDER BY fault", (), |r| r.get(0))?;
    let faults = names.iter().filter_map(|name| Fault::from_name(name)).collect();
    Ok(Snapshot { version, advanced_ms, faults, number_matching })
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
