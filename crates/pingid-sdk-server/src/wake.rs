//! Wakes devices that long-poll for pushes when a push is queued for them.
//!
//! A poller takes its device's `Notify`, arms a `notified()` future *before* it reads the queue,
//! and waits on it only when the queue was empty, so a push queued in between is never missed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::Notify;

#[derive(Default)]
pub struct PushWaiters(Mutex<HashMap<String, Arc<Notify>>>);

impl PushWaiters {
    /// The wake-up handle of a device (made on first use; one per paired device at most).
    pub fn handle(&self, device_id: &str) -> Arc<Notify> {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        map.entry(device_id.to_string()).or_default().clone()
    }

    /// Wakes every poller of `device_id`.
    pub fn notify(&self, device_id: &str) {
        let handle = self.0.lock().unwrap_or_else(PoisonError::into_inner).get(device_id).cloned();
        if let Some(handle) = handle {
            handle.notify_waiters();
        }
    }

    /// Forgets an unpaired device.
    pub fn forget(&self, device_id: &str) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).remove(device_id);
    }
}
