//! A SQLite file's own thread: every async read and write of one [`Database`](crate::Database)
//! on SQLite runs there, one after another, in the order asked.
//!
//! The connection is one (behind a mutex), so its calls run one at a time wherever they run. On
//! tokio's blocking pool each call waiting for the mutex held a pool thread of its own: under
//! load dozens of threads, each with its stack and its malloc arena, which the process kept after
//! the burst — resident memory that crept up with every busier minute while the memory in use
//! stayed flat (docs/benchmarks.md, "Resident memory"). Here a waiting call is a queued closure,
//! and the connection's memory (its page cache, its prepared statements) is allocated by one
//! thread.

use std::panic::AssertUnwindSafe;
use std::sync::mpsc;

use crate::error::Error;

type Job = Box<dyn FnOnce() + Send>;

/// The thread's queue. The thread ends once this is dropped and the calls queued before have run.
pub(crate) struct SqliteThread {
    jobs: mpsc::Sender<Job>,
}

impl SqliteThread {
    /// Starts the thread, named for the file it serves (as `ps -L` and a debugger show it).
    pub(crate) fn start(file_name: &str) -> std::io::Result<Self> {
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new().name(format!("sqlite {file_name}")).spawn(move || {
            for job in queue {
                job();
            }
        })?;
        Ok(Self { jobs })
    }

    /// `f`'s answer, run on the thread after the calls queued before it; as tokio's blocking
    /// pool ran it: in the caller's runtime context, to the end even when the caller stops
    /// waiting (a write started is committed or rolled back, never cut off), a panic the
    /// caller's [`Error::Panicked`] and not the thread's end.
    pub(crate) async fn run<T, E>(&self, f: impl FnOnce() -> Result<T, E> + Send + 'static) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<Error> + Send + 'static,
    {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let runtime = tokio::runtime::Handle::try_current().ok();
        let job: Job = Box::new(move || {
            let _entered = runtime.as_ref().map(tokio::runtime::Handle::enter);
            // A panic drops `answer` unsent: the caller hears of it below.
            if let Ok(outcome) = std::panic::catch_unwind(AssertUnwindSafe(f)) {
                let _ = answer.send(outcome);
            }
        });
        if self.jobs.send(job).is_err() {
            return Err(Error::Unavailable("the database's thread has ended".into()).into());
        }
        answered.await.unwrap_or_else(|_| Err(Error::Panicked("the database call panicked".into()).into()))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn calls_run_one_after_another_on_the_files_thread_in_the_order_asked() {
        let thread = SqliteThread::start("test").unwrap();
        let done = Arc::new(Mutex::new(Vec::new()));
        let (first, second) = (Arc::clone(&done), Arc::clone(&done));
        // `join!` polls the first call first: it is queued first, and the second waits for it
        // however long it takes.
        let (a, b) = tokio::join!(
            thread.run(move || -> Result<_, Error> {
                std::thread::sleep(Duration::from_millis(50));
                first.lock().unwrap().push("first");
                Ok(std::thread::current().name().map(str::to_owned))
            }),
            thread.run(move || -> Result<_, Error> {
                second.lock().unwrap().push("second");
                Ok(std::thread::current().name().map(str::to_owned))
            })
        );
        assert_eq!(*done.lock().unwrap(), ["first", "second"]);
        assert_eq!((a.unwrap().as_deref(), b.unwrap().as_deref()), (Some("sqlite test"), Some("sqlite test")));
    }

    #[tokio::test]
    async fn a_panicking_call_is_the_callers_error_and_the_thread_goes_on() {
        let thread = SqliteThread::start("test").unwrap();
        let panicked = thread.run(|| -> Result<(), Error> { panic!("a bug in a closure") }).await;
        assert!(matches!(panicked, Err(Error::Panicked(ref m)) if m.contains("panicked")), "{panicked:?}");
        assert!(!panicked.unwrap_err().is_unavailable(), "a bug is no database that will answer in a moment");
        assert_eq!(thread.run(|| Ok::<_, Error>(7)).await.unwrap(), 7);
    }

    #[tokio::test]
    async fn a_call_whose_caller_stopped_waiting_still_runs_to_its_end() {
        let thread = SqliteThread::start("test").unwrap();
        let done = Arc::new(Mutex::new(false));
        let flag = Arc::clone(&done);
        let call = thread.run(move || -> Result<(), Error> {
            std::thread::sleep(Duration::from_millis(50));
            *flag.lock().unwrap() = true;
            Ok(())
        });
        // Given up at once (a request cancelled): the closure was queued and runs all the same.
        let _ = tokio::time::timeout(Duration::from_millis(1), call).await;
        thread.run(|| Ok::<_, Error>(())).await.unwrap();
        assert!(*done.lock().unwrap());
    }

    #[tokio::test]
    async fn the_call_sees_the_callers_runtime() {
        let thread = SqliteThread::start("test").unwrap();
        let spawned = thread.run(|| -> Result<_, Error> { Ok(tokio::spawn(async { 5 })) }).await.unwrap();
        assert_eq!(spawned.await.unwrap(), 5);
    }
}
