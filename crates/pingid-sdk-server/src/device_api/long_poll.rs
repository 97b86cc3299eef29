//! Long polls (`?waitSeconds=N`, 0 to 25): read now, and when there is nothing, wait for a wake-up
//! or the deadline (real time) and read once more.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use crate::error::{ApiError, ApiResult};

/// The longest a poll may wait.
pub const MAX_WAIT_SECONDS: u64 = 25;

/// `waitSeconds` from the query: absent is 0; else a whole number up to 25.
pub fn wait_seconds(query: &str) -> ApiResult<u64> {
    let value = query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(name, _)| *name == "waitSeconds")
        .map(|(_, value)| value);
    match value {
        None => Ok(0),
        Some(v) => match v.parse::<u64>() {
            Ok(n) if n <= MAX_WAIT_SECONDS => Ok(n),
            Ok(_) => Err(ApiError::out_of_range("waitSeconds", "waitSeconds is a whole number from 0 to 25")),
            Err(_) => Err(ApiError::invalid_value("waitSeconds", "waitSeconds is a whole number from 0 to 25")),
        },
    }
}

/// Calls `read` until it finds something or `wait_seconds` have passed; `wake` is notified when
/// something may have arrived.
pub async fn until_found<T, F, Fut>(wake: Arc<Notify>, wait_seconds: u64, mut read: F) -> ApiResult<Vec<T>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ApiResult<Vec<T>>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(wait_seconds);
    loop {
        let notified = wake.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let found = read().await?;
        if !found.is_empty() || tokio::time::Instant::now() >= deadline {
            return Ok(found);
        }
        // Woken, or the deadline: either way read once more.
        let _ = tokio::time::timeout_at(deadline, notified).await;
    }
}
