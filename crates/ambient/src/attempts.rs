//! What every service that checks a password shares: the back-off curve and the turns attempts on
//! one account take (`docs/security.md`). Each service keeps its own counts.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

/// Consecutive failures that lock an account (NIST 800-63B: at most 100).
pub const LOCK_AFTER_FAILURES: u32 = 100;

/// Milliseconds no attempt is checked after `failures` consecutive failures: Kanidm's steps (3 s
/// from 3 failures, 5 s from 9, 10 s from 25), except that the first two cost nothing (Kanidm
/// waits 1 s): a mistyped password should not make a person wait.
pub fn backoff_ms(failures: u32) -> i64 {
    match failures {
        0..=2 => 0,
        3..=8 => 3_000,
        9..=24 => 5_000,
        _ => 10_000,
    }
}

/// One queue per account name with attempts under way: attempts on one name are checked one
/// after another, each seeing what the one before it left (a failure and its back-off, or a
/// success). A name's queue goes with its last attempt.
#[derive(Clone, Default)]
pub struct AccountTurns(Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>);

/// Removes a name's queue when its last attempt ends, even one whose request was dropped.
struct Leaving<'a> {
    turns: &'a AccountTurns,
    username: &'a str,
    queue: Arc<tokio::sync::Mutex<()>>,
}

impl Drop for Leaving<'_> {
    fn drop(&mut self) {
        let mut queues = self.turns.0.lock().unwrap_or_else(PoisonError::into_inner);
        // The map's handle and this one: nobody else waits, so the queue goes.
        if Arc::strong_count(&self.queue) == 2 {
            queues.remove(self.username);
        }
    }
}

impl AccountTurns {
    /// Runs `work` once the attempts on `username` before it are done.
    pub async fn in_turn<T>(&self, username: &str, work: impl Future<Output = T>) -> T {
        let queue = {
            let mut queues = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(queues.entry(username.to_owned()).or_default())
        };
        let leaving = Leaving { turns: self, username, queue };
        let _turn = leaving.queue.lock().await;
        work.await
    }

    /// Names with attempts under way.
    pub fn names_in_progress(&self) -> usize {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_follows_kanidm_from_the_third_failure() {
        assert_eq!([1, 2].map(backoff_ms), [0, 0], "a typo or two costs nothing");
        assert_eq!([3, 8].map(backoff_ms), [3_000, 3_000]);
        assert_eq!([9, 24].map(backoff_ms), [5_000, 5_000]);
        assert_eq!([25, 99].map(backoff_ms), [10_000, 10_000]);
    }

    #[tokio::test]
    async fn attempts_on_one_name_take_turns_and_the_queue_goes_with_the_last() {
        let turns = AccountTurns::default();
        let order = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let first = {
            let (turns, order) = (turns.clone(), Arc::clone(&order));
            tokio::spawn(async move {
                turns
                    .in_turn("alice", async {
                        let _ = rx.await;
                        order.lock().unwrap().push(1);
                    })
                    .await;
            })
        };
        tokio::task::yield_now().await;
        let second = {
            let (turns, order) = (turns.clone(), Arc::clone(&order));
            tokio::spawn(async move { turns.in_turn("alice", async { order.lock().unwrap().push(2) }).await })
        };
        turns.in_turn("bob", async {}).await;
        tokio::task::yield_now().await;
        assert!(order.lock().unwrap().is_empty(), "alice's second attempt waits for her first; bob does not");
        tx.send(()).unwrap();
        first.await.unwrap();
        second.await.unwrap();
        assert_eq!(*order.lock().unwrap(), [1, 2]);
        assert_eq!(turns.names_in_progress(), 0, "no queue is left behind");
    }

    #[tokio::test]
    async fn a_dropped_attempt_leaves_no_queue() {
        let turns = AccountTurns::default();
        let never = turns.in_turn("alice", std::future::pending::<()>());
        let timed_out = tokio::time::timeout(std::time::Duration::from_millis(10), never).await;
        assert!(timed_out.is_err());
        assert_eq!(turns.names_in_progress(), 0);
    }
}
