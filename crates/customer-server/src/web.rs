//! The pairing-key web page (manual pairing, subflow 1): a user logs in on the bank's web site
//! and is shown a one-time key to type into Moderno Desktop on their first device — as text and
//! as a QR code, with its expiry counting down, and a button for a fresh key.
//!
//! The first factor opens a web session (a session token in an `HttpOnly`, `SameSite=Strict`
//! cookie, so another site cannot post with it): a fresh key needs no password again.
//! Everything shown is HTML-escaped by the templates; the key is never logged; the page is not
//! cached.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse as _, Response};
use axum_extra::extract::cookie::CookieJar;
use moderno_crypto::pairing_key;
use moderno_wire::sdk::{PairingKeyRequest, UserStatus};
use serde::Deserialize;
use tracing::Instrument as _;

use crate::error::{verdict_for, Failure, SdkVerdict};
use crate::first_factor::FirstFactor;
use crate::protocol::auth_user::pingid_user;
use crate::state::CustomerState;

pub(crate) mod chrome;
pub(crate) mod fault;
pub(crate) mod pages;

pub(crate) use chrome::{page, Note, Posted};
pub(crate) use fault::{fault, Refused};
pub(crate) use pages::Message;

pub(crate) const MAX_FORM_BYTES: usize = 64 * 1024;

/// `GET /`: the login form.
pub(crate) async fn login_form() -> Response {
    form(StatusCode::OK, None)
}

/// The web session's cookie (its value is a session token of [`crate::sessions::Sessions`]).
pub(crate) const SESSION_COOKIE: &str = "moderno_web";

/// `POST /pairing-key`: first factor, then a pairing key for a user without devices.
pub(crate) async fn pairing_key(
    State(state): State<CustomerState>,
    jar: CookieJar,
    Posted(credentials): Posted<Credentials>,
) -> Response {
    let span = tracing::info_span!("pairing_key_page", status = tracing::field::Empty);
    async move {
        let response = match check_credentials(&state, &credentials).await {
            Ok(username) => key_response(&state, jar, &username).await,
            Err(refused) => refused.shown(|status, note| form(status, Some(note))),
        };
        tracing::Span::current().record("status", response.status().as_u16());
        tracing::info!("answered");
        response
    }
    .instrument(span)
    .await
}

/// The pairing-key page for a user who passed the first factor, opening its web session (a
/// fresh key needs no password again). Also the web sign-in's answer for a user without devices.
pub(crate) async fn key_response(state: &CustomerState, jar: CookieJar, username: &str) -> Response {
    let response = issue_key(state, username).await;
    if response.status() != StatusCode::OK {
        return response;
    }
    match state.sessions.issue_token(username).await {
        Ok(token) => (with_session_cookie(state, jar, token), response).into_response(),
        Err(e) => internal(&e),
    }
}

/// `POST /pairing-key/fresh`: another key for the user of the page's web session.
pub(crate) async fn fresh_pairing_key(State(state): State<CustomerState>, jar: CookieJar) -> Response {
    let span = tracing::info_span!("fresh_pairing_key", status = tracing::field::Empty);
    async move {
        let response = match session_user(&state, &jar).await {
            Ok(Some(username)) => issue_key(&state, &username).await,
            Ok(None) => {
                let note = Note::error("Your session on this page has ended. Log in again for a fresh key.");
                form(StatusCode::UNAUTHORIZED, Some(note))
            }
            Err(e) => internal(&e),
        };
        tracing::Span::current().record("status", response.status().as_u16());
        tracing::info!("answered");
        response
    }
    .instrument(span)
    .await
}

/// `GET /pairing-key.js`: the expiry countdown (a file of its own, so the page's CSP allows no
/// inline script).
pub(crate) async fn countdown_script() -> Response {
    chrome::script(include_str!("web/pairing_key.js"))
}

/// The user of the request's web session cookie, if the session is still open.
async fn session_user(state: &CustomerState, jar: &CookieJar) -> anyhow::Result<Option<String>> {
    match chrome::cookie(jar, SESSION_COOKIE) {
        Some(token) => state.sessions.token_user(token).await,
        None => Ok(None),
    }
}

/// The pairing-key page's web session: a session token good for fresh keys, sent only to
/// `/pairing-key`.
fn with_session_cookie(state: &CustomerState, jar: CookieJar, token: String) -> CookieJar {
    let idle = crate::sessions::TOKEN_IDLE_LIFETIME.num_seconds();
    jar.add(chrome::session_cookie(SESSION_COOKIE, token, "/pairing-key", idle, secure_cookies(state)))
}

