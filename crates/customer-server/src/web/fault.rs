//! What the pages answer when a step could not be taken: a refusal of the login form, or a fault
//! of this server — which, when the database did not answer in time, passes.

use axum::http::header::RETRY_AFTER;
use axum::http::StatusCode;
use axum::response::Response;

use super::Note;

/// Why a login form's username and password did not pass, or a step could not be taken: the
/// HTTP status and the words for the form.
pub(crate) struct Refused {
    pub(crate) status: StatusCode,
    pub(crate) text: String,
    /// The database did not answer in time: it passes, so the answer says when to try again.
    pub(crate) busy: bool,
}

impl Refused {
    /// The refusal on the form that `form` draws with its status and an error note; a busy
    /// database's also says when to try again (`Retry-After`), as the stack's other services do.
    pub(crate) fn shown(&self, form: impl FnOnce(StatusCode, Note<'_>) -> Response) -> Response {
        let mut response = form(self.status, Note::error(&self.text));
        if self.busy {
            response.headers_mut().insert(RETRY_AFTER, moderno_sql::Error::RETRY_AFTER_SECONDS.into());
        }
        response
    }
}

const SORRY: &str = "Something went wrong on our side. Please try again.";

/// What the pages say while the database does not answer in time.
pub(crate) const BUSY: &str = "Moderno is busy right now. Please try again in a moment.";

/// What the pages answer for a fault of this server, logged here once (the database's and our
/// words carry no secret, `moderno_sql::Error`). A database that did not answer in time
/// (`moderno_sql::Error::Unavailable`: no turn to write within 10 s, no pooled connection)
/// passes: 503 with `Retry-After` and [`BUSY`] on the page (RFC 9110 section 15.6.4: 503 is "a
/// temporary overload", `Retry-After` says how long; the page is our own, Ping publishes none),
/// a warning, as the other services answer it (docs/fidelity.md, "Customer server: a database
/// that does not answer in time"). Anything else is 500 and [`SORRY`], an error.
pub(crate) fn fault(e: &anyhow::Error) -> Refused {
    if database_unavailable(e) {
        tracing::warn!(error = %format!("{e:#}"), "the database did not answer in time");
        return Refused { status: StatusCode::SERVICE_UNAVAILABLE, text: BUSY.to_owned(), busy: true };
    }
    tracing::error!(error = %format!("{e:#}"), "internal failure");
    Refused { status: StatusCode::INTERNAL_SERVER_ERROR, text: SORRY.to_owned(), busy: false }
}

/// Whether `e` is, or was caused by, a database that did not answer in time (the store wraps
/// `moderno_sql::Error` in context).
fn database_unavailable(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| cause.downcast_ref::<moderno_sql::Error>().is_some_and(moderno_sql::Error::is_unavailable))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use axum::extract::State;
    use axum_extra::extract::cookie::CookieJar;

    use crate::state::CustomerState;
    use crate::web::{Credentials, Posted};

    /// A response's status, `Retry-After` and page.
    pub(crate) async fn answered(response: Response) -> (StatusCode, Option<String>, String) {
        let retry_after = response.headers().get(RETRY_AFTER).map(|v| v.to_str().expect("ASCII").to_owned());
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.expect("a body");
        (status, retry_after, String::from_utf8(bytes.to_vec()).expect("UTF-8"))
    }

    /// What the store hands the pages when the database did not answer in time (it adds context).
    pub(crate) fn unavailable() -> anyhow::Error {
        anyhow::Error::from(moderno_sql::Error::Unavailable("no turn to write within 10.0 s: held".into()))
            .context("database")
    }

