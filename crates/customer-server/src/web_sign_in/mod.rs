//! Web sign-in approved by the device: a user signs in to online banking on this server's web
//! page with username and password, and — Ping's authentication `payload` being optional
//! ([D-AUTH]; Ping's sample authenticates web callers without one, [S-MOD]) — the server starts
//! an authentication without a payload, which pushes to the user's trusted device. The page
//! shows which device was asked (and the number to pick under number matching), polls
//! `/sign-in/status` until the device answers, then lands on the signed-in page. An offline
//! device gives way to its offline passcode; a timed-out push can be sent again. A user without
//! a paired device gets the pairing-key page instead.
//!
//! | route | what |
//! |---|---|
//! | `GET /sign-in` | the form |
//! | `POST /sign-in` | first factor, then the push (303 to the waiting page) or the pairing key |
//! | `GET /sign-in/wait` | the sign-in as it stands: waiting, passcode, timed out, choose, signed in, refused |
//! | `GET /sign-in/status` | JSON for the waiting page's script: `waiting` (with `secondsLeft`), `decided`, `ended` |
//! | `POST /sign-in/passcode`, `/retry`, `/device`, `/cancel`, `/sign-out` | the page's buttons |
//! | `GET /sign-in.js` | the waiting page's script |

mod answers;
mod flow;
mod pages;

use std::future::Future;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use axum_extra::extract::cookie::CookieJar;
use moderno_wire::sdk::{AuthenticationStatus as Auth, OtpRequest, UserStatus};
use serde::Deserialize;
use tracing::Instrument as _;

use crate::state::CustomerState;
use crate::web::{self, Note, Posted};
use answers::{ended_session, internal, read, reshow, show, to_wait, trouble};
use flow::Pending;

/// The web sign-in's routes.
pub(crate) fn routes() -> Router<CustomerState> {
    Router::new()
        .route("/sign-in", get(form).post(sign_in))
        .route("/sign-in/wait", get(wait))
        .route("/sign-in/status", get(status))
        .route("/sign-in/passcode", post(passcode))
        .route("/sign-in/retry", post(retry))
        .route("/sign-in/device", post(choose_device))
        .route("/sign-in/cancel", post(cancel))
        .route("/sign-in/sign-out", post(sign_out))
        .route("/sign-in.js", get(script))
        .layer(DefaultBodyLimit::max(web::MAX_FORM_BYTES))
}

/// Runs a step in the span `web_sign_in`, recording the HTTP status it answered.
async fn traced(step: &'static str, work: impl Future<Output = Response>) -> Response {
    let span = tracing::info_span!("web_sign_in", step, status = tracing::field::Empty);
    async move {
        let response = work.await;
        tracing::Span::current().record("status", response.status().as_u16());
        tracing::info!("answered");
        response
    }
    .instrument(span)
    .await
}

async fn form() -> Response {
    web::page(StatusCode::OK, &pages::Form { note: None })
}

/// The passcode form's field.
#[derive(Deserialize, Default)]
struct PasscodeForm {
    #[serde(default)]
    otp: String,
}

/// The device chooser's field.
#[derive(Deserialize, Default)]
struct DeviceForm {
    #[serde(default, rename = "deviceId")]
    device_id: String,
}

async fn script() -> Response {
    web::chrome::script(include_str!("sign_in.js"))
}

/// `POST /sign-in`: the first factor (with its back-off), then the device's approval or, for a
/// user without a paired device, a pairing key.
async fn sign_in(
    State(state): State<CustomerState>,
    headers: HeaderMap,
    jar: CookieJar,
    Posted(credentials): Posted<web::Credentials>,
) -> Response {
    traced("sign_in", async {
        let username = match web::check_credentials(&state, &credentials).await {
            Ok(username) => username,
            Err(refused) => return refused.shown(answers::form),
        };
        let user = match state.sdk.get_user(&username, true).await {
            Ok(user) => Some(user),
            Err(e) if e.is_not_found() => None,
            Err(e) => return trouble(&state, None, &username, e.into()).await,
        };
        if user.as_ref().is_some_and(|u| u.status == UserStatus::Suspended) {
            return answers::suspended();
        }
        if user.and_then(|u| u.devices).unwrap_or_default().is_empty() {
            // The pairing-key path: a first device pairs with a key from this page.
            return web::key_response(&state, jar, &username).await;
        }
        match flow::start(&state, &username, &flow::browser(&headers)).await {
            Ok((id, _)) => (jar.add(flow::pending_cookie(&state, id)), to_wait()).into_response(),
            Err(e) => trouble(&state, None, &username, e).await,
        }
    })
    .await
}

/// `GET /sign-in/wait`: the sign-in as it stands. An approval is turned into the signed-in
/// page here, once.
async fn wait(State(state): State<CustomerState>, jar: CookieJar) -> Response {
    traced("wait", async {
        let pending = match flow::pending(&state, &jar).await {
            Ok(Some(pending)) => pending,
            Ok(None) => return answers::nothing_waiting(&state, &jar).await,
            Err(e) => return internal(&e),
        };
        match read(&state, &pending).await {
            Ok(auth) => show(&state, &pending, auth, None).await,
            Err(e) => trouble(&state, Some(&pending), &pending.username, e).await,
        }
    })
    .await
}

