//! The flow inspector's source: every service of the stack publishes its side of each hop —
//! method, path, status, time taken, the bodies with secrets hidden, and what signed content
//! says inside — into one [`Recorder`], read by the admin API (`GET /admin/hops`) and the
//! desktop app's inspector, and exported as a self-contained HTML report or JSON. The sequence
//! diagram is drawn once, by [`diagram`], for the report and for the app's inspector.
//!
//! Off unless the stack is started with it (`StackConfig::inspector`); benchmarks and most tests
//! run without.

#[cfg(test)]
mod committed_docs;
mod diagram;
mod flow_steps;
mod record;
mod redact;
mod report;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use moderno_wire::admin::{Hop, Hops};

pub use diagram::{diagram, Layout};
pub use record::{layer, Service};
pub use report::html;

/// The title of an exported run.
pub const REPORT_TITLE: &str = "Moderno flow inspector report";

/// Hops kept; older ones are dropped first.
const CAPACITY: usize = 1000;

/// The hops seen so far. Cloning shares them.
#[derive(Clone, Default)]
pub struct Recorder(Arc<Mutex<Log>>, Arc<AtomicU64>);

#[derive(Default)]
struct Log {
    hops: VecDeque<Hop>,
    last: u64,
}

impl Recorder {
    pub fn new() -> Self {
        Self::default()
    }

    /// The next request's arrival number (the diagram's order: a caller before its callees).
    fn arrival(&self) -> u64 {
        self.1.fetch_add(1, Ordering::Relaxed) + 1
    }

    fn push(&self, mut hop: Hop) {
        let mut log = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        log.last += 1;
        hop.seq = log.last;
        if log.hops.len() == CAPACITY {
            log.hops.pop_front();
        }
        log.hops.push_back(hop);
    }

    /// The hops after `seq` (0: all kept).
    pub fn after(&self, seq: u64) -> Hops {
        let log = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        Hops { hops: log.hops.iter().filter(|h| h.seq > seq).cloned().collect(), last: log.last }
    }

    /// Forgets every hop and starts numbering from 1 again (the stack's own start-up calls are
    /// not part of any flow).
    pub(crate) fn reset(&self) {
        let mut log = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        log.hops.clear();
        log.last = 0;
        self.1.store(0, Ordering::Relaxed);
    }

    /// Forgets every hop (a new run); numbering goes on.
    pub fn clear(&self) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).hops.clear();
    }
}