    #[tokio::test]
    async fn a_database_that_does_not_answer_in_time_is_the_form_saying_try_again_and_any_other_fault_500() {
        for busy in [unavailable(), moderno_sql::Error::Unavailable("the database is closed".into()).into()] {
            let (status, retry_after, html) = answered(super::super::internal(&busy)).await;
            assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{busy:#}");
            assert_eq!(retry_after.as_deref(), Some("1"));
            assert!(html.contains(BUSY), "the note: {html}");
            assert!(html.contains(r#"action="/pairing-key""#), "the page with its form, not a bare error: {html}");
            assert!(!html.contains("turn") && !html.contains("closed"), "the cause stays in the log: {html}");
        }

        let others = [anyhow::Error::from(moderno_sql::Error::NoRows).context("database"), anyhow::anyhow!("task")];
        for other in others {
            let (status, retry_after, html) = answered(super::super::internal(&other)).await;
            assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{other:#}");
            assert_eq!(retry_after, None);
            assert!(html.contains(SORRY), "{html}");
        }
    }

    /// The SDK server's own fault (503 while its database is busy, 500) is no refusal: the form
    /// says to try again, as for an SDK server that cannot be reached; its words stay in the log.
    #[tokio::test]
    async fn an_sdk_server_that_is_busy_is_the_form_saying_try_again_not_a_refusal() {
        use moderno_wire::sdk::{ErrorBody, ErrorCode};
        for status in [503, 500] {
            let body = ErrorBody {
                id: "e".into(),
                code: ErrorCode::UnexpectedError,
                message: "the database did not answer in time".into(),
                target: None,
                inner_error: None,
                details: Vec::new(),
            };
            let error = Box::new(crate::sdk_client::SdkError::Api { status, body });
            let failure = crate::error::Failure::Sdk { error, username: Some("alice".into()) };
            let (page_status, _, html) = answered(super::super::sdk_failure(failure)).await;
            assert_eq!(page_status, StatusCode::SERVICE_UNAVAILABLE, "{status}: {html}");
            assert!(html.contains("The PingID service is not available right now. Please try again"), "{html}");
            assert!(html.contains(r#"action="/pairing-key""#), "the form to try again: {html}");
            assert!(!html.contains("refused") && !html.contains("database"), "{html}");
        }
    }

    /// A customer server whose database is a fresh PostgreSQL one, its writers' patience short
    /// (a service waits 10 s); `None` on SQLite, whose one connection no other session can hold
    /// up (the mapping is tested above on both).
    pub(crate) async fn on_postgres() -> Option<(tempfile::TempDir, CustomerState)> {
        if !moderno_sql::testing::on_postgres() {
            return None;
        }
        let dir = tempfile::tempdir().expect("a folder");
        let file = dir.path().join("c.sqlite3");
        let mut config = crate::config::CustomerConfig::demo("http://127.0.0.1:9/pingid/v1", file.clone(), "http://me");
        config.keep_at(&moderno_sql::testing::location(file));
        config.argon2 = crate::config::PasswordCost::TestOnlyCheap;
        let (clock, entropy) = (moderno_ambient::Clock::system(), moderno_ambient::Entropy::seeded(5));
        let state = CustomerState::open(config, clock, entropy).await.expect("opens");
        state.store.database().set_writer_patience(std::time::Duration::from_millis(300));
        Some((dir, state))
    }

    /// Another session holding the schema's writer lock (a stuck instance, say) until dropped:
    /// every write of the server then finds no turn within its patience.
    pub(crate) struct WriterLockHeld {
        release: Option<std::sync::mpsc::Sender<()>>,
        holder: Option<std::thread::JoinHandle<()>>,
    }

    impl WriterLockHeld {
        pub(crate) fn on(state: &CustomerState) -> Self {
            let db = state.store.database().clone();
            let (held, taken) = std::sync::mpsc::channel();
            let (release, released) = std::sync::mpsc::channel::<()>();
            let holder = std::thread::spawn(move || {
                db.blocking(move |_| {
                    held.send(()).expect("the test waits");
                    let _ = released.recv();
                    Ok::<_, moderno_sql::Error>(())
                })
                .expect("holds the writer lock");
            });
            taken.recv().expect("the writer lock is held");
            Self { release: Some(release), holder: Some(holder) }
        }
    }

    impl Drop for WriterLockHeld {
        fn drop(&mut self) {
            drop(self.release.take());
            if let Some(holder) = self.holder.take() {
                holder.join().expect("the holder lets go");
            }
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn while_the_database_does_not_answer_in_time_the_pairing_key_page_says_try_again_and_counts_nothing() {
        let Some((_dir, state)) = on_postgres().await else { return };
        let attempt = || {
            let credentials = Credentials::new("alice", "not-the-password");
            super::super::pairing_key(State(state.clone()), CookieJar::new(), Posted(credentials))
        };
        let held = WriterLockHeld::on(&state);
        let (status, retry_after, html) = answered(attempt().await).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{html}");
        assert_eq!(retry_after.as_deref(), Some("1"));
        assert!(html.contains(BUSY) && html.contains(r#"action="/pairing-key""#), "{html}");
        drop(held);

        assert_eq!(state.store.failures("alice").await.expect("reads"), Some(0), "the refused attempt counted nothing");
        let (status, _, html) = answered(attempt().await).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "the next attempt is checked: {html}");
        assert_eq!(state.store.failures("alice").await.expect("reads"), Some(1));
    }
}
