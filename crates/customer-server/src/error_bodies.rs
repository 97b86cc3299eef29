//! Every error answer in the protocol's shape. Handlers answer `ModernoResponse` JSON or an HTML
//! page themselves; what the HTTP layer answers on its own (no such route, wrong method, an
//! extractor's plain-text rejection, a form over its size limit) is turned into the same JSON,
//! its words kept in `description`, its HTTP status kept.

use std::sync::Arc;

use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use axum::Json;
use moderno_ambient::serving::Refusal;
use moderno_wire::moderno::{ModernoResponse, Status};

/// The most of a plain-text rejection kept in the description.
const MAX_WORDS: usize = 300;

pub(crate) async fn as_json(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let typed = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json") || t.starts_with("text/html"));
    if !(status.is_client_error() || status.is_server_error()) || typed {
        return response;
    }
    let text = match axum::body::to_bytes(response.into_body(), 64 * 1024).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).chars().take(MAX_WORDS).collect::<String>(),
        Err(_) => String::new(),
    };
    let reason = status.canonical_reason().unwrap_or("refused").to_ascii_lowercase();
    let description = if text.trim().is_empty() { reason } else { format!("{reason}: {}", text.trim()) };
    let code = if status.is_server_error() { Status::Failed } else { Status::InvalidInput };
    (status, Json(ModernoResponse::new(code, description))).into_response()
}

/// No such route: 404 in the protocol's shape.
pub(crate) async fn not_found() -> Response {
    let answer =
        ModernoResponse::new(Status::InvalidInput, "no such page or endpoint (the protocol is POST /pingidsdk)");
    (StatusCode::NOT_FOUND, Json(answer)).into_response()
}

/// A request the server loop refuses before any handler (over its header or target limits,
/// `moderno_ambient::serving`), in the protocol's shape with its status.
pub fn serving_refusal() -> Refusal {
    Arc::new(|_target, status, words| (status, Json(ModernoResponse::new(Status::InvalidInput, words))).into_response())
}
