//! Long polls (`?waitSeconds=N`, 0 to 25): read now, and when there is nothing, wait for a wake-up
//! or the deadline (real time) and read once more; meanwhile look again at a bounded interval, so
//! a lost wake-up from another instance delays an answer by at most that much.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use crate::error::{ApiError, ApiResult};
use crate::wake::Waiting;

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

/// Calls `take` until it finds something or `wait_seconds` have passed. `waiting` is woken when
/// something may have arrived (by this process, or by another instance through the database);
/// in case a wake-up was lost (another instance's, while the listening connection was down, or
/// with no listening at all: two processes on one SQLite file), `peek` looks every `recheck` and
/// `take` runs again once it sees something. `take` may write (it marks what it answers);
/// `peek` only reads.
pub async fn until_found<T, Take, TakeFut, Peek, PeekFut>(
    waiting: Waiting,
    wait_seconds: u64,
    recheck: Duration,
    mut take: Take,
    mut peek: Peek,
) -> ApiResult<Vec<T>>
where
    Take: FnMut() -> TakeFut,
    TakeFut: Future<Output = ApiResult<Vec<T>>>,
    Peek: FnMut() -> PeekFut,
    PeekFut: Future<Output = ApiResult<bool>>,
{
    let deadline = Instant::now() + Duration::from_secs(wait_seconds);
    // A configured zero would look without pause.
    let recheck = recheck.max(Duration::from_millis(50));
    loop {
        let notified = waiting.notify().notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let found = take().await?;
        if !found.is_empty() || Instant::now() >= deadline {
            return Ok(found);
        }
        // Woken, the deadline, or something seen on a recheck: either way take once more.
        loop {
            let until = deadline.min(Instant::now() + recheck);
            if tokio::time::timeout_at(until, notified.as_mut()).await.is_ok() || until >= deadline || peek().await? {
                break;
            }
        }
    }
}
