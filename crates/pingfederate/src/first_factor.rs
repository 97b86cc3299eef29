//! The HTML Form adapter's password check with back-off and lockout per account name.
//!
//! Back-off follows the security numbers (Kanidm's steps: 3 s from 3 consecutive failures, 5 s
//! from 9, 10 s from 25), except that the first two failures cost nothing, as at the customer
//! server: a mistyped password should not make a person wait. `max_password_failures` (100,
//! NIST 800-63B) consecutive failures lock the name. Names that are no account count the same
//! way, so the answers do not tell which names exist.
//!
//! Each attempt is counted as a failure before its password is checked, in one transaction with
//! the decision to check it (on the database every instance shares); a right password then starts
//! the count over from itself, leaving the failures counted after it. The attempts on one name
//! reaching one instance are checked one after another, each seeing what the one before it left:
//! parallel guesses, on one instance or several, cannot slip past the back-off (Zitadel's advisory
//! GHSA-7h8m-vrxx-vr4m), a success cannot erase failures in flight, and a person's parallel right
//! answers all pass.

use moderno_ambient::attempts::backoff_ms;
use moderno_sql::{params, OptionalExtension as _};

pub use moderno_ambient::attempts::AccountTurns;

use crate::error::AuthnApiError;
use crate::State;

/// How long the count of a name that is no account is kept after its last attempt (unless it
/// reached the lock).
const UNKNOWN_NAMES_KEPT_MS: i64 = 24 * 60 * 60 * 1000;

/// The verdict on a username and password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Passed,
    /// Unknown user or wrong password: one answer for both.
    WrongCredentials,
    /// Too many recent failures: nothing is checked for this many seconds.
    BackingOff {
        retry_in_secs: i64,
    },
    /// Too many consecutive failures: the name is locked.
    Locked,
}

/// What an attempt may do, decided and counted in one transaction.
enum Gate {
    Locked,
    BackingOff {
        until_ms: i64,
    },
    /// Counted as a failure until the password proves right: the name's count with this attempt.
    Check {
        counted: u32,
    },
}

/// Checks `password` for `username` in the name's turn.
pub async fn check(state: &State, username: &str, password: &str) -> Result<Verdict, AuthnApiError> {
    state.accounts().in_turn(username, check_now(state, username, password)).await
}

async fn check_now(state: &State, username: &str, password: &str) -> Result<Verdict, AuthnApiError> {
    let now_ms = state.now_ms();
    let verdict = match begin_attempt(state, username, now_ms).await? {
        Gate::Locked => Verdict::Locked,
        Gate::BackingOff { until_ms } => Verdict::BackingOff { retry_in_secs: (until_ms - now_ms + 999) / 1000 },
        // An unknown name costs the same hash and gets the same answer as a wrong password.
        Gate::Check { counted } => {
            if state.passwords().verify(username, password).await? {
                let name = username.to_owned();
                // The count starts over from this attempt: the failures up to it go, and those
                // counted after it (attempts still under way, on this instance or another) stay.
                state
                    .db()
                    .tx(move |tx| {
                        tx.execute(
                            "DELETE FROM password_failures WHERE username = ?1 AND count <= ?2",
                            params![name, counted],
                        )?;
                        tx.execute(
                            "UPDATE password_failures SET count = count - ?2 WHERE username = ?1",
                            params![name, counted],
                        )?;
                        Ok(())
                    })
                    .await?;
                Verdict::Passed
            } else {
                Verdict::WrongCredentials
            }
        }
    };
    tracing::info!(outcome = ?verdict, "first factor checked");
    Ok(verdict)
}

/// Settles, once at start, the counts written before names that are no account were told apart
/// (the `account` and `updated_ms` columns came with the defaults 1 and 0, so every older row
/// reads as an account's, last touched at 0, and none was ever purged): each is marked by whether
/// its name is an account now and dated now, so an older count of a name that is no account is
/// forgotten a day later like every newer one, and an account's is kept as every account's is.
/// Answers how many rows it settled.
pub fn settle_counts_from_before(state: &State) -> Result<usize, AuthnApiError> {
    let now_ms = state.now_ms();
    state.db().tx_at_start(|tx| {
        let names =
            tx.query_map("SELECT username FROM password_failures WHERE updated_ms = 0", (), |r| r.get::<_, String>(0))?;
        for name in &names {
            tx.execute(
                "UPDATE password_failures SET account = ?2, updated_ms = ?3 WHERE username = ?1",
                params![name, state.passwords().knows(name), now_ms],
            )?;
        }
        Ok(names.len())
    })
}

/// Decides whether the attempt is checked and, if so, counts it as a failure up front with the
/// back-off that failure earns.
async fn begin_attempt(state: &State, username: &str, now_ms: i64) -> Result<Gate, AuthnApiError> {
    let lock_at = state.config().max_password_failures;
    let account = state.passwords().knows(username);
    let username = username.to_owned();
    state.db().tx(move |tx| {
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
        Ok(Gate::Check { counted: failures })
    })
    .await
}
