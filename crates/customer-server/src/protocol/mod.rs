//! The Moderno protocol: `POST /pingidsdk` (alias `/pidc`), one JSON request with an
//! `operation`, one `ModernoResponse` with HTTP 200 (400/413 only for a body that is not a
//! request at all). See `docs/api/moderno-protocol.md`.

pub(crate) mod auth_user;
mod body;
mod login;
mod offline;
pub(crate) mod outcome;
mod polling;
mod transfer;
pub(crate) mod waiting;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use moderno_wire::moderno::{ModernoRequest, ModernoResponse, Operation, Status};
use tracing::Instrument as _;

use crate::error::{missing_field, verdict_for, Answer, Failure, SdkVerdict, SDK_UNREACHABLE};
use crate::state::CustomerState;

pub(crate) use body::ModernoBody;

/// The operations, as spelled on the wire.
const OPERATIONS: &str = "auth_user, auth_offline_user, retry, transfer, auth_status, select_device, cancel";

pub(crate) async fn handle(
    State(state): State<CustomerState>,
    ModernoBody(request): ModernoBody,
) -> (StatusCode, Json<ModernoResponse>) {
    // Only a known operation name is recorded: the field is client input.
    let known = parse_operation(&request.operation).is_some();
    let operation = if known { request.operation.as_str() } else { "unknown" };
    let span = tracing::info_span!("moderno", operation, status = tracing::field::Empty);
    let answer = async {
        let answer = match dispatch(&state, &request).await {
            Ok(answer) => answer,
            Err(failure) => answer_failure(&state, &request, failure).await,
        };
        let answer = in_pings_codes(answer, state.config.extension_codes);
        tracing::Span::current().record("status", answer.status.code());
        tracing::info!("answered");
        answer
    }
    .instrument(span)
    .await;
    (StatusCode::OK, Json(answer))
}

async fn dispatch(state: &CustomerState, request: &ModernoRequest) -> Answer {
    // Ping's sample answers an unknown operation with 1000 "invalid request type" ([S-MOD]
    // `HostingServerServlet`).
    let operation = parse_operation(&request.operation).ok_or_else(|| {
        let shown: String = request.operation.chars().take(64).collect();
        let text = format!("invalid request type: {} (one of {OPERATIONS})", shown.escape_debug());
        Failure::from(ModernoResponse::new(Status::Failed, text))
    })?;
    match operation {
        // Ping's apps choose the approving device by sending `auth_user` again with the session
        // and the device ([S-MOD] `AuthenticateOnlineWithPingIDSdk`).
        Operation::AuthUser if non_empty(&request.session_id).is_some() && non_empty(&request.device_id).is_some() => {
            polling::select_device(state, request).await
        }
        Operation::AuthUser => auth_user::auth_user(state, request).await,
        Operation::AuthStatus => polling::auth_status(state, request).await,
        Operation::SelectDevice => polling::select_device(state, request).await,
        Operation::Retry => polling::retry(state, request).await,
        Operation::Cancel => polling::cancel(state, request).await,
        Operation::AuthOfflineUser => offline::auth_offline_user(state, request).await,
        Operation::Transfer => transfer::transfer(state, request).await,
    }
}

/// Turns a failure into the answer, logging what the app is not told.
async fn answer_failure(state: &CustomerState, request: &ModernoRequest, failure: Failure) -> ModernoResponse {
    let (error, username) = match failure {
        Failure::Answer(answer) => return *answer,
        Failure::Internal(e) => return internal_failure(&e),
        Failure::Sdk { error, username } => (error, username),
    };
    let verdict = verdict_for(&error);
    let skip = match (verdict, username) {
        (SdkVerdict::ApplicationDisabled, Some(user)) => Some((user, login::Skip::ApplicationDisabled)),
        (SdkVerdict::DeviceIgnored, Some(user)) => Some((user, login::Skip::IgnoredDevice)),
        (SdkVerdict::Refused(status, text), _) => {
            tracing::info!(sdk_status = error.status(), detail = ?error.detail(), "the SDK server refused");
            return ModernoResponse::new(status, text);
        }
        _ => None,
    };
    let Some((user, skip)) = skip else {
        tracing::warn!(error = %error, "the SDK server did not answer properly");
        return ModernoResponse::new(Status::Failed, SDK_UNREACHABLE);
    };
    if let Some(session_id) = non_empty(&request.session_id) {
        if let Err(e) = state.sessions.end_login(session_id).await {
            tracing::error!(error = %format!("{e:#}"), "ending a login session");
        }
    }
    login::skip_mfa(state, &user, skip).await.unwrap_or_else(|e| internal_failure(&e))
}

/// Ping's sample has no status for too many attempts, an unknown or finished session or a full
/// device list: it answers 1000 with its reason ([S-MOD] `Status.java`, `HostingServerServlet`).
/// The project's own codes for them (1032, 1033, 1034) go out only when switched on.
fn in_pings_codes(mut answer: ModernoResponse, extension_codes: bool) -> ModernoResponse {
    let beyond_ping =
        matches!(answer.status, Status::TooManyAttempts | Status::SessionExpired | Status::DeviceLimitReached);
    if beyond_ping && !extension_codes {
        answer.status = Status::Failed;
    }
    answer
}

fn internal_failure(e: &anyhow::Error) -> ModernoResponse {
    tracing::error!(error = %format!("{e:#}"), "internal failure");
    ModernoResponse::new(Status::Failed, "the customer server failed; try again")
}

fn parse_operation(name: &str) -> Option<Operation> {
    serde_json::from_value(serde_json::Value::String(name.to_owned())).ok()
}

/// `Some(text)` unless absent or empty.
pub(crate) fn non_empty(field: &Option<String>) -> Option<&str> {
    field.as_deref().filter(|s| !s.is_empty())
}

/// The field's value, or 1020 naming it.
pub(crate) fn required<'a>(field: &'a Option<String>, name: &str) -> Result<&'a str, Failure> {
    non_empty(field).ok_or_else(|| missing_field(name))
}
