//! The pairing-key web page (manual pairing, subflow 1): a user logs in on the bank's web site
//! and is shown a one-time key to type into Moderno Desktop on their first device — as text and
//! as a QR code, with its expiry counting down, and a button for a fresh key.
//!
//! The first factor opens a web session (a session token in an `HttpOnly`, `SameSite=Strict`
//! cookie, so another site cannot post with it): a fresh key needs no password again.
//! Everything shown is HTML-escaped; the key is never logged; the page is not cached.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use moderno_crypto::pairing_key;
use moderno_wire::sdk::{PairingKeyRequest, UserStatus};
use tracing::Instrument as _;

use crate::error::{verdict_for, Failure, SdkVerdict};
use crate::first_factor::FirstFactor;
use crate::protocol::auth_user::pingid_user;
use crate::state::CustomerState;

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
        let (status, html, session) = pairing_key_page(&state, &body).await;
        tracing::Span::current().record("status", status.as_u16());
        tracing::info!("answered");
        let mut response = page(status, &html);
        if let Some(token) = session {
            set_session_cookie(&mut response, &token, state.config.public_url.starts_with("https:"));
        }
        response
    }
    .instrument(span)
    .await
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
    let mut response = COUNTDOWN_JS.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/javascript; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
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
    let token = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(SESSION_COOKIE)?.strip_prefix('='));
    match token {
        Some(token) if !token.is_empty() => state.sessions.token_user(token).await,
        _ => Ok(None),
    }
}

fn set_session_cookie(response: &mut Response, token: &str, secure: bool) {
    let idle = crate::sessions::TOKEN_IDLE_LIFETIME.num_seconds();
    let secure = if secure { "; Secure" } else { "" };
    let cookie = format!("{SESSION_COOKIE}={token}; Path=/pairing-key; HttpOnly; SameSite=Strict; Max-Age={idle}{secure}");
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
}

async fn pairing_key_page(state: &CustomerState, body: &[u8]) -> (StatusCode, String, Option<String>) {
    let (status, html) = match first_factor(state, body).await {
        Ok(username) => {
            let (status, html) = issue_key(state, &username).await;
            if status == StatusCode::OK {
                match state.sessions.issue_token(&username).await {
                    Ok(token) => return (status, html, Some(token)),
                    Err(e) => internal(&e),
                }
            } else {
                (status, html)
            }
        }
        Err(refusal) => refusal,
    };
    (status, html, None)
}

/// The form's username and password through the first factor; the page to show when they fail.
async fn first_factor(state: &CustomerState, body: &[u8]) -> Result<String, (StatusCode, String)> {
    if body.len() > MAX_FORM_BYTES {
        return Err((StatusCode::PAYLOAD_TOO_LARGE, form(Some("The form is too large."))));
    }
    let field = |name: &str| {
        url::form_urlencoded::parse(body)
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    let (username, password) = (field("username"), field("password"));
    if username.is_empty() || password.is_empty() {
        return Err((StatusCode::BAD_REQUEST, form(Some("Enter your username and password."))));
    }
    match state.first_factor.check(&username, &password).await {
        Ok(FirstFactor::Passed) => Ok(username),
        Ok(FirstFactor::WrongCredentials) => Err((StatusCode::UNAUTHORIZED, form(Some("Wrong username or password.")))),
        Ok(FirstFactor::BackingOff { retry_in_secs }) => {
            let text = format!("Too many failed attempts. Try again in {retry_in_secs} seconds.");
            Err((StatusCode::TOO_MANY_REQUESTS, form(Some(&text))))
        }
        Ok(FirstFactor::Locked) => {
            let text = "Too many failed attempts: the account is locked. Please contact support.";
            Err((StatusCode::TOO_MANY_REQUESTS, form(Some(text))))
        }
        Err(e) => Err(internal(&e)),
    }
}

/// A pairing key for `username`, if they have no paired device yet, as the key page.
async fn issue_key(state: &CustomerState, username: &str) -> (StatusCode, String) {
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
            tracing::info!(user = %username, "pairing key issued");
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
    tracing::error!(error = %format!("{e:#}"), "internal failure");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        form(Some("Something went wrong on our side. Please try again.")),
    )
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

fn page(status: StatusCode, html: &str) -> Response {
    let mut response = (status, html.to_owned()).into_response();
    let headers = response.headers_mut();
    let set = [
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        (header::CACHE_CONTROL, "no-store"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; form-action 'self'; frame-ancestors 'none'",
        ),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ];
    for (name, value) in set {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// Escapes text for HTML element content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;background:#f3f5f9;color:#1c2333}
header{background:#12355b;color:#fff;padding:14px 28px;font-weight:700;letter-spacing:.04em;font-size:20px}
header span{color:#f2b134}
main{max-width:440px;margin:48px auto;background:#fff;border-radius:12px;padding:32px;box-shadow:0 4px 24px rgba(18,53,91,.12)}
h1{font-size:22px;margin:0 0 8px}
p{line-height:1.5}
label{display:block;font-size:14px;font-weight:600;margin:16px 0 6px}
input{width:100%;padding:10px 12px;font-size:16px;border:1px solid #c5cdd9;border-radius:8px}
input:focus{outline:2px solid #2f6db5;border-color:#2f6db5}
button{margin-top:24px;width:100%;padding:12px;font-size:16px;font-weight:600;color:#fff;background:#12355b;border:0;border-radius:8px;cursor:pointer}
button:hover{background:#1d4b7d}
.error{background:#fdecec;color:#9b1c1c;border-radius:8px;padding:10px 12px;margin:16px 0 0}
.key{font-family:ui-monospace,'SFMono-Regular',Menlo,Consolas,monospace;font-size:34px;font-weight:700;letter-spacing:.08em;text-align:center;background:#f3f5f9;border:2px dashed #12355b;border-radius:10px;padding:18px 8px;margin:20px 0 8px;user-select:all}
.muted{color:#5b6678;font-size:14px}
.qr{display:flex;justify-content:center;margin:8px 0}
.qr svg{width:180px;height:180px}
.key-box.expired .key,.key-box.expired .qr{opacity:.35;text-decoration:line-through}
form.fresh button{background:#fff;color:#12355b;border:1px solid #12355b;margin-top:8px}
ol{padding-left:20px;line-height:1.7}
footer{text-align:center;color:#8a93a3;font-size:12px;margin:24px}
";

fn layout(title: &str, content: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>{title} · Moderno</title><style>{STYLE}</style></head>\
<body><header>Moderno <span>Bank</span></header><main>{content}</main>\
<footer>Moderno · sign-in secured by PingID</footer></body></html>\n",
        title = escape(title),
    )
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
<button type=\"submit\">Get my pairing key</button></form>"
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
    message_page(
        "You already have a device",
        &format!(
            "{}, your account already has a paired device. Log in to Moderno Desktop on the new computer: \
your paired device will be asked to approve it. Pairing keys are only for a first device.",
            username
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
    fn escaping_neutralises_markup_and_quotes() {
        assert_eq!(
            escape(r#"<script>"x"&'y'</script>"#),
            "&lt;script&gt;&quot;x&quot;&amp;&#39;y&#39;&lt;/script&gt;"
        );
    }

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
