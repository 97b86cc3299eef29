//! `GET` and `POST /pf-ws/authn/flows/{flowId}`: the checks every call passes (X-XSRF-Header,
//! the flow's session cookie, a live flow), and for POST the action named by the content type
//! (`application/vnd.pingidentity.<action>+json`, or `?action=` with `application/json`), which
//! must be one the current status allows. A failed action leaves the flow as it was. Actions on
//! one flow take turns (`flow_turns`). When the password passes, the session is issued afresh
//! (`flow_session::rotate`): a new `PF` cookie, or a new `_pf_authn_api_state` for a cookieless
//! flow.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State as Shared};
use axum::http::header::{CONTENT_TYPE, SET_COOKIE};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use moderno_wire::pingfederate::{Flow, FlowStatus, ACTIONS, ACTION_MEDIA_PREFIX, ACTION_MEDIA_SUFFIX, XSRF_HEADER};
use serde::Deserialize;
use serde_json::Value;

use crate::error::AuthnApiError;
use crate::flow::save;
use crate::flow_session::{answer, load_flow, rotate, rotated_cookie_header};
use crate::flow_turns::Turn;
use crate::State;

fn require_xsrf(headers: &HeaderMap) -> Result<(), AuthnApiError> {
    match headers.get(XSRF_HEADER) {
        Some(v) if !v.as_bytes().is_empty() => Ok(()),
        _ => Err(AuthnApiError::MissingXsrfHeader),
    }
}

/// GET "always returns the current state" (Ping's OTP integration kit, authentication API
/// support): while a push waits, that is the push's state at PingOne, read as `poll` reads it
/// (Ping's widget watches a push only by GETting the flow once a second, `src/index.js`
/// `postPushNotificationWait`). No action is performed; other states are read as stored.
#[tracing::instrument(name = "read_flow", skip_all, fields(flow_id = %flow_id))]
pub async fn read(
    Shared(state): Shared<State>,
    Path(flow_id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Flow>, AuthnApiError> {
    require_xsrf(&headers)?;
    let (stored, session) = load_flow(&state, &flow_id, &headers).await?;
    let session = session.as_ref();
    if stored.record.status != FlowStatus::PushConfirmationWaiting {
        return Ok(Json(answer(&state, &stored.record, session)));
    }
    let mut record = stored.record.clone();
    if let Err(error) = crate::mfa_actions::refresh_push(&state, &mut record).await {
        // The read still answers: the flow as stored, the push still waiting.
        tracing::warn!(%error, "push state unavailable; answering the stored flow");
        return Ok(Json(answer(&state, &stored.record, session)));
    }
    match save(&state, stored.version, &record).await {
        Ok(()) => Ok(Json(answer(&state, &record, session))),
        // Another call moved the flow meanwhile: its state is the current one.
        Err(AuthnApiError::Conflict) => {
            Ok(Json(answer(&state, &load_flow(&state, &flow_id, &headers).await?.0.record, session)))
        }
        Err(error) => Err(error),
    }
}

#[derive(Debug, Deserialize)]
pub struct ActionQuery {
    action: Option<String>,
}

/// The action a POST names.
fn action_of(headers: &HeaderMap, query: Option<String>) -> Result<String, AuthnApiError> {
    let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let media = content_type.split(';').next().unwrap_or_default().trim();
    let lower = media.to_ascii_lowercase();
    if lower.starts_with(ACTION_MEDIA_PREFIX) && lower.ends_with(ACTION_MEDIA_SUFFIX) {
        let action = &media[ACTION_MEDIA_PREFIX.len()..media.len() - ACTION_MEDIA_SUFFIX.len()];
        return Ok(action.to_string());
    }
    match query {
        Some(action) if lower == "application/json" => Ok(action),
        _ => Err(AuthnApiError::UnsupportedMediaType),
    }
}

#[tracing::instrument(name = "flow_action", skip_all, fields(flow_id = %flow_id, action, status))]
pub async fn act(
    Shared(state): Shared<State>,
    Path(flow_id): Path<String>,
    Query(query): Query<ActionQuery>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AuthnApiError> {
    require_xsrf(&headers)?;
    load_flow(&state, &flow_id, &headers).await?;
    let action = action_of(&headers, query.action)?;
    tracing::Span::current().record("action", action.as_str());
    let bytes = body.map_err(|_| AuthnApiError::TooLarge)?;
    let body: Result<Value, AuthnApiError> = if bytes.iter().all(u8::is_ascii_whitespace) {
        Ok(Value::Object(serde_json::Map::new()))
    } else {
        serde_json::from_slice(&bytes).map_err(|e| AuthnApiError::BadRequest {
            code: "INVALID_REQUEST",
            message: format!("the body is not JSON: {e}"),
        })
    };
    let digest = request_digest(&action, body.as_ref().ok(), &bytes);
    let held = match state.turns().enter(&flow_id, digest, state.random_token()).await? {
        Turn::Act(held) => held,
        Turn::Repeat => {
            let (stored, session) = load_flow(&state, &flow_id, &headers).await?;
            tracing::info!(status = ?stored.record.status, "the same action was under way: answered as it left the flow");
            return Ok(Json(answer(&state, &stored.record, session.as_ref())).into_response());
        }
    };
    let outcome = act_in_turn(&state, &flow_id, &headers, action, body).await;
    held.release().await;
    outcome
}

/// The action, performed in the flow's turn.
async fn act_in_turn(
    state: &State,
    flow_id: &str,
    headers: &HeaderMap,
    action: String,
    body: Result<Value, AuthnApiError>,
) -> Result<Response, AuthnApiError> {
    let (stored, session) = load_flow(state, flow_id, headers).await?;
    let allowed = stored.record.allowed_actions(state.config().manage_devices_allowed);
    let Some(action) = ACTIONS.iter().copied().find(|a| *a == action && allowed.contains(a)) else {
        tracing::info!(status = ?stored.record.status, "action not allowed now");
        return Err(AuthnApiError::InvalidAction { action, status: stored.record.status });
    };
    let body = body?;
    let mut record = stored.record.clone();
    crate::flow_actions::run(state, &mut record, action, body).await?;
    save(state, stored.version, &record).await?;
    tracing::Span::current().record("status", tracing::field::debug(record.status));
    // The password passed (a refused one ended above): the session is issued afresh.
    let rotated = match (&session, action) {
        (Some(old), "checkUsernamePassword") => Some(rotate(state, old).await?),
        _ => None,
    };
    let mut response = Json(answer(state, &record, rotated.as_ref().or(session.as_ref()))).into_response();
    if let Some(cookie) = rotated.as_ref().and_then(|new| rotated_cookie_header(state, new)) {
        if let Ok(value) = cookie.parse() {
            response.headers_mut().insert(SET_COOKIE, value);
        }
    }
    Ok(response)
}

/// What identifies a request among those sent to one flow: the action and its body (a digest:
/// bodies hold passwords and passcodes). The mobile payload is left out: a device signs a new one
/// for every request.
fn request_digest(action: &str, body: Option<&Value>, bytes: &[u8]) -> String {
    let text = match body {
        Some(body) => {
            let mut body = body.clone();
            if let Some(map) = body.as_object_mut() {
                map.remove("mobilePayload");
            }
            body.to_string()
        }
        None => String::from_utf8_lossy(bytes).into_owned(),
    };
    crate::store::digest(&format!("{action} {text}"))
}
