//! Push bombing (ASVS 5 V6.6.4): a user is sent at most `push_limit` pushes per
//! `push_limit_window`. Checked inside the transaction that queues the push, so parallel starts
//! cannot pass it together; logins that send no push are not counted. Beyond Ping (Ping publishes
//! no such limit); `push_limit` 0 switches it off.

use moderno_sql::Conn;

use crate::config::SdkConfig;
use crate::error::{ApiError, ApiResult};
use crate::store::authentications as auths;
use crate::timestamps::{ms, rfc3339};

/// Refuses (400 `REQUEST_FAILED`, detail `RETRY_LIMIT_EXCEEDED`: Ping's codes, [S-MODEL]
/// `InternalErrorCode.java`) when this user already had `push_limit` pushes within the window; the
/// message says when the next one may be sent.
pub fn check(conn: &Conn<'_>, config: &SdkConfig, username: &str, application_id: &str, now_ms: i64) -> ApiResult<()> {
    let Some(last_allowed) = config.push_limit.checked_sub(1) else {
        return Ok(());
    };
    let window = ms(config.push_limit_window);
    let Some(oldest_counted) = auths::nth_latest_push(conn, username, application_id, now_ms - window, last_allowed)?
    else {
        return Ok(());
    };
    // rfc3339 shows whole seconds: round up, so the time shown is never too early.
    let free_at = (oldest_counted + window + 999).div_euclid(1000) * 1000;
    Err(ApiError::retry_limit(format!(
        "too many push requests for this user ({} in {} minutes): try again after {}",
        config.push_limit,
        config.push_limit_window.num_minutes(),
        rfc3339(free_at)
    )))
}
