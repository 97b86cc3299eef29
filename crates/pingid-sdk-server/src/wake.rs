//! Wakes long polls: devices waiting for pushes (keyed by device id) and for notices (keyed by
//! user, see `device_notices::user_key`).
//!
//! A poller takes its key's `Notify`, arms a `notified()` future *before* it reads, and waits on
//! it only when there was nothing to read, so something queued in between is never missed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::Notify;

#[derive(Default)]
pub struct Waiters(Mutex<HashMap<String, Arc<Notify>>>);

impl Waiters {
    /// The wake-up handle of a key (made on first use).
    pub fn handle(&self, key: &str) -> Arc<Notify> {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        map.entry(key.to_string()).or_default().clone()
    }

    /// Wakes every poller of `key`.
    pub fn notify(&self, key: &str) {
        let handle = self.0.lock().unwrap_or_else(PoisonError::into_inner).get(key).cloned();
        if let Some(handle) = handle {
            handle.notify_waiters();
        }
    }

    /// Forgets a key that will not be polled again (an unpaired device).
    pub fn forget(&self, key: &str) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).remove(key);
    }
}