/// `GET /sign-in/status`: `{"state": "waiting", "secondsLeft": n}` while the push waits,
/// `decided` once the page has something else to show, `ended` without a waiting sign-in;
/// `unavailable` (503) while PingID or this server's database cannot be asked (a busy database's
/// with `Retry-After`).
async fn status(State(state): State<CustomerState>, jar: CookieJar) -> Response {
    let mut busy = false;
    let (code, body) = match flow::pending(&state, &jar).await {
        Ok(None) => (StatusCode::OK, serde_json::json!({"state": "ended"})),
        Ok(Some(pending)) => match state.sdk.get_authentication(&pending.username, &pending.authentication_id).await {
            Ok(auth) if auth.status == Auth::InProgress => {
                let mut body =
                    serde_json::json!({"state": "waiting", "secondsLeft": flow::seconds_left(&state, &pending)});
                if let Some(n) = auth.match_number {
                    body["matchNumber"] = n.into();
                }
                (StatusCode::OK, body)
            }
            Ok(_) => (StatusCode::OK, serde_json::json!({"state": "decided"})),
            Err(e) if e.status().is_some() => (StatusCode::OK, serde_json::json!({"state": "decided"})),
            Err(_) => (StatusCode::SERVICE_UNAVAILABLE, serde_json::json!({"state": "unavailable"})),
        },
        Err(e) => {
            busy = web::fault(&e).busy;
            (StatusCode::SERVICE_UNAVAILABLE, serde_json::json!({"state": "unavailable"}))
        }
    };
    let mut response = (code, axum::Json(body)).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if busy {
        response.headers_mut().insert(header::RETRY_AFTER, moderno_sql::Error::RETRY_AFTER_SECONDS.into());
    }
    response
}

/// `POST /sign-in/passcode` (`otp`): the offline passcode of a trusted device.
async fn passcode(State(state): State<CustomerState>, jar: CookieJar, Posted(form): Posted<PasscodeForm>) -> Response {
    traced("passcode", async {
        let pending = match waiting(&state, &jar).await {
            Ok(pending) => pending,
            Err(answer) => return answer,
        };
        let otp: String = form.otp.chars().filter(|c| !c.is_whitespace()).collect();
        if otp.len() != 6 || !otp.bytes().all(|b| b.is_ascii_digit()) {
            // Nothing goes to PingID: a typo costs no try.
            return reshow(&state, &pending, Note::error("The offline passcode is 6 digits.")).await;
        }
        let request = OtpRequest { otp, payload: None };
        match state.sdk.submit_otp(&pending.username, &pending.authentication_id, &request).await {
            Ok(auth) => {
                tracing::info!(user = ?pending.username, status = ?auth.status, "offline passcode checked");
                to_wait()
            }
            Err(e) if e.is_not_in_state() => match read(&state, &pending).await {
                Ok(auth) if matches!(auth.status, Auth::Otp | Auth::InvalidOtp | Auth::Timeout) => {
                    // Still waiting for a passcode, but its time is over.
                    answers::end(
                        &state,
                        &pending,
                        StatusCode::OK,
                        "Too late for a passcode",
                        "The time to type an offline passcode is over. Sign in again.",
                    )
                    .await
                }
                _ => to_wait(),
            },
            Err(e) => trouble(&state, Some(&pending), &pending.username, e.into()).await,
        }
    })
    .await
}

/// `POST /sign-in/retry`: a new push to the same device (after a timeout).
async fn retry(State(state): State<CustomerState>, headers: HeaderMap, jar: CookieJar) -> Response {
    traced("retry", async {
        let pending = match waiting(&state, &jar).await {
            Ok(pending) => pending,
            Err(answer) => return answer,
        };
        let device_id = pending.device_id.clone();
        ask_again(&state, &pending, device_id, &flow::browser(&headers)).await
    })
    .await
}

/// `POST /sign-in/device` (`deviceId`): the device the user picked approves.
async fn choose_device(
    State(state): State<CustomerState>,
    headers: HeaderMap,
    jar: CookieJar,
    Posted(form): Posted<DeviceForm>,
) -> Response {
    traced("choose_device", async {
        let pending = match waiting(&state, &jar).await {
            Ok(pending) => pending,
            Err(answer) => return answer,
        };
        let device_id = form.device_id;
        let offered = match state.sdk.get_user(&pending.username, true).await {
            Ok(user) => user.devices.unwrap_or_default().iter().any(|d| d.id == device_id),
            Err(e) => return trouble(&state, Some(&pending), &pending.username, e.into()).await,
        };
        if !offered {
            return reshow(&state, &pending, Note::error("Choose one of your devices below.")).await;
        }
        ask_again(&state, &pending, Some(device_id), &flow::browser(&headers)).await
    })
    .await
}

