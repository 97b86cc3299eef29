//! The first factor: username and password, with back-off and lockout per account.
//!
//! Back-off follows Kanidm's steps (3 s from 3 consecutive failures, 5 s from 9, 10 s from 25)
//! except that the first two failures cost nothing (Kanidm waits 1 s): a mistyped password
//! should not make a person wait. 100 consecutive failures lock the account (NIST 800-63B).
//! Names that are no account count the same way, so the answers do not tell which names are.
//!
//! The attempts on one account are checked one after another: each sees what the one before it
//! left (a failure and its back-off, or a success that starts the count over). So parallel
//! guesses cannot slip past the back-off, a success cannot erase failures still in flight, and a
//! person's parallel right answers (a double click) all pass instead of tripping the back-off.
//! Within one instance the attempts queue in memory ([`AccountTurns`]); on a database several
//! instances share, each then takes the account's turn in the database as well
//! ([`Store::sign_in_turn`]), so a user whose requests alternate between instances gets the
//! same answers.

use moderno_ambient::attempts::AccountTurns;
use moderno_ambient::Clock;

use crate::passwords::Passwords;
use crate::store::{AttemptGate, Store};

pub use moderno_ambient::attempts::{backoff_ms, LOCK_AFTER_FAILURES};

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
    queues: AccountTurns,
}

impl FirstFactorCheck {
    pub fn new(store: Store, passwords: Passwords, clock: Clock) -> Self {
        Self { store, passwords, clock, queues: AccountTurns::default() }
    }

    pub async fn check(&self, username: &str, password: &str) -> anyhow::Result<FirstFactor> {
        self.queues
            .in_turn(username, async {
                // On a database other instances share, their attempts on the name take turns too.
                let _turn = self.store.sign_in_turn(username).await?;
                self.check_now(username, password).await
            })
            .await
    }

