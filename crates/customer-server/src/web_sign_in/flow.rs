//! The web sign-in's state. A sign-in waiting for the device is a login session
//! ([`crate::sessions`]: a 128-bit id of which only the SHA-256 is stored, 30 minutes) whose id
//! the browser keeps in an `HttpOnly`, `SameSite=Strict` cookie; the authentication it waits on
//! lives at the SDK server. A finished sign-in is a session token in another such cookie.

use axum::http::{header, HeaderMap};
use axum_extra::extract::cookie::{Cookie, CookieJar};
use moderno_crypto::sha256_hex;
use moderno_wire::sdk::{Authentication, AuthenticationRequest, AuthenticationType, Device, SignInContext};

use crate::sdk_client::SdkError;
use crate::sessions::{LoginSession, LOGIN_SESSION_LIFETIME, TOKEN_IDLE_LIFETIME};
use crate::state::CustomerState;
use crate::web::chrome;

/// The cookie of a sign-in waiting for the device (its login session id).
pub(super) const PENDING_COOKIE: &str = "moderno_sign_in";
/// The cookie of a finished web sign-in (a session token), the same name as the pairing-key
/// page's session but sent only to the sign-in pages.
pub(super) const SIGNED_IN_COOKIE: &str = crate::web::SESSION_COOKIE;
const COOKIE_PATH: &str = "/sign-in";

/// How much of the browser's `User-Agent` the approving device is shown.
const MAX_BROWSER_CHARS: usize = 120;

/// A sign-in waiting for the device, found by the request's cookie.
pub(super) struct Pending {
    pub(super) id: String,
    pub(super) username: String,
    pub(super) authentication_id: String,
    /// The approving device chosen on the page (after SELECT_DEVICE).
    pub(super) device_id: Option<String>,
    pub(super) push_started_ms: Option<i64>,
}

/// Why a step could not be taken.
pub(super) enum Trouble {
    Sdk(SdkError),
    Internal(anyhow::Error),
}

impl From<SdkError> for Trouble {
    fn from(e: SdkError) -> Self {
        Self::Sdk(e)
    }
}

impl From<anyhow::Error> for Trouble {
    fn from(e: anyhow::Error) -> Self {
        Self::Internal(e)
    }
}

/// The request's waiting sign-in, unless it has none, or an unknown, expired or ended one.
pub(super) async fn pending(state: &CustomerState, jar: &CookieJar) -> anyhow::Result<Option<Pending>> {
    let Some(id) = chrome::cookie(jar, PENDING_COOKIE) else {
        return Ok(None);
    };
    let Some(session) = state.sessions.login(id).await? else {
        return Ok(None);
    };
    Ok(session.authentication_id.map(|authentication_id| Pending {
        id: id.to_owned(),
        username: session.username,
        authentication_id,
        device_id: session.device_id,
        push_started_ms: session.push_started_ms,
    }))
}

/// The user of the request's finished web sign-in, if its session token is still good.
pub(super) async fn signed_in_user(state: &CustomerState, jar: &CookieJar) -> anyhow::Result<Option<String>> {
    match chrome::cookie(jar, SIGNED_IN_COOKIE) {
        Some(token) => state.sessions.token_user(token).await,
        None => Ok(None),
    }
}

/// The browser as the approving device is told about it: its `User-Agent`, shortened, without
/// control characters.
pub(super) fn browser(headers: &HeaderMap) -> String {
    let agent = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let short: String = agent.chars().filter(|c| !c.is_control()).take(MAX_BROWSER_CHARS).collect();
    match short.trim() {
        "" => "an unknown browser".to_owned(),
        text => text.to_owned(),
    }
}

/// Ping's authentication without a payload ([D-AUTH]: "null if the call is not from the mobile
/// application"): the user's trusted device gets a push about a web sign-in. The device shows
/// the title, the body and the client context as they are.
pub(super) fn request(username: &str, device_id: Option<String>, browser: &str) -> AuthenticationRequest {
    let client_context = serde_json::json!({"kind": "web_sign_in", "browser": browser}).to_string();
    AuthenticationRequest {
        authentication_type: AuthenticationType::Authenticate,
        payload: None,
        device_id,
        context: SignInContext {
            push_message_title: Some("Moderno web sign-in".into()),
            push_message_body: Some(format!("{username} is signing in to Moderno online banking in a web browser")),
            client_context: Some(client_context),
            user_agent: Some(browser.to_owned()),
            ip_address: None,
        },
    }
}

/// Starts the authentication and opens the waiting sign-in; returns its id (for the cookie).
pub(super) async fn start(
    state: &CustomerState,
    username: &str,
    browser: &str,
) -> Result<(String, Authentication), Trouble> {
    let auth = state.sdk.start_authentication(username, &request(username, None, browser)).await?;
    tracing::info!(user = ?username, status = ?auth.status, "web sign-in started");
    let session = LoginSession {
        username: username.to_owned(),
        authentication_id: Some(auth.id.clone()),
        push_started_ms: Some(state.clock.now().timestamp_millis()),
        ..LoginSession::default()
    };
    let id = state.sessions.start_login(session).await?;
    Ok((id, auth))
}

