//! The pairing-key web page (manual pairing, subflow 1): a user logs in on the bank's web site
//! and is shown a one-time key to type into Moderno Desktop on their first device.
//!
//! Everything shown is HTML-escaped; the key is never logged; the page is not cached.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
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

/// `POST /pairing-key`: first factor, then a pairing key for a user without devices.
pub(crate) async fn pairing_key(State(state): State<CustomerState>, body: Bytes) -> Response {
    let span = tracing::info_span!("pairing_key_page", status = tracing::field::Empty);
    async move {
        let (status, html) = pairing_key_page(&state, &body).await;
        tracing::Span::current().record("status", status.as_u16());
        tracing::info!("answered");
        page(status, &html)
    }
    .instrument(span)
    .await
}

async fn pairing_key_page(state: &CustomerState, body: &[u8]) -> (StatusCode, String) {
    if body.len() > MAX_FORM_BYTES {
        return (StatusCode::PAYLOAD_TOO_LARGE, form(Some("The form is too large.")));
    }
    let field = |name: &str| {
        url::form_urlencoded::parse(body)
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    let (username, password) = (field("username"), field("password"));
    if username.is_empty() || password.is_empty() {
        return (StatusCode::BAD_REQUEST, form(Some("Enter your username and password.")));
    }
    match state.first_factor.check(&username, &password).await {
        Ok(FirstFactor::Passed) => {}
        Ok(FirstFactor::WrongCredentials) => {
            return (StatusCode::UNAUTHORIZED, form(Some("Wrong username or password.")));
        }
        Ok(FirstFactor::BackingOff { retry_in_secs }) => {
            let text = format!("Too many failed attempts. Try again in {retry_in_secs} seconds.");
            return (StatusCode::TOO_MANY_REQUESTS, form(Some(&text)));
        }
        Ok(FirstFactor::Locked) => {
            let text = "Too many failed attempts: the account is locked. Please contact support.";
            return (StatusCode::TOO_MANY_REQUESTS, form(Some(text)));
        }
        Err(e) => return internal(&e),
    }
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
        pairing_data: format!("user:{username}"),
    };
    match state.sdk.create_pairing_key(&request).await {
        Ok(key) => {
            tracing::info!(user = %username, "pairing key issued");
            let shown = pairing_key::normalize(&key.id).map_or(key.id, |k| pairing_key::format_key(&k));
            (
                StatusCode::OK,
                key_page(&username, &shown, &key.expires_at, state.clock.now()),
            )
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
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
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
    let expiry_text = match expiry {
        Ok(t) => {
            let minutes = (t - now).num_seconds().max(0).div_euclid(60);
            format!(
                "Valid until {} UTC (about {minutes} minutes). It works once.",
                t.format("%H:%M")
            )
        }
        Err(_) => format!("Valid until {expires_at}. It works once."),
    };
    layout(
        "Your pairing key",
        &format!(
            "<h1>Your pairing key</h1><p>Hello {user}, here is the key for your first device:</p>\
<div class=\"key\" aria-label=\"pairing key\">{key}</div><p class=\"muted\">{expiry}</p>\
<ol><li>Install Moderno Desktop.</li><li>Log in with your username and password.</li>\
<li>Choose <strong>I have a pairing key</strong>.</li><li>Type this key (dashes and case do not matter).</li></ol>\
<p class=\"muted\">Never share this key. Moderno staff will never ask for it.</p>",
            user = escape(username),
            key = escape(key),
            expiry = escape(&expiry_text),
        ),
    )
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
