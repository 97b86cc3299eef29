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

/// Logs what one scheduled purge deleted, as `tracing` fields named after each kind
/// (`log_purged!(flows = purged.flows, codes = purged.codes)`), once and only when any count is
/// non-zero: a quiet purge says nothing, so a server's log does not fill with empty rounds.
#[macro_export]
macro_rules! log_purged {
    ($($kind:ident = $count:expr),+ $(,)?) => {{
        $(let $kind: usize = $count;)+
        if 0 $(+ $kind)+ > 0 {
            $crate::repeat::__tracing::info!($($kind),+, "finished records purged");
        }
    }};
}

// For `log_purged!` in crates that name `tracing` otherwise or not at all.
#[doc(hidden)]
pub use tracing as __tracing;

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

#[cfg(test)]
mod log_purged_tests {
    use std::sync::{Arc, Mutex};

    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Metadata, Subscriber};

    /// Each event as its fields, `name=value`, in order.
    #[derive(Clone, Default)]
    struct Events(Arc<Mutex<Vec<String>>>);

    struct Fields(Vec<String>);

    impl Visit for Fields {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            self.0.push(format!("{}={value:?}", field.name()));
        }
    }

    impl Subscriber for Events {
        fn enabled(&self, _: &Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, _: &Attributes<'_>) -> Id {
            Id::from_u64(1)
        }
        fn record(&self, _: &Id, _: &Record<'_>) {}
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, event: &Event<'_>) {
            let mut fields = Fields(vec![format!("level={}", event.metadata().level())]);
            event.record(&mut fields);
            self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(fields.0.join(" "));
        }
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
    }

    fn logged(purge: impl FnOnce()) -> Vec<String> {
        let events = Events::default();
        tracing::subscriber::with_default(events.clone(), purge);
        let logged = events.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        logged
    }

    #[test]
    fn a_purge_that_deleted_something_logs_one_line_with_a_field_per_kind() {
        let logged = logged(|| crate::log_purged!(flows = 2, codes = 0));
        assert_eq!(logged, ["level=INFO message=finished records purged flows=2 codes=0"]);
    }

    #[test]
    fn a_purge_that_deleted_nothing_logs_nothing() {
        assert_eq!(logged(|| crate::log_purged!(authentications = 0, pairings = 0)), Vec::<String>::new());
    }
}
