//! PINGID-HMAC on the Ping API: every request under `/pingid/v1/accounts/...` must carry a valid
//! `Authorization: PINGID-HMAC=<jws>` over this very request, whose `X-Request-ID` was not used
//! before (kept until its `expires`). Refusals: 401 `UNAUTHORIZED_REQ` with no detail (Ping lists
//! none for it, [D-SIG]); the message names the reason.

use axum::extract::{OriginalUri, Request, State};
use axum::http::header::{AUTHORIZATION, HOST};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use moderno_crypto::pingid_hmac::{RequestParts, SignatureError};

use crate::body;
use crate::error::ApiError;
use crate::state::SdkState;
use crate::store::nonces::{self, NonceKind};

/// The `X-Request-ID` of the verified request, for the response signature.
#[derive(Debug, Clone)]
pub struct SignedRequestId(pub String);

/// The host name the client signed: the `Host` header (or the URI's authority) without the port.
pub fn signed_host(parts: &Parts) -> String {
    let authority = parts
        .headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| parts.uri.authority().map(|a| a.as_str().to_string()))
        .unwrap_or_default();
    if let Some(rest) = authority.strip_prefix('[') {
        // An IPv6 literal keeps its brackets, as URL host names do.
        return rest.split_once(']').map(|(ip, _)| format!("[{ip}]")).unwrap_or(authority);
    }
    authority.split(':').next().unwrap_or_default().to_string()
}

/// The path as the client sent it (before any nesting stripped a prefix).
pub fn original_path(parts: &Parts) -> String {
    parts.extensions.get::<OriginalUri>().map_or_else(|| parts.uri.path().to_string(), |u| u.path().to_string())
}

pub async fn verify_pingid_hmac(State(state): State<SdkState>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = match body::buffer(&parts, body).await {
        Ok(bytes) => bytes,
        Err(e) => return e.into_response(),
    };
    let host = signed_host(&parts);
    let path = original_path(&parts);
    let signed = RequestParts {
        method: parts.method.as_str(),
        host: &host,
        path: &path,
        query: parts.uri.query(),
        body: &bytes,
    };
    let authorization = parts.headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok());
    let now = state.now();
    let verified = match state.credentials.verify_request(authorization, &signed, now) {
        Ok(v) => v,
        Err(e) => return refuse(&e),
    };
    let request_id = verified.header.request_id.clone();
    let claim = {
        let (request_id, expires, now_ms) =
            (request_id.clone(), verified.expires.timestamp_millis(), now.timestamp_millis());
        state.db.write(move |tx| Ok(nonces::claim(tx, NonceKind::RequestId, &request_id, expires, now_ms)?)).await
    };
    match claim {
        Ok(true) => {}
        Ok(false) => return refuse(&SignatureError::Replayed),
        Err(e) => return e.into_response(),
    }
    let mut response = next.run(Request::from_parts(parts, bytes.into())).await;
    response.extensions_mut().insert(SignedRequestId(request_id));
    response
}

fn refuse(e: &SignatureError) -> Response {
    tracing::warn!(reason = %e, "PINGID-HMAC signature refused");
    ApiError::unauthorized(e.to_string()).into_response()
}
