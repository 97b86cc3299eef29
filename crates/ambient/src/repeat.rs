//! Work a service repeats while it runs (the scheduled purge of finished records).

use std::future::Future;
use std::sync::{Arc, Weak};
use std::time::Duration;

/// Runs `job` every `every` of real time (the first run one interval after this call, never at
/// once), as long as `owner` is alive: the task holds only a weak reference and ends once the
/// owner's last handle is dropped. Nothing is scheduled with a zero interval or outside a tokio
/// runtime.
pub fn every_while_alive<T, F, Fut>(owner: &Arc<T>, every: Duration, job: F)
where
    T: Send + Sync + 'static,
    F: Fn(Arc<T>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
    if every.is_zero() {
        return;
    }
    let weak: Weak<T> = Arc::downgrade(owner);
    runtime.spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            let Some(owner) = weak.upgrade() else { break };
            job(owner).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_job_runs_each_interval_not_at_once_and_stops_with_its_owner() {
        let runs = Arc::new(AtomicUsize::new(0));
        let owner = Arc::new(());
        let counted = Arc::clone(&runs);
        every_while_alive(&owner, Duration::from_secs(600), move |_| {
            let counted = Arc::clone(&counted);
            async move {
                counted.fetch_add(1, Ordering::SeqCst);
            }
        });
        tokio::time::sleep(Duration::from_secs(599)).await;
        assert_eq!(runs.load(Ordering::SeqCst), 0, "not at start");
        tokio::time::sleep(Duration::from_secs(1251)).await;
        assert_eq!(runs.load(Ordering::SeqCst), 3);
        drop(owner);
        tokio::time::sleep(Duration::from_secs(3600)).await;
        assert_eq!(runs.load(Ordering::SeqCst), 3, "nothing after the owner is gone");
    }

    #[tokio::test(start_paused = true)]
    async fn a_zero_interval_schedules_nothing() {
        let runs = Arc::new(AtomicUsize::new(0));
        let owner = Arc::new(());
        let counted = Arc::clone(&runs);
        every_while_alive(&owner, Duration::ZERO, move |_| {
            let counted = Arc::clone(&counted);
            async move {
                counted.fetch_add(1, Ordering::SeqCst);
            }
        });
        tokio::time::sleep(Duration::from_secs(3600)).await;
        assert_eq!(runs.load(Ordering::SeqCst), 0);
    }
}
