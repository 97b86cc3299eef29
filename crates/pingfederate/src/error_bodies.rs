//! Every error answer is JSON with words, the HTTP layer's own too (no such route, wrong method,
//! a body over the limit, an extractor's plain-text rejection): on the OAuth and OpenID endpoints
//! (`/as/...`, `/pf/JWKS`, `/.well-known/...`) in OAuth's `{error, error_description}` (RFC 6749
//! section 5.2), elsewhere in the authentication API's `{code, message, userMessage}` (PingFederate
//! SDK guide, error messages). The HTTP status and headers such as `Allow` are kept. HTML pages
//! (the widget page's) stay HTML.

use std::sync::Arc;

use axum::extract::Request;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use moderno_ambient::serving::Refusal;

use crate::error::AuthnApiError;
use crate::oauth::OAuthFailure;

/// The most of a plain-text rejection kept in the message.
const MAX_WORDS: usize = 300;

/// Paths answered in OAuth's error shape.
fn is_oauth_path(path: &str) -> bool {
    path.starts_with("/as/") || path == "/pf/JWKS" || path.starts_with("/.well-known/")
}

/// The error answer for `status` with `words`, in the shape of `path`.
fn refusal(path: &str, status: StatusCode, words: String) -> Response {
    if is_oauth_path(path) {
        let error = if status.is_server_error() { "server_error" } else { "invalid_request" };
        OAuthFailure::new(status, error, &words).into_response()
    } else {
        AuthnApiError::Refused { status, message: words }.into_response()
    }
}

pub async fn as_json(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    let status = response.status();
    let typed = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json") || t.starts_with("text/html"));
    if !(status.is_client_error() || status.is_server_error()) || typed {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = match axum::body::to_bytes(body, 64 * 1024).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).chars().take(MAX_WORDS).collect::<String>(),
        Err(_) => String::new(),
    };
    let reason = status.canonical_reason().unwrap_or("refused").to_ascii_lowercase();
    let words = if text.trim().is_empty() { reason } else { format!("{reason}: {}", text.trim()) };
    let mut answer = refusal(&path, status, words);
    parts.headers.remove(CONTENT_TYPE);
    parts.headers.remove(CONTENT_LENGTH);
    answer.headers_mut().extend(parts.headers);
    answer
}

/// No such route: 404 in the path's shape.
pub async fn not_found(uri: Uri) -> Response {
    refusal(uri.path(), StatusCode::NOT_FOUND, "no such resource".into())
}

/// A request the server loop refuses before any handler (over its header or target limits,
/// `moderno_ambient::serving`), in the shape of its path, with its status.
pub fn serving_refusal() -> Refusal {
    Arc::new(|target, status, words| refusal(target.path(), status, words.to_owned()))
}
