//! The listening loop `approve` and `pf-approve` share: long polls until a deadline, riding out a
//! server that is briefly unreachable.

use std::future::Future;
use std::time::{Duration, Instant};

use moderno_device::{DeviceError, MAX_WAIT_SECONDS};
use serde_json::json;

use crate::output::Output;

/// The next batch from `poll` (called with how long it may wait), or `None` once `deadline` has
/// passed. An unreachable server is reported and tried again two seconds later.
pub async fn next_batch<T, F, Fut>(
    deadline: Option<Instant>,
    out: &Output,
    mut poll: F,
) -> Result<Option<Vec<T>>, DeviceError>
where
    F: FnMut(Duration) -> Fut,
    Fut: Future<Output = Result<Vec<T>, DeviceError>>,
{
    let longest = Duration::from_secs(MAX_WAIT_SECONDS);
    loop {
        let left = deadline.map_or(longest, |d| d.saturating_duration_since(Instant::now()));
        if left.is_zero() {
            out.step("stopped", "time is up", json!({}));
            return Ok(None);
        }
        match poll(left.min(longest)).await {
            Ok(batch) => return Ok(Some(batch)),
            Err(e @ DeviceError::ServerUnreachable { .. }) => {
                out.error(&e);
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// When `--for SECONDS` ends the listening.
pub fn deadline(for_seconds: Option<u64>) -> Option<Instant> {
    for_seconds.map(|s| Instant::now() + Duration::from_secs(s))
}
