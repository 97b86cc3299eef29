//! The pairing-key web page (manual pairing, subflow 1): a user logs in on the bank's web site
//! and is shown a one-time key to type into Moderno Desktop on their first device — as text and
//! as a QR code, with its expiry counting down, and a button for a fresh key.
//!
//! The first factor opens a web session (a session token in an `HttpOnly`, `SameSite=Strict`
//! cookie, so another site cannot post with it): a fresh key needs no password again.
//! Everything shown is HTML-escaped; the key is never logged; the page is not cached.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Utc};
use moderno_crypto::pairing_key;
use moderno_wire::sdk::{PairingKeyRequest, UserStatus};
use tracing::Instrument as _;

use crate::error::{verdict_for, Failure, SdkVerdict};
use crate::first_factor::FirstFactor;
use crate::protocol::auth_user::pingid_user;
use crate::state::CustomerState;

pub(crate) mod chrome;

pub(crate) use chrome::{escape, layout, page};

pub(crate) const MAX_FORM_BYTES: usize = 64 * 1024;

/// `GET /`: the login form.
pub(crate) async fn login_form() -> Response {
    page(StatusCode::OK, &form(None))
}

/// The web session's cookie (its value is a session token of [`crate::sessions::Sessions`]).
pub(crate) const SESSION_COOKIE: &str = "moderno_web";

