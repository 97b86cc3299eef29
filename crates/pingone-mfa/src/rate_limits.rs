//! Sliding-window limits on what an attacker could repeat: wrong pairing keys (per device, per
//! named user, and for everyone together). Pushes have PingOne's own limit (`push_limit`).
//! Events are rows in `rate_events`; checks and records run in the caller's transaction, so
//! parallel requests are counted one by one and cannot pass a limit together.

use chrono::Duration;
use moderno_sql::{params, Conn, OptionalExtension};

use crate::store::rfc3339;
use crate::ApiError;

/// At most `max` events of `kind` per bucket within `window`.
pub struct Limit {
    pub kind: &'static str,
    pub max: u32,
    pub window: Duration,
    /// What is limited, for the message ("wrong pairing keys").
    pub what: &'static str,
}

impl Limit {
    /// Refuses (429 `REQUEST_LIMITED`) once `bucket` has had `max` events within the window; the
    /// message and `Retry-After` say when the oldest of them leaves it.
    pub fn check(&self, tx: &Conn<'_>, bucket: &str, now: i64) -> Result<(), ApiError> {
        let window = self.window.num_seconds();
        let Some(nth) = self.max.checked_sub(1) else {
            return Err(self.refusal(now, now + window));
        };
        let oldest_counted: Option<i64> = tx
            .query_row(
                "SELECT at FROM rate_events WHERE kind = ?1 AND bucket = ?2 AND at > ?3 ORDER BY at DESC LIMIT 1 OFFSET ?4",
                params![self.kind, bucket, now - window, nth],
                |r| r.get(0),
            )
            .optional()?;
        match oldest_counted {
            Some(at) => Err(self.refusal(now, at + window)),
            None => Ok(()),
        }
    }

    fn refusal(&self, now: i64, free_at: i64) -> ApiError {
        tracing::warn!(limit = self.kind, "rate limit reached");
        ApiError::RateLimited {
            retry_at: rfc3339(free_at),
            message: format!(
                "too many {} ({} in {} minutes): try again after {}",
                self.what,
                self.max,
                self.window.num_minutes(),
                rfc3339(free_at)
            ),
            retry_after: (free_at - now).max(1),
        }
    }

    /// Counts one event for `bucket`, and forgets this kind's events older than the window.
    pub fn record(&self, tx: &Conn<'_>, bucket: &str, now: i64) -> Result<(), ApiError> {
        tx.execute(
            "DELETE FROM rate_events WHERE kind = ?1 AND at <= ?2",
            params![self.kind, now - self.window.num_seconds()],
        )?;
        tx.execute("INSERT INTO rate_events (kind, bucket, at) VALUES (?1, ?2, ?3)", params![self.kind, bucket, now])?;
        Ok(())
    }
}
