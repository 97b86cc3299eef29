//! The last thing every response passes through: errors become Ping's `ErrorBody` (with an id
//! from the injected entropy), bare statuses from the router (404, 405, 413) too, and every
//! answer is signed with `X-PINGID-Signature` (and the sample client's `X-PINGID-Singature`).

use std::sync::Arc;

use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::response::Parts;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use moderno_ambient::serving::Refusal;
use moderno_crypto::pingid_hmac::{RESPONSE_SIGNATURE_HEADER, RESPONSE_SIGNATURE_HEADER_SAMPLE};

use moderno_wire::sdk::ErrorCode;

use crate::error::{ApiError, PendingErrorBody};
use crate::signing::SignedRequestId;
use crate::state::SdkState;

/// Largest response the envelope buffers (answers are small JSON documents).
const MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;

pub async fn finish_response(State(state): State<SdkState>, request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let (mut parts, body) = response.into_parts();
    let pending = parts.extensions.remove::<PendingErrorBody>().map(|p| p.0);
    let is_json = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let mut error = pending.or_else(|| {
        let bare_error = parts.status.is_client_error() || parts.status.is_server_error();
        (bare_error && !is_json).then(|| ApiError::for_status(parts.status))
    });
    let mut bytes = Bytes::new();
    if error.is_none() {
        match to_bytes(body, MAX_RESPONSE_BYTES).await {
            Ok(b) => bytes = b,
            Err(e) => error = Some(ApiError::internal(format_args!("buffering a response: {e}"))),
        }
    }
    seal(&state, parts, error, bytes)
}

/// `error` (if any) rendered as Ping's `ErrorBody` in place of `bytes`, and the answer signed.
fn seal(state: &SdkState, mut parts: Parts, error: Option<ApiError>, mut bytes: Bytes) -> Response {
    if let Some(e) = error {
        parts.status = e.status;
        parts.headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        bytes = Bytes::from(serde_json::to_vec(&e.into_body(state.entropy.uuid())).unwrap_or_default());
    }
    let request_id = parts.extensions.get::<SignedRequestId>().map_or_else(|| state.entropy.uuid(), |r| r.0.clone());
    let signature = state.credentials.sign_response(&bytes, state.now(), &request_id);
    if let Ok(value) = HeaderValue::from_str(&signature) {
        for name in [RESPONSE_SIGNATURE_HEADER, RESPONSE_SIGNATURE_HEADER_SAMPLE] {
            if let Ok(name) = HeaderName::from_bytes(name.as_bytes()) {
                parts.headers.insert(name, value.clone());
            }
        }
    }
    parts.headers.insert(CONTENT_LENGTH, HeaderValue::from(bytes.len()));
    Response::from_parts(parts, Body::from(bytes))
}

/// A request the server loop refuses before any handler (over its header or target limits,
/// `moderno_ambient::serving`), as Ping's `ErrorBody` (`INVALID_REQUEST`) with its status, signed
/// like every answer.
pub fn serving_refusal(state: SdkState) -> Refusal {
    Arc::new(move |_target, status, words| {
        let error = ApiError { status, code: ErrorCode::InvalidRequest, ..ApiError::invalid_data(words) };
        let (parts, ()) = Response::new(()).into_parts();
        seal(&state, parts, Some(error), Bytes::new())
    })
}