/// `POST /pairing-key`: first factor, then a pairing key for a user without devices.
pub(crate) async fn pairing_key(State(state): State<CustomerState>, body: Bytes) -> Response {
    let span = tracing::info_span!("pairing_key_page", status = tracing::field::Empty);
    async move {
        let response = match first_factor(&state, &body).await {
            Ok(username) => key_response(&state, &username).await,
            Err((status, html)) => page(status, &html),
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
pub(crate) async fn key_response(state: &CustomerState, username: &str) -> Response {
    let (status, html) = issue_key(state, username).await;
    if status != StatusCode::OK {
        return page(status, &html);
    }
    match state.sessions.issue_token(username).await {
        Ok(token) => {
            let mut response = page(status, &html);
            set_session_cookie(state, &mut response, &token);
            response
        }
        Err(e) => {
            let (status, html) = internal(&e);
            page(status, &html)
        }
    }
}

/// `POST /pairing-key/fresh`: another key for the user of the page's web session.
pub(crate) async fn fresh_pairing_key(State(state): State<CustomerState>, headers: HeaderMap) -> Response {
    let span = tracing::info_span!("fresh_pairing_key", status = tracing::field::Empty);
    async move {
        let (status, html) = match session_user(&state, &headers).await {
            Ok(Some(username)) => issue_key(&state, &username).await,
            Ok(None) => (StatusCode::UNAUTHORIZED, form(Some("Your session on this page has ended. Log in again for a fresh key."))),
            Err(e) => internal(&e),
        };
        tracing::Span::current().record("status", status.as_u16());
        tracing::info!("answered");
        page(status, &html)
    }
    .instrument(span)
    .await
}

/// `GET /pairing-key.js`: the expiry countdown (a file of its own, so the page's CSP allows no
/// inline script).
pub(crate) async fn countdown_script() -> Response {
    chrome::script(COUNTDOWN_JS)
}

/// Counts the key's `data-seconds-left` down (the server's clock, which may be a virtual one,
/// said how many); at zero the key is shown as expired.
const COUNTDOWN_JS: &str = r#"(() => {
  const el = document.getElementById("expiry");
  if (!el) return;
  const left = Number(el.dataset.secondsLeft);
  const start = Date.now();
  const tick = () => {
    const s = Math.max(0, left - Math.floor((Date.now() - start) / 1000));
    const mmss = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
    el.textContent = s > 0 ? `Expires in ${mmss}. It works once.` : "This key has expired. Get a fresh one below.";
    if (s > 0) setTimeout(tick, 1000);
    else document.querySelector(".key-box")?.classList.add("expired");
  };
  tick();
})();
"#;

/// The user of the request's web session cookie, if the session is still open.
async fn session_user(state: &CustomerState, headers: &HeaderMap) -> anyhow::Result<Option<String>> {
    match chrome::cookie(headers, SESSION_COOKIE) {
        Some(token) => state.sessions.token_user(token).await,
        None => Ok(None),
    }
}

/// The pairing-key page's web session: a session token good for fresh keys, sent only to
/// `/pairing-key`.
pub(crate) fn set_session_cookie(state: &CustomerState, response: &mut Response, token: &str) {
    let idle = crate::sessions::TOKEN_IDLE_LIFETIME.num_seconds();
    chrome::set_cookie(response, SESSION_COOKIE, token, "/pairing-key", idle, secure_cookies(state));
}

/// Cookies are `Secure` when the server is reached over https.
pub(crate) fn secure_cookies(state: &CustomerState) -> bool {
    state.config.public_url.starts_with("https:")
}

/// The form's username and password through the first factor; the page to show when they fail.
async fn first_factor(state: &CustomerState, body: &[u8]) -> Result<String, (StatusCode, String)> {
    check_credentials(state, body).await.map_err(|refused| (refused.status, form(Some(&refused.text))))
}

/// Why a login form's username and password did not pass: the HTTP status and the words for
/// the form.
pub(crate) struct Refused {
    pub(crate) status: StatusCode,
    pub(crate) text: String,
}

/// A login form (`username`, `password`, url-encoded) through the first factor, with its
/// back-off: the username once it passed. Nothing typed is logged.
pub(crate) async fn check_credentials(state: &CustomerState, body: &[u8]) -> Result<String, Refused> {
    let refused = |status, text: &str| Refused { status, text: text.to_owned() };
    if body.len() > MAX_FORM_BYTES {
        return Err(refused(StatusCode::PAYLOAD_TOO_LARGE, "The form is too large."));
    }
    let (username, password) = (form_field(body, "username"), form_field(body, "password"));
    if username.is_empty() || password.is_empty() {
        return Err(refused(StatusCode::BAD_REQUEST, "Enter your username and password."));
    }
    match state.first_factor.check(&username, &password).await {
        Ok(FirstFactor::Passed) => Ok(username),
        Ok(FirstFactor::WrongCredentials) => Err(refused(StatusCode::UNAUTHORIZED, "Wrong username or password.")),
        Ok(FirstFactor::BackingOff { retry_in_secs }) => {
            let text = format!("Too many failed attempts. Try again in {retry_in_secs} seconds.");
            Err(refused(StatusCode::TOO_MANY_REQUESTS, &text))
        }
        Ok(FirstFactor::Locked) => Err(refused(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many failed attempts: the account is locked. Please contact support.",
        )),
        Err(e) => {
            log_internal(&e);
            Err(refused(StatusCode::INTERNAL_SERVER_ERROR, SORRY))
        }
    }
}

/// A field of an url-encoded form ("" when absent).
pub(crate) fn form_field(body: &[u8], name: &str) -> String {
    url::form_urlencoded::parse(body)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

const SORRY: &str = "Something went wrong on our side. Please try again.";

/// A pairing key for `username`, if they have no paired device yet, as the key page.
pub(crate) async fn issue_key(state: &CustomerState, username: &str) -> (StatusCode, String) {
    let username = username.to_string();
    let user = match pingid_user(state, &username).await {
        Ok(user) => user,
        Err(failure) => return sdk_failure(failure),
    };
    if user.status == UserStatus::Suspended {
        let text = "Your account is suspended for multi-factor authentication. Please contact support.";
        return (StatusCode::FORBIDDEN, message_page("Account suspended", text));
    }
    if !user.devices.unwrap_or_default().is_empty() {
        return (StatusCode::OK, has_devices(&username));
    }
    let request = PairingKeyRequest {
        pairing_data: crate::pairing_keys::pairing_data_for(&username),
    };
    match state.sdk.create_pairing_key(&request).await {
        Ok(key) => {
            tracing::info!(user = ?username, "pairing key issued");
            let shown = pairing_key::normalize(&key.id).map_or(key.id, |k| pairing_key::format_key(&k));
            let now = state.clock.now();
            (StatusCode::OK, key_page(&username, &shown, &crate::pairing_keys::expected_expiry(now), now))
        }
        Err(error) => sdk_failure(Failure::Sdk {
            error: Box::new(error),
            username: Some(username),
        }),
    }
}

fn internal(e: &anyhow::Error) -> (StatusCode, String) {
    log_internal(e);
    (StatusCode::INTERNAL_SERVER_ERROR, form(Some(SORRY)))
}

/// A fault of this server, logged once (its words carry no secret).
pub(crate) fn log_internal(e: &anyhow::Error) {
    tracing::error!(error = %format!("{e:#}"), "internal failure");
}

fn sdk_failure(failure: Failure) -> (StatusCode, String) {
    let error = match failure {
        Failure::Sdk { error, .. } => error,
        Failure::Internal(e) => return internal(&e),
        Failure::Answer(a) => return (StatusCode::BAD_REQUEST, form(Some(&a.description))),
    };
    match verdict_for(&error) {
        SdkVerdict::ApplicationDisabled => (
            StatusCode::OK,
            message_page("No pairing needed right now", "Multi-factor authentication is currently turned off for Moderno, so you can log in to Moderno Desktop with your password alone."),
        ),
        SdkVerdict::Refused(_, text) => {
            tracing::info!(sdk_status = error.status(), detail = ?error.detail(), "the SDK server refused a pairing key");
            (StatusCode::BAD_REQUEST, form(Some(&format!("We could not issue a pairing key: {text}."))))
        }
        SdkVerdict::DeviceIgnored | SdkVerdict::Unreachable => {
            tracing::warn!(error = %error, "the SDK server did not answer properly");
            (StatusCode::SERVICE_UNAVAILABLE, form(Some("The PingID service could not be reached. Please try again in a moment.")))
        }
    }
}

fn form(error: Option<&str>) -> String {
    let error = error
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(e)))
        .unwrap_or_default();
    layout(
        "Get a pairing key",
        &format!(
            "<h1>Set up Moderno Desktop</h1>\
<p class=\"muted\">Log in to get a one-time pairing key for your first device.</p>{error}\
<form method=\"post\" action=\"/pairing-key\">\
<label for=\"username\">Username</label><input id=\"username\" name=\"username\" autocomplete=\"username\" required autofocus>\
<label for=\"password\">Password</label><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>\
<button type=\"submit\">Get my pairing key</button></form>\
<p class=\"muted\">Already set up? <a href=\"/sign-in\">Sign in to online banking</a>: your paired device approves it.</p>"
        ),
    )
}