/// `POST /sign-in/cancel`: withdraws the push and ends the sign-in.
async fn cancel(State(state): State<CustomerState>, jar: CookieJar) -> Response {
    traced("cancel", async {
        let pending = match pending_or_ended(&state, &jar).await {
            Ok(pending) => pending,
            Err(busy) => return busy,
        };
        if let Some(pending) = pending {
            flow::withdraw(&state, &pending).await;
            if let Err(e) = flow::abandon(&state, &pending).await {
                return internal(&e);
            }
        }
        answers::with_pending_cookie_removed(
            &state,
            answers::form(StatusCode::OK, Note::info("The sign-in was canceled.")),
        )
    })
    .await
}

/// `POST /sign-in/sign-out`.
async fn sign_out(State(state): State<CustomerState>, jar: CookieJar) -> Response {
    traced("sign_out", async {
        if let Err(e) = flow::sign_out(&state, &jar).await {
            return internal(&e);
        }
        let jar = jar.add(flow::signed_in_cookie_removed(&state));
        (jar, answers::form(StatusCode::OK, Note::info("You are signed out."))).into_response()
    })
    .await
}

async fn ask_again(state: &CustomerState, pending: &Pending, device_id: Option<String>, browser: &str) -> Response {
    match flow::restart(state, pending, device_id, browser).await {
        Ok(true) => to_wait(),
        Ok(false) => ended_session(),
        Err(e) => {
            // The old authentication is withdrawn: this sign-in is over either way.
            if let Err(e) = flow::abandon(state, pending).await {
                return internal(&e);
            }
            answers::with_pending_cookie_removed(state, trouble(state, None, &pending.username, e).await)
        }
    }
}

/// The request's waiting sign-in for a button, or the page to answer without one: it ended, or
/// the database did not answer in time ([`pending_or_ended`]).
async fn waiting(state: &CustomerState, jar: &CookieJar) -> Result<Pending, Response> {
    pending_or_ended(state, jar).await?.ok_or_else(ended_session)
}

/// The request's waiting sign-in, `None` when it has ended (or a fault of this server, logged,
/// hides it). While the database does not answer in time the sign-in may well still wait: `Err`
/// is then the form saying to try again in a moment (503), and nothing is ended.
async fn pending_or_ended(state: &CustomerState, jar: &CookieJar) -> Result<Option<Pending>, Response> {
    match flow::pending(state, jar).await {
        Ok(pending) => Ok(pending),
        Err(e) => {
            let fault = web::fault(&e);
            if fault.busy {
                return Err(fault.shown(answers::form));
            }
            Ok(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum_extra::extract::cookie::Cookie;

    use crate::sessions::LoginSession;
    use crate::web::fault::tests::{answered, on_postgres, unavailable, WriterLockHeld};
    use crate::web::fault::BUSY;

    #[tokio::test]
    async fn a_database_that_does_not_answer_in_time_is_the_sign_in_form_saying_try_again() {
        let (status, retry_after, html) = answered(answers::internal(&unavailable())).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(retry_after.as_deref(), Some("1"));
        assert!(html.contains(BUSY) && html.contains(r#"action="/sign-in""#), "{html}");
        assert!(!html.contains("turn"), "the cause stays in the log: {html}");

        let other = anyhow::Error::from(moderno_sql::Error::NoRows).context("database");
        let (status, retry_after, _) = answered(answers::internal(&other)).await;
        assert_eq!((status, retry_after), (StatusCode::INTERNAL_SERVER_ERROR, None));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn while_the_database_does_not_answer_in_time_sign_in_and_cancel_say_try_again_and_keep_the_sign_in() {
        let Some((_dir, state)) = on_postgres().await else { return };
        let waiting = LoginSession {
            username: "alice".into(),
            authentication_id: Some("an-authentication".into()),
            ..LoginSession::default()
        };
        let id = state.sessions.start_login(waiting).await.expect("a waiting sign-in");
        let jar = CookieJar::new().add(Cookie::new(flow::PENDING_COOKIE, id.clone()));

        let held = WriterLockHeld::on(&state);
        let credentials = web::Credentials::new("alice", "not-the-password");
        let signing_in = sign_in(State(state.clone()), HeaderMap::new(), CookieJar::new(), Posted(credentials));
        let canceling = cancel(State(state.clone()), jar);
        for (step, response) in [("sign in", signing_in.await), ("cancel", canceling.await)] {
            let (status, retry_after, html) = answered(response).await;
            assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{step}: {html}");
            assert_eq!(retry_after.as_deref(), Some("1"), "{step}");
            assert!(html.contains(BUSY) && html.contains(r#"action="/sign-in""#), "{step}: {html}");
        }
        drop(held);

        assert!(state.sessions.login(&id).await.expect("reads").is_some(), "the sign-in still waits");
        assert_eq!(state.store.failures("alice").await.expect("reads"), Some(0), "the attempt counted nothing");
    }
}
