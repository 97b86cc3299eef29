//! The flow inspector's source: every service of the stack publishes its side of each hop —
//! method, path, status, time taken, the bodies with secrets hidden, and what signed content
//! says inside — into one [`Recorder`], read by the admin API (`GET /admin/hops`) and the
//! desktop app's inspector, and exported as a self-contained HTML report or JSON. The sequence
//! diagram is drawn once, by [`diagram`], for the report and for the app's inspector.
//!
//! Off unless the stack is started with it (`StackConfig::inspector`); benchmarks and most tests
//! run without. With a shared database (`StackConfig::database_url`) the record is kept there,
//! one for every instance ([`crate::shared::hop_log`]).

#[cfg(test)]
mod committed_docs;
mod diagram;
mod flow_steps;
mod record;
mod redact;
mod report;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use moderno_sql::Database;
use moderno_wire::admin::{Hop, Hops};

use crate::shared::hop_log;

pub use diagram::{diagram, Layout};
pub use record::{layer, Service};
pub use report::html;

/// The title of an exported run.
pub const REPORT_TITLE: &str = "Moderno flow inspector report";

/// Hops kept; older ones are dropped first.
pub(crate) const CAPACITY: usize = 1000;

/// The hops seen so far: in this process, or in the database several instances share (each
/// records what it answers, and reads everyone's). Cloning shares them.
#[derive(Clone)]
pub struct Recorder(Arc<Kept>);

enum Kept {
    Memory(Mutex<Log>, AtomicU64),
    /// `recording` turns on once the instance has started: its start-up calls are part of no
    /// flow, and another instance's record is not cleared for them.
    Database {
        db: Database,
        recording: AtomicBool,
    },
}

impl Default for Recorder {
    fn default() -> Self {
        Self(Arc::new(Kept::Memory(Mutex::default(), AtomicU64::new(0))))
    }
}

#[derive(Default)]
struct Log {
    hops: VecDeque<Hop>,
    last: u64,
}

impl Recorder {
    pub fn new() -> Self {
        Self::default()
    }

    /// A record kept in the shared database (the `stack` schema).
    pub fn shared(db: Database) -> Self {
        Self(Arc::new(Kept::Database { db, recording: AtomicBool::new(false) }))
    }

    /// The next request's arrival number (the diagram's order: a caller before its callees);
    /// `None`: this request is not recorded (not recording yet, or the database did not answer).
    async fn arrival(&self) -> Option<u64> {
        match &*self.0 {
            Kept::Memory(_, arrivals) => Some(arrivals.fetch_add(1, Ordering::Relaxed) + 1),
            Kept::Database { db, recording } => {
                if !recording.load(Ordering::Relaxed) {
                    return None;
                }
                hop_log::arrival(db)
                    .await
                    .map_err(|error| tracing::warn!(%error, "the inspector could not number a hop"))
                    .ok()
            }
        }
    }

    async fn push(&self, mut hop: Hop) {
        match &*self.0 {
            Kept::Memory(log, _) => {
                let mut log = log.lock().unwrap_or_else(PoisonError::into_inner);
                log.last += 1;
                hop.seq = log.last;
                if log.hops.len() == CAPACITY {
                    log.hops.pop_front();
                }
                log.hops.push_back(hop);
            }
            Kept::Database { db, .. } => {
                if let Err(error) = hop_log::push(db, hop, CAPACITY).await {
                    tracing::warn!(%error, "the inspector could not keep a hop");
                }
            }
        }
    }

    /// The hops after `seq` (0: all kept); the shared database's failure is an error.
    pub async fn read_after(&self, seq: u64) -> anyhow::Result<Hops> {
        match &*self.0 {
            Kept::Memory(log, _) => {
                let log = log.lock().unwrap_or_else(PoisonError::into_inner);
                Ok(Hops { hops: log.hops.iter().filter(|h| h.seq > seq).cloned().collect(), last: log.last })
            }
            Kept::Database { db, .. } => hop_log::after(db, seq).await,
        }
    }

    /// Forgets every hop and starts numbering from 1 again (the stack's own start-up calls are
    /// not part of any flow). Shared: starts recording, and clears nothing (other instances'
    /// hops are theirs).
    pub(crate) fn reset(&self) {
        match &*self.0 {
            Kept::Memory(log, arrivals) => {
                let mut log = log.lock().unwrap_or_else(PoisonError::into_inner);
                log.hops.clear();
                log.last = 0;
                arrivals.store(0, Ordering::Relaxed);
            }
            Kept::Database { recording, .. } => recording.store(true, Ordering::Relaxed),
        }
    }

    /// Forgets every hop (a new run); numbering goes on. On the shared database this writes it
    /// on the calling thread: an async caller uses [`clear_all`](Self::clear_all).
    pub fn clear(&self) {
        match &*self.0 {
            Kept::Memory(log, _) => log.lock().unwrap_or_else(PoisonError::into_inner).hops.clear(),
            Kept::Database { db, .. } => {
                if let Err(error) = hop_log::clear_blocking(db) {
                    tracing::warn!(%error, "the inspector's record could not be cleared");
                }
            }
        }
    }

    /// [`clear`](Self::clear), for an async caller; the shared database's failure is an error.
    pub async fn clear_all(&self) -> anyhow::Result<()> {
        match &*self.0 {
            Kept::Memory(..) => {
                self.clear();
                Ok(())
            }
            Kept::Database { db, .. } => Ok(hop_log::clear(db).await?),
        }
    }
}