fn key_page(username: &str, key: &str, expires_at: &str, now: DateTime<Utc>) -> String {
    let expiry = DateTime::parse_from_rfc3339(expires_at).map(|t| t.with_timezone(&Utc));
    let (seconds_left, expiry_text) = match expiry {
        Ok(t) => {
            let seconds = (t - now).num_seconds().max(0);
            let text = format!("Valid until {} UTC (about {} minutes). It works once.", t.format("%H:%M"), seconds.div_euclid(60));
            (seconds, text)
        }
        Err(_) => (0, format!("Valid until {expires_at}. It works once.")),
    };
    layout(
        "Your pairing key",
        &format!(
            "<h1>Your pairing key</h1><p>Hello {user}, here is the key for your first device:</p>\
<div class=\"key-box\"><div class=\"key\" aria-label=\"pairing key\">{key}</div>\
<figure class=\"qr\" role=\"img\" aria-label=\"the pairing key as a QR code\">{qr}</figure></div>\
<p class=\"muted\" id=\"expiry\" data-seconds-left=\"{seconds_left}\" aria-live=\"polite\">{expiry}</p>\
<ol><li>Install Moderno Desktop.</li><li>Log in with your username and password.</li>\
<li>Choose <strong>I have a pairing key</strong>.</li><li>Type this key (dashes and case do not matter), or scan the code.</li></ol>\
<form class=\"fresh\" method=\"post\" action=\"/pairing-key/fresh\"><button type=\"submit\">Get a fresh key</button></form>\
<p class=\"muted\">Never share this key. Moderno staff will never ask for it.</p>\
<script src=\"/pairing-key.js\"></script>",
            user = escape(username),
            key = escape(key),
            qr = qr_svg(key),
            expiry = escape(&expiry_text),
        ),
    )
}

/// The key as an inline SVG QR code (the XML prolog dropped: it sits inside HTML).
fn qr_svg(key: &str) -> String {
    match qrcode::QrCode::new(key.as_bytes()) {
        Ok(code) => {
            let svg = code
                .render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(180, 180)
                .dark_color(qrcode::render::svg::Color("#12355b"))
                .light_color(qrcode::render::svg::Color("#ffffff"))
                .build();
            svg.find("<svg").map_or(svg.clone(), |start| svg[start..].to_string())
        }
        // A 14-character key always fits a QR code; the text above stays the key either way.
        Err(_) => String::new(),
    }
}

fn has_devices(username: &str) -> String {
    layout(
        "You already have a device",
        &format!(
            "<h1>You already have a device</h1><p>{}, your account already has a paired device. Log in to \
Moderno Desktop on the new computer: your paired device will be asked to approve it. Pairing keys are only \
for a first device.</p><p>To use online banking here, <a href=\"/sign-in\">sign in on the web</a>: your \
paired device approves it.</p><p><a href=\"/\">Back</a></p>",
            escape(username)
        ),
    )
}

fn message_page(title: &str, text: &str) -> String {
    layout(
        title,
        &format!(
            "<h1>{}</h1><p>{}</p><p><a href=\"/\">Back</a></p>",
            escape(title),
            escape(text)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_page_shows_the_key_its_expiry_and_the_steps() {
        let now = DateTime::parse_from_rfc3339("2030-01-01T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let html = key_page("<alice>", "BCDF-GHJK-LMNP", "2030-01-01T10:10:00Z", now);
        assert!(html.contains("BCDF-GHJK-LMNP"));
        assert!(html.contains("10:10 UTC (about 10 minutes)"), "{html}");
        assert!(html.contains(r#"data-seconds-left="600""#), "the countdown starts from the server's clock");
        assert!(html.contains("<svg") && !html.contains("<?xml"), "the QR code is inline SVG");
        assert!(html.contains(r#"action="/pairing-key/fresh""#), "a fresh key is one click away");
        assert!(html.contains("I have a pairing key"));
        assert!(html.contains("&lt;alice&gt;") && !html.contains("<alice>"));
    }

    #[test]
    fn the_form_shows_an_error_escaped() {
        let html = form(Some("<b>bad</b>"));
        assert!(html.contains("&lt;b&gt;bad&lt;/b&gt;"));
        assert!(html.contains("action=\"/pairing-key\""));
    }
}
