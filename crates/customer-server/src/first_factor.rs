//! The first factor: username and password, with back-off and lockout per account.
//!
//! Back-off follows Kanidm's steps (3 s from 3 consecutive failures, 5 s from 9, 10 s from 25)
//! except that the first two failures cost nothing (Kanidm waits 1 s): a mistyped password
//! should not make a person wait. 100 consecutive failures lock the account (NIST 800-63B).

use moderno_ambient::Clock;

use crate::passwords::Passwords;
use crate::store::{AttemptGate, Store};

/// Consecutive failures that lock an account.
pub const LOCK_AFTER_FAILURES: u32 = 100;

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
pub enum FirstFactor {
    Passed,
    /// Unknown user or wrong password: one answer for both.
    WrongCredentials,
    /// Too many recent failures: try again in this many seconds.
    BackingOff {
        retry_in_secs: i64,
    },
    /// Too many consecutive failures: the account is locked.
    Locked,
}

#[derive(Clone)]
pub struct FirstFactorCheck {
    store: Store,
    passwords: Passwords,
    clock: Clock,
}

impl FirstFactorCheck {
    pub fn new(store: Store, passwords: Passwords, clock: Clock) -> Self {
        Self {
            store,
            passwords,
            clock,
        }
    }

    pub async fn check(&self, username: &str, password: &str) -> anyhow::Result<FirstFactor> {
        let now_ms = self.clock.now().timestamp_millis();
        let gate = self
            .store
            .begin_attempt(username, now_ms, LOCK_AFTER_FAILURES, backoff_ms)
            .await?;
        let verdict = match gate {
            AttemptGate::Locked => FirstFactor::Locked,
            AttemptGate::BackingOff { until_ms } => FirstFactor::BackingOff {
                retry_in_secs: ((until_ms - now_ms) + 999) / 1000,
            },
            AttemptGate::UnknownUser => {
                // Same work as for a real user, same answer.
                self.passwords.verify(password, None).await?;
                FirstFactor::WrongCredentials
            }
            AttemptGate::Proceed { password_hash } => {
                if self.passwords.verify(password, Some(&password_hash)).await? {
                    self.store.reset_failures(username).await?;
                    FirstFactor::Passed
                } else {
                    FirstFactor::WrongCredentials
                }
            }
        };
        tracing::info!(outcome = ?verdict, "first factor checked");
        Ok(verdict)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::PasswordCost;
    use chrono::{DateTime, Duration};
    use moderno_ambient::Entropy;

    async fn check_with_alice() -> (tempfile::TempDir, FirstFactorCheck, Clock, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("c.sqlite3")).await.unwrap();
        let passwords = Passwords::new(PasswordCost::TestOnlyCheap, Entropy::seeded(2))
            .await
            .unwrap();
        store
            .insert_user("alice", passwords.hash("moderno-demo").await.unwrap())
            .await
            .unwrap();
        let clock = Clock::manual(DateTime::from_timestamp(1_700_000_000, 0).unwrap());
        (
            dir,
            FirstFactorCheck::new(store.clone(), passwords, clock.clone()),
            clock,
            store,
        )
    }

    #[test]
    fn back_off_follows_kanidm_from_the_third_failure() {
        assert_eq!([1, 2].map(backoff_ms), [0, 0], "a typo or two costs nothing");
        assert_eq!([3, 8].map(backoff_ms), [3_000, 3_000]);
        assert_eq!([9, 24].map(backoff_ms), [5_000, 5_000]);
        assert_eq!([25, 99].map(backoff_ms), [10_000, 10_000]);
    }

    #[tokio::test]
    async fn the_right_password_passes_and_clears_earlier_failures() {
        let (_dir, check, _clock, store) = check_with_alice().await;
        assert_eq!(
            check.check("alice", "wrong-password").await.unwrap(),
            FirstFactor::WrongCredentials
        );
        assert_eq!(check.check("alice", "moderno-demo").await.unwrap(), FirstFactor::Passed);
        assert_eq!(store.failures("alice").await.unwrap(), Some(0));
    }

    #[tokio::test]
    async fn an_unknown_user_gets_the_same_answer_as_a_wrong_password() {
        let (_dir, check, _clock, _store) = check_with_alice().await;
        assert_eq!(
            check.check("nobody", "moderno-demo").await.unwrap(),
            FirstFactor::WrongCredentials
        );
        assert_eq!(
            check.check("alice", "moderno-dem0").await.unwrap(),
            FirstFactor::WrongCredentials
        );
    }

    #[tokio::test]
    async fn the_third_failure_makes_the_next_attempt_wait_three_seconds() {
        let (_dir, check, clock, _store) = check_with_alice().await;
        for _ in 0..3 {
            assert_eq!(
                check.check("alice", "wrong-password").await.unwrap(),
                FirstFactor::WrongCredentials
            );
        }
        let refused = check.check("alice", "moderno-demo").await.unwrap();
        assert_eq!(
            refused,
            FirstFactor::BackingOff { retry_in_secs: 3 },
            "even the right password waits"
        );
        clock.advance(Duration::seconds(3));
        assert_eq!(check.check("alice", "moderno-demo").await.unwrap(), FirstFactor::Passed);
    }

    #[tokio::test]
    async fn a_hundred_consecutive_failures_lock_the_account() {
        let (_dir, check, clock, store) = check_with_alice().await;
        for _ in 0..LOCK_AFTER_FAILURES {
            assert_eq!(
                check.check("alice", "wrong-password").await.unwrap(),
                FirstFactor::WrongCredentials
            );
            clock.advance(Duration::seconds(10));
        }
        assert_eq!(check.check("alice", "moderno-demo").await.unwrap(), FirstFactor::Locked);
        assert_eq!(store.failures("alice").await.unwrap(), Some(LOCK_AFTER_FAILURES));
    }
}
