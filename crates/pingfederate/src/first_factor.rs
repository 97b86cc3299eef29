//! The HTML Form adapter's password check with back-off and lockout per account name.
//!
//! Back-off follows the security numbers (Kanidm's steps: 3 s from 3 consecutive failures, 5 s
//! from 9, 10 s from 25), except that the first two failures cost nothing, as at the customer
//! server: a mistyped password should not make a person wait. `max_password_failures` (100,
//! NIST 800-63B) consecutive failures lock the name. Names that are no account count the same
//! way, so the answers do not tell which names exist.
//!
//! Each attempt is counted as a failure before its password is checked, in one transaction with
//! the decision to check it; a right password then starts the count over. The attempts on one
//! name are checked one after another, each seeing what the one before it left: parallel guesses
//! cannot slip past the back-off (Zitadel's advisory GHSA-7h8m-vrxx-vr4m), a success cannot
//! erase failures in flight, and a person's parallel right answers all pass.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use rusqlite::{params, OptionalExtension};

use crate::error::AuthnApiError;
use crate::State;

/// How long the count of a name that is no account is kept after its last attempt (unless it
/// reached the lock).
const UNKNOWN_NAMES_KEPT_MS: i64 = 24 * 60 * 60 * 1000;

/// Milliseconds to wait after `failures` consecutive failures.
pub fn backoff_ms(failures: u32) -> i64 {
    match failures {
        0..=2 => 0,
        3..=8 => 3_000,
        9..=24 => 5_000,
        _ => 10_000,
    }
}

/// The verdict on a username and password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Passed,
    /// Unknown user or wrong password: one answer for both.
    WrongCredentials,
    /// Too many recent failures: nothing is checked for this many seconds.
    BackingOff { retry_in_secs: i64 },
    /// Too many consecutive failures: the name is locked.
    Locked,
}

/// One queue per account name with attempts under way (a name's entry goes with its last attempt).
#[derive(Default)]
pub struct AccountTurns(Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>);

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
    async fn in_turn<T>(&self, username: &str, work: impl Future<Output = T>) -> T {
        let queue = {
            let mut queues = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(queues.entry(username.to_owned()).or_default())
        };
        let leaving = Leaving { turns: self, username, queue };
        let _turn = leaving.queue.lock().await;
        work.await
    }
}

/// What an attempt may do, decided and counted in one transaction.
enum Gate {
    Locked,
    BackingOff { until_ms: i64 },
    /// Counted as a failure until the password proves right.
    Check,
}

/// Checks `password` for `username` in the name's turn.
pub async fn check(state: &State, username: &str, password: &str) -> Result<Verdict, AuthnApiError> {
    state.accounts().in_turn(username, check_now(state, username, password)).await
}

async fn check_now(state: &State, username: &str, password: &str) -> Result<Verdict, AuthnApiError> {
    let now_ms = state.now_ms();
    let verdict = match begin_attempt(state, username, now_ms)? {
        Gate::Locked => Verdict::Locked,
        Gate::BackingOff { until_ms } => Verdict::BackingOff { retry_in_secs: (until_ms - now_ms + 999) / 1000 },
        // An unknown name costs the same hash and gets the same answer as a wrong password.
        Gate::Check => {
            if state.passwords().verify(username, password).await? {
                state.db().tx(|tx| Ok(tx.execute("DELETE FROM password_failures WHERE username = ?1", params![username]).map(drop)?))?;
                Verdict::Passed
            } else {
                Verdict::WrongCredentials
            }
        }
    };
    tracing::info!(outcome = ?verdict, "first factor checked");
    Ok(verdict)
}

/// Decides whether the attempt is checked and, if so, counts it as a failure up front with the
/// back-off that failure earns.
fn begin_attempt(state: &State, username: &str, now_ms: i64) -> Result<Gate, AuthnApiError> {
    let lock_at = state.config().max_password_failures;
    let account = state.passwords().knows(username);
    state.db().tx(|tx| {
        let counters: Option<(u32, Option<i64>)> = tx
            .query_row("SELECT count, not_before_ms FROM password_failures WHERE username = ?1", params![username], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        let (failures, not_before_ms) = counters.unwrap_or((0, None));
        if failures >= lock_at {
            return Ok(Gate::Locked);
        }
        if let Some(until_ms) = not_before_ms.filter(|until| *until > now_ms) {
            return Ok(Gate::BackingOff { until_ms });
        }
        let failures = failures + 1;
        let delay = backoff_ms(failures);
        let not_before = (delay > 0).then_some(now_ms + delay);
        tx.execute(
            "DELETE FROM password_failures WHERE account = 0 AND updated_ms < ?1 AND count < ?2",
            params![now_ms - UNKNOWN_NAMES_KEPT_MS, lock_at],
        )?;
        tx.execute(
            "INSERT INTO password_failures (username, count, not_before_ms, account, updated_ms) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (username) DO UPDATE SET count = excluded.count, not_before_ms = excluded.not_before_ms,
                 account = excluded.account, updated_ms = excluded.updated_ms",
            params![username, failures, not_before, account, now_ms],
        )?;
        Ok(Gate::Check)
    })
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
    async fn a_name_has_one_attempt_at_a_time_and_its_queue_goes_with_the_last() {
        let turns = AccountTurns::default();
        let running = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let most = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let attempt = || {
            let (running, most) = (running.clone(), most.clone());
            async move {
                let now = running.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                most.fetch_max(now, std::sync::atomic::Ordering::SeqCst);
                tokio::task::yield_now().await;
                running.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
            }
        };
        tokio::join!(turns.in_turn("alice", attempt()), turns.in_turn("alice", attempt()), turns.in_turn("alice", attempt()));
        assert_eq!(most.load(std::sync::atomic::Ordering::SeqCst), 1, "never two attempts on alice at once");
        assert!(turns.0.lock().expect("lock").is_empty(), "no queue outlives its attempts");
    }
}