/// Cookies are `Secure` when the server is reached over https.
pub(crate) fn secure_cookies(state: &CustomerState) -> bool {
    state.config.public_url.starts_with("https:")
}

/// A login form's fields (url-encoded). Not `Debug`: the password is never printed; both are
/// wiped from memory when the form is dropped.
#[derive(Deserialize, Default, zeroize::Zeroize, zeroize::ZeroizeOnDrop)]
pub(crate) struct Credentials {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

#[cfg(test)]
impl Credentials {
    pub(crate) fn new(username: &str, password: &str) -> Self {
        Self { username: username.to_owned(), password: password.to_owned() }
    }
}

/// A login form through the first factor, with its back-off: the username once it passed.
/// Nothing typed is logged.
pub(crate) async fn check_credentials(state: &CustomerState, credentials: &Credentials) -> Result<String, Refused> {
    let refused = |status, text: &str| Refused { status, text: text.to_owned(), busy: false };
    let Credentials { username, password } = credentials;
    if username.is_empty() || password.is_empty() {
        return Err(refused(StatusCode::BAD_REQUEST, "Enter your username and password."));
    }
    match state.first_factor.check(username, password).await {
        Ok(FirstFactor::Passed) => Ok(username.clone()),
        Ok(FirstFactor::WrongCredentials) => Err(refused(StatusCode::UNAUTHORIZED, "Wrong username or password.")),
        Ok(FirstFactor::BackingOff { retry_in_secs }) => {
            let text = format!("Too many failed attempts. Try again in {retry_in_secs} seconds.");
            Err(refused(StatusCode::TOO_MANY_REQUESTS, &text))
        }
        Ok(FirstFactor::Locked) => Err(refused(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many failed attempts: the account is locked. Please contact support.",
        )),
        Err(e) => Err(fault(&e)),
    }
}

/// A pairing key for `username`, if they have no paired device yet, as the key page.
pub(crate) async fn issue_key(state: &CustomerState, username: &str) -> Response {
    let username = username.to_string();
    let user = match pingid_user(state, &username).await {
        Ok(user) => user,
        Err(failure) => return sdk_failure(failure),
    };
    if user.status == UserStatus::Suspended {
        let text = "Your account is suspended for multi-factor authentication. Please contact support.";
        return page(StatusCode::FORBIDDEN, &Message::back_home("Account suspended", text));
    }
    if !user.devices.unwrap_or_default().is_empty() {
        return page(StatusCode::OK, &pages::HasDevices { username: &username });
    }
    let request = PairingKeyRequest { pairing_data: crate::pairing_keys::pairing_data_for(&username) };
    match state.sdk.create_pairing_key(&request).await {
        Ok(key) => {
            tracing::info!(user = ?username, "pairing key issued");
            let shown = pairing_key::normalize(&key.id).map_or(key.id, |k| pairing_key::format_key(&k));
            let now = state.clock.now();
            let expiry = crate::pairing_keys::expected_expiry(now);
            page(StatusCode::OK, &pages::KeyPage::new(&username, &shown, &expiry, now))
        }
        Err(error) => sdk_failure(Failure::Sdk { error: Box::new(error), username: Some(username) }),
    }
}

fn internal(e: &anyhow::Error) -> Response {
    fault(e).shown(|status, note| form(status, Some(note)))
}

fn sdk_failure(failure: Failure) -> Response {
    let error = match failure {
        Failure::Sdk { error, .. } => error,
        Failure::Internal(e) => return internal(&e),
        Failure::Answer(a) => return form(StatusCode::BAD_REQUEST, Some(Note::error(&a.description))),
    };
    match verdict_for(&error) {
        SdkVerdict::ApplicationDisabled => {
            let text = "Multi-factor authentication is currently turned off for Moderno, so you can log in to Moderno Desktop with your password alone.";
            page(StatusCode::OK, &Message::back_home("No pairing needed right now", text))
        }
        SdkVerdict::Refused(_, text) => {
            tracing::info!(sdk_status = error.status(), detail = ?error.detail(), "the SDK server refused a pairing key");
            form(StatusCode::BAD_REQUEST, Some(Note::error(&format!("We could not issue a pairing key: {text}."))))
        }
        SdkVerdict::DeviceIgnored | SdkVerdict::Unreachable => {
            tracing::warn!(error = %error, "the SDK server did not answer properly");
            let text = "The PingID service is not available right now. Please try again in a moment.";
            form(StatusCode::SERVICE_UNAVAILABLE, Some(Note::error(text)))
        }
    }
}

/// The pairing-key page's login form, with a note above it.
fn form(status: StatusCode, note: Option<Note<'_>>) -> Response {
    page(status, &pages::LoginForm { note })
}
