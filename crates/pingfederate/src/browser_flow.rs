//! Browser mode of the authentication API: the authorization endpoint (without
//! `response_mode=pi.flow`) redirects to the authentication application with `?flowId=`; the
//! application drives the flow through the same API; a finished flow is in RESUME with
//! `resumeUrl` (`/as/{flowId}/resume/as/authorization.ping`, PingFederate's shape), and the
//! browser following it, with the flow cookie, is redirected to the client's `redirect_uri` with
//! `code` and `state` (or `error=access_denied` after a cancel). A resume works once.

use axum::extract::{Path, Query, State as Shared};
use axum::http::header::{CACHE_CONTROL, LOCATION};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use moderno_wire::pingfederate::{FlowStatus, FLOWS_PATH};
use serde::Deserialize;
use serde_json::json;

use crate::error::AuthnApiError;
use crate::flow::{load, save};
use crate::flow_session::session_cookie;
use crate::oauth::issue_code;
use crate::State;

/// Where `Config::demo` sends browsers: a placeholder naming the flow (the real authentication
/// application is the demo UI, configured with `authentication_application_url`).
pub const DEMO_APPLICATION_PATH: &str = "/pf-ws/authn/app";
pub const RESUME_ROUTE: &str = "/as/{flow_id}/resume/as/authorization.ping";

fn found(location: &str) -> Response {
    (StatusCode::FOUND, [(LOCATION, location.to_string()), (CACHE_CONTROL, "no-store".to_string())]).into_response()
}

/// 302 to the authentication application with the new flow's id.
pub fn to_application(application_url: &url::Url, flow_id: &str) -> Response {
    let mut url = application_url.clone();
    url.query_pairs_mut().append_pair("flowId", flow_id);
    found(url.as_str())
}

pub fn resume_url(state: &State, flow_id: &str) -> String {
    format!("{}{}", state.config().public_url.trim_end_matches('/'), RESUME_ROUTE.replace("{flow_id}", flow_id))
}

#[tracing::instrument(name = "resume", skip_all, fields(flow_id = %flow_id))]
pub async fn resume(
    Shared(state): Shared<State>,
    Path(flow_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AuthnApiError> {
    let stored = load(&state, &flow_id, session_cookie(&headers).as_deref()).await?;
    let mut record = stored.record.clone();
    if record.status != FlowStatus::Resume {
        return Err(AuthnApiError::BadRequest {
            code: "FLOW_NOT_RESUMABLE",
            message: "the flow has not finished in RESUME".into(),
        });
    }
    if record.resumed {
        return Err(AuthnApiError::FlowNotFound);
    }
    record.resumed = true;
    save(&state, stored.version, &record).await?;
    let redirect_uri = record
        .redirect_uri
        .as_deref()
        .ok_or_else(|| AuthnApiError::Internal("a browser flow without a redirect_uri".into()))?;
    let mut target =
        url::Url::parse(redirect_uri).map_err(|e| AuthnApiError::Internal(format!("redirect_uri: {e}")))?;
    // The code is issued before the query is written to (the writer may not be held across it).
    let code = match record.failure {
        None => Some(issue_code(&state, &record).await?),
        Some(_) => None,
    };
    {
        let mut query = target.query_pairs_mut();
        match (&record.failure, code) {
            (Some(failure), _) => {
                query.append_pair("error", "access_denied").append_pair("error_description", &failure.message);
            }
            (None, code) => {
                query.append_pair("code", &code.unwrap_or_default());
            }
        }
        if let Some(oauth_state) = &record.oauth_state {
            query.append_pair("state", oauth_state);
        }
    }
    tracing::info!(denied = record.failure.is_some(), mfa_status = ?record.mfa_status, "browser redirected to the client");
    Ok(found(target.as_str()))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationQuery {
    flow_id: Option<String>,
}

/// The demo's stand-in authentication application: names the flow to drive and where.
pub async fn demo_application(
    Shared(state): Shared<State>,
    Query(query): Query<ApplicationQuery>,
) -> Json<serde_json::Value> {
    let flow_id = query.flow_id.unwrap_or_default();
    let flow = format!("{}{FLOWS_PATH}/{flow_id}", state.config().public_url.trim_end_matches('/'));
    Json(json!({
        "flowId": flow_id,
        "flow": flow,
        "message": "Drive this flow through the authentication API (send X-XSRF-Header and the flow cookie), then follow resumeUrl.",
    }))
}
