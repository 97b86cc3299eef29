//! PingOne's push limit (device authentication policy `mobile.applications[].pushLimit`, Ping's
//! OpenAPI as transcribed in `patrickcping/pingone-go-sdk-v2` `mfa/generate/pingone-mfa.yml`):
//! `count` (5) "consecutive push notifications that can be ignored or rejected" within
//! `timePeriod` (10 minutes), after which pushes are locked for `lockDuration` (30 minutes).
//!
//! Every push queued is an event in `rate_events` (kind `push`, bucket the user); an approved push
//! ends the run (the user's events are forgotten), so what is left are pushes not approved: denied,
//! wrong number, timed out, replaced by another, or still waiting. `count` of them within
//! `timePeriod` lock pushes until `lockDuration` after the last of them. Checks and records run in
//! the caller's transaction, so parallel starts are counted one by one.

use chrono::Duration;
use moderno_sql::{params, Conn};

use crate::store::rfc3339;
use crate::ApiError;

const KIND: &str = "push";

pub struct PushLimit {
    pub count: u32,
    pub time_period: Duration,
    pub lock_duration: Duration,
}

impl PushLimit {
    /// When pushes to `user` are locked until (a time after `now`), if they are.
    fn locked_until(&self, tx: &Conn<'_>, user: &str, now: i64) -> Result<Option<i64>, ApiError> {
        let (period, lock) = (self.time_period.num_seconds(), self.lock_duration.num_seconds());
        let Ok(count) = usize::try_from(self.count) else { return Ok(None) };
        if count == 0 {
            return Ok(Some(now + lock));
        }
        let times = tx.query_map(
            "SELECT at FROM rate_events WHERE kind = ?1 AND bucket = ?2 AND at > ?3 ORDER BY at",
            params![KIND, user, now - period - lock],
            |r| r.get::<_, i64>(0),
        )?;
        let lock_end =
            times.windows(count).filter(|run| run[count - 1] - run[0] <= period).map(|run| run[count - 1] + lock).max();
        Ok(lock_end.filter(|end| *end > now))
    }

    /// Refuses (429 `REQUEST_LIMITED`, `Retry-After`) while pushes to `user` are locked.
    pub fn check(&self, tx: &Conn<'_>, user: &str, now: i64) -> Result<(), ApiError> {
        let Some(until) = self.locked_until(tx, user, now)? else { return Ok(()) };
        tracing::warn!(limit = KIND, "pushes are locked");
        Err(ApiError::RateLimited {
            message: format!(
                "{} pushes in a row were not approved within {} minutes: pushes to this user are locked, try again after {}",
                self.count,
                self.time_period.num_minutes(),
                rfc3339(until)
            ),
            retry_after: (until - now).max(1),
            retry_at: rfc3339(until),
        })
    }

    /// Counts a push queued for `user`, and forgets events no lock can come from any more.
    pub fn record(&self, tx: &Conn<'_>, user: &str, now: i64) -> Result<(), ApiError> {
        let horizon = now - self.time_period.num_seconds() - self.lock_duration.num_seconds();
        tx.execute("DELETE FROM rate_events WHERE kind = ?1 AND at <= ?2", params![KIND, horizon])?;
        tx.execute("INSERT INTO rate_events (kind, bucket, at) VALUES (?1, ?2, ?3)", params![KIND, user, now])?;
        Ok(())
    }

    /// An approved push ends the run of pushes that were not.
    pub fn approved(tx: &Conn<'_>, user: &str) -> Result<(), ApiError> {
        tx.execute("DELETE FROM rate_events WHERE kind = ?1 AND bucket = ?2", params![KIND, user])?;
        Ok(())
    }
}
