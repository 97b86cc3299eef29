//! Long polls (`?waitSeconds=N`, 0 to 25): read now, and when there is nothing, wait for a wake-up
//! or the deadline (real time) and read once more. On a shared database, meanwhile look again at a
//! bounded interval, so a lost wake-up from another instance delays an answer by at most that much.

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
/// something may have arrived (by this process, or by another instance through the database).
/// With a `recheck` (a shared database: another instance's wake-up may be lost while the
/// listening connection is down), `peek` looks that often and `take` runs again once it sees
/// something; without one (SQLite: only this process writes, and its writes wake `waiting`)
/// nothing is read until a wake-up or the deadline. `take` may write (it marks what it
/// answers); `peek` only reads.
pub async fn until_found<T, Take, TakeFut, Peek, PeekFut>(
    waiting: Waiting,
    wait_seconds: u64,
    recheck: Option<Duration>,
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
    let recheck = recheck.map(|every| every.max(Duration::from_millis(50)));
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
            let until = recheck.map_or(deadline, |every| deadline.min(Instant::now() + every));
            if tokio::time::timeout_at(until, notified.as_mut()).await.is_ok() || until >= deadline || peek().await? {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::wake::Waiters;

    /// Polls `key` for a second with nothing to find: (times `take` ran, times `peek` ran).
    async fn empty_poll(recheck: Option<Duration>) -> (usize, usize) {
        let (takes, peeks) = (AtomicUsize::new(0), AtomicUsize::new(0));
        let found = until_found(
            Waiters::default().wait_on("device"),
            1,
            recheck,
            || async {
                takes.fetch_add(1, Ordering::Relaxed);
                Ok(Vec::<()>::new())
            },
            || async {
                peeks.fetch_add(1, Ordering::Relaxed);
                Ok(false)
            },
        )
        .await
        .expect("the poll answers");
        assert!(found.is_empty());
        (takes.into_inner(), peeks.into_inner())
    }

    #[tokio::test]
    async fn without_a_recheck_a_waiting_poll_reads_only_at_its_start_and_its_deadline() {
        assert_eq!(empty_poll(None).await, (2, 0), "no read on a timer (SQLite)");
    }

    #[tokio::test]
    async fn with_a_recheck_a_waiting_poll_also_peeks_while_it_waits() {
        let (takes, peeks) = empty_poll(Some(Duration::from_millis(100))).await;
        assert_eq!(takes, 2, "peeks found nothing, so no extra take");
        assert!(peeks >= 1, "a shared database is looked at while waiting: {peeks} peeks");
    }
}
