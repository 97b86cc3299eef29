//! How a request names the flow session it belongs to: PingFederate's `PF` cookie ("Mobile
//! application authentication through REST APIs": clients keep `PF`), or, for a client in
//! cookieless mode (`enable_cookieless_authentication_api`,
//! `pingidentity/terraform-provider-pingfederate:docs/resources/oauth_client.md`), the
//! `X-Pf-Authn-Api-State` header carrying the `_pf_authn_api_state` of the last answer (Ping's
//! widget: `pingidentity/pf-authn-js-widget:docs/redirectless.md` "Cookieless", `src/store.js`
//! `buildHeaders`). A cookieless flow sets no cookie; the header counts for cookieless flows only.

use axum::http::header::COOKIE;
use axum::http::HeaderMap;
use moderno_sql::params;
use moderno_wire::pingfederate::Flow;

use crate::error::AuthnApiError;
use crate::flow::{load, view, FlowRecord, StoredFlow};
use crate::store::digest;
use crate::State;

/// The cookie that ties flows to the client that started them, named as PingFederate names it.
pub const SESSION_COOKIE: &str = "PF";
/// Cookieless mode: the header that carries the flow's state back.
pub const STATE_HEADER: &str = "x-pf-authn-api-state";

/// The session a request presented, and how.
#[derive(Clone)]
pub struct Session {
    pub value: String,
    by_header: bool,
}

/// The flow session the request's cookie names, if any (the first `PF` cookie).
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    session_cookies(headers).next()
}

/// Every `PF` value the request's cookies carry, in order. Ping's Android sample keeps every
/// cookie it was ever set and sends them all (`pingidentity/pingone-mobile-sdk-android`,
/// `PingAuthenticationCore/connection/CommunicationTask.java`), so after the session was issued
/// afresh it sends the old value and the new one.
fn session_cookies(headers: &HeaderMap) -> impl Iterator<Item = String> + '_ {
    headers.get_all(COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).filter_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        (name == SESSION_COOKIE && !value.is_empty()).then(|| value.to_string())
    })
}

/// The sessions a request presents: the state header first (only cookieless clients send it),
/// then the cookies (a browser may hold one from another flow on the same site; Ping's Android
/// sample sends every value it was set). The first that names the flow's session counts.
fn presented(headers: &HeaderMap) -> Vec<Session> {
    let header = headers.get(STATE_HEADER).and_then(|v| v.to_str().ok()).map(str::trim).filter(|v| !v.is_empty());
    let header = header.map(|value| Session { value: value.to_string(), by_header: true });
    let cookies = session_cookies(headers).map(|value| Session { value, by_header: false });
    header.into_iter().chain(cookies).collect()
}

/// Loads a live flow for the session the request presents.
pub async fn load_flow(
    state: &State,
    flow_id: &str,
    headers: &HeaderMap,
) -> Result<(StoredFlow, Option<Session>), AuthnApiError> {
    let mut refusal = None;
    for session in presented(headers) {
        match load(state, flow_id, Some(&session.value)).await {
            Ok(stored) if session.by_header && !stored.record.cookieless => {
                refusal = Some(AuthnApiError::ForeignSession)
            }
            Ok(stored) => return Ok((stored, Some(session))),
            Err(error) => refusal = Some(error),
        }
    }
    match refusal {
        Some(error) => Err(error),
        None => load(state, flow_id, None).await.map(|stored| (stored, None)),
    }
}

/// The client's view of the flow; a cookieless flow's carries its state to send back.
pub fn answer(state: &State, record: &FlowRecord, session: Option<&Session>) -> Flow {
    let mut flow = view(state, record);
    if record.cookieless {
        flow.pf_authn_api_state = session.map(|s| s.value.clone());
    }
    flow
}

/// True when `session` is the cookie of a live flow PingFederate started (not a cookieless one,
/// whose state its client reads in the answers).
pub async fn is_live(state: &State, session: &str) -> Result<bool, AuthnApiError> {
    let now = state.now();
    let session_hash = digest(session);
    let records = state
        .db()
        .read(move |conn| {
            Ok(conn.query_map(
                "SELECT record FROM flows WHERE session_hash = ?1 AND expires_at > ?2",
                params![session_hash, now],
                |r| r.get::<_, String>(0),
            )?)
        })
        .await?;
    // Read in Rust rather than with a JSON function: SQLite and PostgreSQL name theirs apart.
    Ok(records.iter().any(|json| serde_json::from_str::<CookielessField>(json).is_ok_and(|r| !r.cookieless)))
}

/// The one field of a stored flow [`is_live`] reads.
#[derive(serde::Deserialize)]
struct CookielessField {
    #[serde(default)]
    cookieless: bool,
}

/// `Set-Cookie` for a new flow session. Over https: `SameSite=None; Secure`, so pages on the
/// allowed origins can send it cross-site; over loopback http, `SameSite=Lax` without `Secure`
/// (WebKit refuses `Secure` cookies from http): cross-origin pages on the same host name
/// (`localhost:5173` -> `localhost:9031`) are same-site and send it.
pub fn session_cookie_header(state: &State, session: &str) -> String {
    let secure = state.config().public_url.starts_with("https://");
    let same_site = if secure { "None; Secure" } else { "Lax" };
    format!("{SESSION_COOKIE}={session}; Path=/; HttpOnly; SameSite={same_site}")
}

/// Issues a fresh session for the one the request presented, when the password has passed: every
/// flow of the old session moves to the new value in one transaction, and the old value names
/// nothing any more. A value someone planted before the sign-in (session fixation: their own
/// live session, started moments before) so stops at the first factor. Ping publishes no rule
/// for this; OWASP's Session Management Cheat Sheet asks for a new session id at every privilege
/// change ("Renew the Session ID After Any Privilege Level Change").
pub async fn rotate(state: &State, old: &Session) -> Result<Session, AuthnApiError> {
    let fresh = state.random_token();
    let (new_hash, old_hash) = (digest(&fresh), digest(&old.value));
    state
        .db()
        .tx(move |tx| {
            tx.execute("UPDATE flows SET session_hash = ?1 WHERE session_hash = ?2", params![new_hash, old_hash])?;
            Ok(())
        })
        .await?;
    Ok(Session { value: fresh, by_header: old.by_header })
}

/// The `Set-Cookie` a rotated session needs: none for a cookieless one (its new state travels in
/// the answer's `_pf_authn_api_state`).
pub fn rotated_cookie_header(state: &State, session: &Session) -> Option<String> {
    (!session.by_header).then(|| session_cookie_header(state, &session.value))
}

/// A new cookieless flow's first answer: its state.
pub fn new_state(value: &str) -> Session {
    Session { value: value.to_string(), by_header: true }
}