    async fn check_now(&self, username: &str, password: &str) -> anyhow::Result<FirstFactor> {
        let now_ms = self.clock.now().timestamp_millis();
        let gate = self.store.begin_attempt(username, now_ms, LOCK_AFTER_FAILURES, backoff_ms).await?;
        let verdict = match gate {
            AttemptGate::Locked => FirstFactor::Locked,
            AttemptGate::BackingOff { until_ms } => {
                FirstFactor::BackingOff { retry_in_secs: ((until_ms - now_ms) + 999) / 1000 }
            }
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
        let store = Store::open(&moderno_sql::testing::location(dir.path().join("c.sqlite3"))).await.unwrap();
        let passwords = Passwords::new(PasswordCost::TestOnlyCheap, Entropy::seeded(2)).await.unwrap();
        store.insert_user("alice", passwords.hash("moderno-demo").await.unwrap()).await.unwrap();
        let clock = Clock::manual(DateTime::from_timestamp(1_700_000_000, 0).unwrap());
        (dir, FirstFactorCheck::new(store.clone(), passwords, clock.clone()), clock, store)
    }

    #[tokio::test]
    async fn the_right_password_passes_and_clears_earlier_failures() {
        let (_dir, check, _clock, store) = check_with_alice().await;
        assert_eq!(check.check("alice", "wrong-password").await.unwrap(), FirstFactor::WrongCredentials);
        assert_eq!(check.check("alice", "moderno-demo").await.unwrap(), FirstFactor::Passed);
        assert_eq!(store.failures("alice").await.unwrap(), Some(0));
    }

    #[tokio::test]
    async fn an_unknown_user_gets_the_same_answer_as_a_wrong_password() {
        let (_dir, check, _clock, _store) = check_with_alice().await;
        assert_eq!(check.check("nobody", "moderno-demo").await.unwrap(), FirstFactor::WrongCredentials);
        assert_eq!(check.check("alice", "moderno-dem0").await.unwrap(), FirstFactor::WrongCredentials);
    }

    #[tokio::test]
    async fn the_third_failure_makes_the_next_attempt_wait_three_seconds() {
        let (_dir, check, clock, _store) = check_with_alice().await;
        for _ in 0..3 {
            assert_eq!(check.check("alice", "wrong-password").await.unwrap(), FirstFactor::WrongCredentials);
        }
        let refused = check.check("alice", "moderno-demo").await.unwrap();
        assert_eq!(refused, FirstFactor::BackingOff { retry_in_secs: 3 }, "even the right password waits");
        clock.advance(Duration::seconds(3));
        assert_eq!(check.check("alice", "moderno-demo").await.unwrap(), FirstFactor::Passed);
    }

    #[tokio::test]
    async fn a_hundred_consecutive_failures_lock_the_account() {
        let (_dir, check, clock, store) = check_with_alice().await;
        for _ in 0..LOCK_AFTER_FAILURES {
            assert_eq!(check.check("alice", "wrong-password").await.unwrap(), FirstFactor::WrongCredentials);
            clock.advance(Duration::seconds(10));
        }
        assert_eq!(check.check("alice", "moderno-demo").await.unwrap(), FirstFactor::Locked);
        assert_eq!(store.failures("alice").await.unwrap(), Some(LOCK_AFTER_FAILURES));
    }

    /// Security numbers: the back-off must not tell which names are accounts.
    #[tokio::test]
    async fn a_name_that_is_no_account_backs_off_and_locks_like_an_account() {
        let (_dir, check, clock, _store) = check_with_alice().await;
        for name in ["alice", "nobody"] {
            for _ in 0..3 {
                assert_eq!(check.check(name, "wrong-password").await.unwrap(), FirstFactor::WrongCredentials);
            }
            assert_eq!(
                check.check(name, "wrong-password").await.unwrap(),
                FirstFactor::BackingOff { retry_in_secs: 3 },
                "{name}"
            );
        }
        for _ in 3..LOCK_AFTER_FAILURES {
            clock.advance(Duration::seconds(10));
            for name in ["alice", "nobody"] {
                assert_eq!(check.check(name, "wrong-password").await.unwrap(), FirstFactor::WrongCredentials, "{name}");
            }
        }
        clock.advance(Duration::days(2));
        for name in ["alice", "nobody"] {
            assert_eq!(check.check(name, "moderno-demo").await.unwrap(), FirstFactor::Locked, "{name}");
        }
    }

    /// A double click: parallel attempts with the right password all pass, none is refused by
    /// the back-off the others would have earned had they failed.
    #[tokio::test]
    async fn parallel_right_passwords_all_pass() {
        let (_dir, check, _clock, store) = check_with_alice().await;
        let attempts = (0..10).map(|_| {
            let check = check.clone();
            tokio::spawn(async move { check.check("alice", "moderno-demo").await.unwrap() })
        });
        for attempt in attempts.collect::<Vec<_>>() {
            assert_eq!(attempt.await.unwrap(), FirstFactor::Passed);
        }
        assert_eq!(store.failures("alice").await.unwrap(), Some(0));
    }

    /// Zitadel's advisory (GHSA-7h8m-vrxx-vr4m): after 90 failures, 39 wrong guesses and the right
    /// password released together check at most one guess (the rest wait for the back-off), and
    /// no success erases failures that were in flight.
    #[tokio::test]
    async fn parallel_guesses_cannot_slip_past_the_back_off_or_be_erased_by_a_success() {
        let (_dir, check, clock, store) = check_with_alice().await;
        for _ in 0..90 {
            check.check("alice", "wrong-password").await.unwrap();
            clock.advance(Duration::seconds(10));
        }
        let mut attempts: Vec<_> = (0..39)
            .map(|_| {
                let check = check.clone();
                tokio::spawn(async move { check.check("alice", "wrong-password").await.unwrap() })
            })
            .collect();
        let right = check.clone();
        attempts.push(tokio::spawn(async move { right.check("alice", "moderno-demo").await.unwrap() }));
        let mut verdicts = Vec::new();
        for attempt in attempts {
            verdicts.push(attempt.await.unwrap());
        }
        let checked = verdicts.iter().filter(|v| !matches!(v, FirstFactor::BackingOff { .. })).count();
        assert_eq!(checked, 1, "one attempt checked, the others wait: {verdicts:?}");
        let failures = store.failures("alice").await.unwrap().unwrap();
        if verdicts.contains(&FirstFactor::Passed) {
            assert_eq!(failures, 0, "the right password went first");
        } else {
            assert_eq!(failures, 91, "a guess went first; the right password waits like the rest");
        }
    }
}
