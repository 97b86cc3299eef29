//! Manual pairing keys, the customer server's side. Ping's SDK server saves `pairingData` as it is
//! sent and "the customer server application may use this field to build logic to connect the key
//! to a user or group" ([D-PK]). This server's convention, written here and nowhere else:
//! `user:<username>` binds a key to one user (the web page writes it), `group:<name>` lets any
//! user redeem it.
//!
//! Before a login hands a typed key to the SDK server (in a registration token), [`check`] reads
//! the key back (`GET .../pairingkeys/{key}`) and refuses, with one answer (1031), a key that is
//! unknown, expired, used or bound to someone else. Failed checks are rate limited per user, as
//! the SDK server limits failed redemptions: 10 in 10 minutes, then 1032 saying until when. With
//! ~52-bit keys living 10 minutes that leaves the odds of a guess near 2^-49 per key lifetime
//! (security numbers: near 2^-32 or better, RFC 8628 5.1).

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use moderno_sql::params;
use moderno_wire::moderno::{ModernoResponse, Status};
use moderno_wire::sdk::PairingKeyStatus;

use crate::error::{Failure, ForUser as _, INVALID_PAIRING_KEY};
use crate::state::CustomerState;

/// Failed checks allowed per user in [`FAILURE_WINDOW`].
pub(crate) const MAX_FAILURES: i64 = 10;
pub(crate) const FAILURE_WINDOW: Duration = Duration::minutes(10);
/// How long a key lives at the SDK server (its default: Ping publishes none), for the web page's
/// countdown; the SDK server decides when a key really expires.
pub(crate) const KEY_LIFETIME: Duration = Duration::minutes(10);

/// The pairing data of a key for `username` alone.
pub(crate) fn pairing_data_for(username: &str) -> String {
    format!("user:{username}")
}

/// Whether a key with this pairing data serves `username`: bound to them, or a group key.
pub(crate) fn serves(pairing_data: &str, username: &str) -> bool {
    pairing_data.strip_prefix("user:") == Some(username) || pairing_data.starts_with("group:")
}

/// When a key issued now is expected to expire (RFC 3339), for the web page.
pub(crate) fn expected_expiry(now: DateTime<Utc>) -> String {
    (now + KEY_LIFETIME).to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Lets `typed` go on to the SDK server only if it is a live, unclaimed key that serves
/// `username`; else 1031 (one message for every reason) or, past the limit, 1032.
pub(crate) async fn check(state: &CustomerState, username: &str, typed: &str) -> Result<(), Failure> {
    let attempt = reserve_attempt(state, username).await?;
    let key = match state.sdk.get_pairing_key(typed).await {
        Ok(key) => Some(key),
        Err(e) if e.is_not_found() => None,
        Err(e) => {
            // Not the key's fault (unreachable, application disabled...): not a failed guess.
            forgive(state, attempt).await?;
            return Err(e).for_user(username);
        }
    };
    let good = key.is_some_and(|k| k.status == PairingKeyStatus::NotClaimed && serves(&k.pairing_data, username));
    if !good {
        tracing::info!(user = ?username, "pairing key refused by the customer server");
        return Err(ModernoResponse::new(Status::InvalidPairingKey, INVALID_PAIRING_KEY).into());
    }
    forgive(state, attempt).await?;
    Ok(())
}

/// Counts this check as a failure before it is made (so parallel checks cannot pass the limit
/// together), unless the user is already over the limit.
async fn reserve_attempt(state: &CustomerState, username: &str) -> Result<i64, Failure> {
    let now_ms = state.clock.now().timestamp_millis();
    let window_ms = FAILURE_WINDOW.num_milliseconds();
    let user = username.to_owned();
    let outcome = state
        .store
        .run(move |tx| {
            tx.execute("DELETE FROM pairing_key_checks WHERE at_ms <= ?1", [now_ms - window_ms])?;
            let (count, oldest): (i64, Option<i64>) = tx.query_row(
                "SELECT COUNT(*), MIN(at_ms) FROM pairing_key_checks WHERE username = ?1",
                [&user],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            if count >= MAX_FAILURES {
                return Ok(Err(oldest.unwrap_or(now_ms) + window_ms));
            }
            let id: i64 = tx.query_row(
                "INSERT INTO pairing_key_checks (username, at_ms) VALUES (?1, ?2) RETURNING id",
                params![user, now_ms],
                |r| r.get(0),
            )?;
            Ok(Ok(id))
        })
        .await?;
    outcome.map_err(|free_at_ms| {
        let free_at = DateTime::from_timestamp_millis(free_at_ms + 999).unwrap_or_default();
        let text = format!(
            "too many attempts: too many wrong pairing keys for this user ({MAX_FAILURES} in {} minutes): try again after {}",
            FAILURE_WINDOW.num_minutes(),
            free_at.to_rfc3339_opts(SecondsFormat::Secs, true)
        );
        ModernoResponse::new(Status::TooManyAttempts, text).into()
    })
}

/// The check did not fail after all: it does not count.
async fn forgive(state: &CustomerState, attempt: i64) -> Result<(), Failure> {
    state.store.run(move |conn| conn.execute("DELETE FROM pairing_key_checks WHERE id = ?1", [attempt])).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The convention the web page writes ([D-PK]: the customer server binds keys).
    #[test]
    fn a_key_serves_its_user_or_any_user_of_a_group() {
        assert_eq!(pairing_data_for("carol"), "user:carol");
        assert!(serves("user:carol", "carol"));
        assert!(!serves("user:carol", "dave"));
        assert!(!serves("user:carol ", "carol"), "pairing data is compared exactly as saved");
        assert!(serves("group:staff", "dave"));
        assert!(!serves("anything else", "carol"));
        assert!(!serves("", "carol"));
    }

    #[test]
    fn the_expected_expiry_is_the_lifetime_from_now() {
        let now = DateTime::from_timestamp(1_893_456_000, 0).expect("a time");
        assert_eq!(expected_expiry(now), "2030-01-01T00:10:00Z");
    }
}
