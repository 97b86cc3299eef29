//! Wakes long polls: devices waiting for pushes (keyed by device id) and for notices (keyed by
//! user, see `device_notices::user_key`).
//!
//! A poller takes its key's `Notify`, arms a `notified()` future *before* it reads, and waits on
//! it only when there was nothing to read, so something queued in between is never missed.
//!
//! Other instances on the same PostgreSQL database: a write that queues something also sends
//! `NOTIFY` on [`PUSHES`] or [`NOTICES`] with the key as payload (inside its transaction, so it
//! is heard once committed), and [`listen`] turns what other instances send into the same local
//! wake-up. The waiters themselves stay per instance: they are the requests this process holds
//! open, nothing two instances must agree on.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use moderno_sql::{Listening, Wake};
use tokio::sync::Notify;

use crate::db::Db;

/// PostgreSQL channel of new pushes; the payload is the approving device's id.
pub const PUSHES: &str = "pingid_sdk_pushes";
/// PostgreSQL channel of new device notices; the payload is the user's key.
pub const NOTICES: &str = "pingid_sdk_notices";

/// The waiters of one kind, by key. Cheap to clone; a key's entry lives while someone waits.
#[derive(Clone, Default)]
pub struct Waiters(Arc<Mutex<HashMap<String, Arc<Notify>>>>);

impl Waiters {
    /// The wake-up handle of `key` while the returned guard lives.
    pub fn wait_on(&self, key: &str) -> Waiting {
        let notify = self.lock().entry(key.to_string()).or_default().clone();
        Waiting { waiters: self.clone(), key: key.to_string(), notify }
    }

    /// Wakes every poller of `key` in this process. Under the lock (waking only marks the
    /// waiters), so a [`Waiting`] that ends meanwhile counts the references it should.
    pub fn notify(&self, key: &str) {
        if let Some(handle) = self.lock().get(key) {
            handle.notify_waiters();
        }
    }

    /// Wakes every poller in this process (something may have been missed).
    pub fn notify_all(&self) {
        self.lock().values().for_each(|handle| handle.notify_waiters());
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Notify>>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One poller's hold on its key: the last one gone removes the key's entry, so the map holds
/// only keys someone waits on (a device unpaired through another instance leaves nothing here).
pub struct Waiting {
    waiters: Waiters,
    key: String,
    notify: Arc<Notify>,
}

impl Waiting {
    pub fn notify(&self) -> &Notify {
        &self.notify
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        let mut map = self.waiters.lock();
        // Two references left (the map's and ours) while the lock is held: no one else waits.
        if map.get(&self.key).is_some_and(|n| Arc::ptr_eq(n, &self.notify)) && Arc::strong_count(&self.notify) == 2 {
            map.remove(&self.key);
        }
    }
}

/// On PostgreSQL, wakes this process's pollers when another instance queues something for them
/// (every poller after the listening connection came back: anything may have been missed).
/// `None` on SQLite (this process is the only writer: its own wake-ups reach every poller), or
/// outside a tokio runtime (then a long poll still reads again every `SdkConfig::poll_recheck`).
pub fn listen(db: &Db, pushes: &Waiters, notices: &Waiters) -> Option<Listening> {
    if !db.is_shared() || tokio::runtime::Handle::try_current().is_err() {
        return None;
    }
    let (pushes, notices) = (pushes.clone(), notices.clone());
    db.listen(&[PUSHES, NOTICES], move |wake| match wake {
        Wake::Notified { channel, payload } if channel == PUSHES => pushes.notify(&payload),
        Wake::Notified { channel, payload } if channel == NOTICES => notices.notify(&payload),
        Wake::Notified { .. } => {}
        Wake::Reconnected => {
            pushes.notify_all();
            notices.notify_all();
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_kept_while_someone_waits_on_it_and_forgotten_when_the_last_waiter_ends() {
        let waiters = Waiters::default();
        let first = waiters.wait_on("device-1");
        let second = waiters.wait_on("device-1");
        assert!(Arc::ptr_eq(&first.notify, &second.notify), "one handle per key");
        drop(first);
        assert!(waiters.lock().contains_key("device-1"), "the second still waits");
        waiters.notify("device-1");
        drop(second);
        assert!(waiters.lock().is_empty(), "no one waits: {:?}", waiters.lock().keys().collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn a_wake_reaches_a_poller_armed_before_it_and_wakes_all_reach_every_key() {
        let waiters = Waiters::default();
        let (one, two) = (waiters.wait_on("a"), waiters.wait_on("b"));
        let (woken_one, woken_two) = (one.notify().notified(), two.notify().notified());
        tokio::pin!(woken_one, woken_two);
        woken_one.as_mut().enable();
        woken_two.as_mut().enable();
        waiters.notify("a");
        waiters.notify("nobody");
        let patience = std::time::Duration::from_secs(10);
        tokio::time::timeout(patience, woken_one).await.expect("the poller of a is woken");
        waiters.notify_all();
        tokio::time::timeout(patience, woken_two).await.expect("the poller of b is woken");
    }
}