/// Asks again (a new push, or the device picked on the page): the waiting authentication is
/// withdrawn first, so the user is never asked on two devices for one sign-in. False when the
/// waiting sign-in ended meanwhile.
pub(super) async fn restart(
    state: &CustomerState,
    pending: &Pending,
    device_id: Option<String>,
    browser: &str,
) -> Result<bool, Trouble> {
    withdraw(state, pending).await;
    let request = request(&pending.username, device_id.clone(), browser);
    let auth = state.sdk.start_authentication(&pending.username, &request).await?;
    tracing::info!(user = ?pending.username, status = ?auth.status, "web sign-in asked again");
    let session = LoginSession {
        username: pending.username.clone(),
        authentication_id: Some(auth.id),
        device_id,
        push_started_ms: Some(state.clock.now().timestamp_millis()),
        ..LoginSession::default()
    };
    Ok(state.sessions.update_login(&pending.id, &session).await?)
}

/// Withdraws the waiting authentication; one already over stays as it is.
pub(super) async fn withdraw(state: &CustomerState, pending: &Pending) {
    if let Err(e) = state.sdk.cancel_authentication(&pending.username, &pending.authentication_id).await {
        tracing::debug!(sdk_status = e.status(), "the authentication was not withdrawn");
    }
}

/// Ends the waiting sign-in with a session token for its user. `None` when another request
/// ended it first (a sign-in is finished once).
pub(super) async fn finish(
    state: &CustomerState,
    pending_id: Option<&str>,
    username: &str,
) -> anyhow::Result<Option<String>> {
    if let Some(id) = pending_id {
        if !state.sessions.end_login(id).await? {
            return Ok(None);
        }
    }
    let token = state.sessions.issue_token(username).await?;
    tracing::info!(user = ?username, "web sign-in finished");
    Ok(Some(token))
}

/// Ends the waiting sign-in without signing in.
pub(super) async fn abandon(state: &CustomerState, pending: &Pending) -> anyhow::Result<()> {
    state.sessions.end_login(&pending.id).await.map(drop)
}

/// Signs out: the session token is forgotten by the server, not only by the browser.
pub(super) async fn sign_out(state: &CustomerState, jar: &CookieJar) -> anyhow::Result<()> {
    let Some(token) = chrome::cookie(jar, SIGNED_IN_COOKIE) else {
        return Ok(());
    };
    let token_hash = sha256_hex(token.as_bytes());
    state
        .store
        .run(move |c| c.execute("DELETE FROM session_tokens WHERE token_hash = ?1", [token_hash]))
        .await
        .map(drop)
}

/// Seconds before the push times out, by this server's clock.
pub(super) fn seconds_left(state: &CustomerState, pending: &Pending) -> i64 {
    let elapsed_ms = state.clock.now().timestamp_millis() - pending.push_started_ms.unwrap_or_default();
    let lifetime = state.config.push_lifetime_secs();
    (lifetime - elapsed_ms.div_euclid(1000)).clamp(0, lifetime)
}

/// A device as its user knows it: the nickname they gave it, else its name.
pub(super) fn device_label(device: Option<&Device>) -> String {
    match device {
        Some(d) if !d.device_nickname.trim().is_empty() => d.device_nickname.clone(),
        Some(d) => d.device_name.clone(),
        None => "your trusted device".to_owned(),
    }
}

fn cookie(state: &CustomerState, name: &'static str, value: String, max_age_secs: i64) -> Cookie<'static> {
    chrome::session_cookie(name, value, COOKIE_PATH, max_age_secs, crate::web::secure_cookies(state))
}

/// The waiting sign-in's cookie (its login session id).
pub(super) fn pending_cookie(state: &CustomerState, id: String) -> Cookie<'static> {
    cookie(state, PENDING_COOKIE, id, LOGIN_SESSION_LIFETIME.num_seconds())
}

/// Deletes the waiting sign-in's cookie.
pub(super) fn pending_cookie_removed(state: &CustomerState) -> Cookie<'static> {
    cookie(state, PENDING_COOKIE, String::new(), 0)
}

/// The finished sign-in's cookie (its session token).
pub(super) fn signed_in_cookie(state: &CustomerState, token: String) -> Cookie<'static> {
    cookie(state, SIGNED_IN_COOKIE, token, TOKEN_IDLE_LIFETIME.num_seconds())
}

/// Deletes the finished sign-in's cookie.
pub(super) fn signed_in_cookie_removed(state: &CustomerState) -> Cookie<'static> {
    cookie(state, SIGNED_IN_COOKIE, String::new(), 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn the_device_is_told_it_is_a_web_sign_in_from_this_browser_without_a_payload() {
        let request = request("alice", None, "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0");
        assert_eq!(request.payload, None, "a web caller has no mobile payload");
        let context: serde_json::Value =
            serde_json::from_str(request.context.client_context.as_deref().unwrap()).unwrap();
        assert_eq!(context["kind"], "web_sign_in");
        assert_eq!(context["browser"], "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0");
        assert!(request.context.push_message_body.unwrap().contains("alice"));
    }

    #[test]
    fn the_browser_is_shortened_and_cleaned_and_named_when_absent() {
        let mut headers = HeaderMap::new();
        assert_eq!(browser(&headers), "an unknown browser");
        headers.insert(header::USER_AGENT, HeaderValue::from_str(&"x".repeat(500)).unwrap());
        assert_eq!(browser(&headers).chars().count(), MAX_BROWSER_CHARS);
        headers.insert(header::USER_AGENT, HeaderValue::from_bytes(b"Firefox\tNightly").unwrap());
        assert_eq!(browser(&headers), "FirefoxNightly");
    }
}
