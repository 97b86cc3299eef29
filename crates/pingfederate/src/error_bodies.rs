//! Every error answer is JSON with words, the HTTP layer's own too (no such route, wrong method,
//! a body over the limit, an extractor's plain-text rejection): on the OAuth and OpenID endpoints
//! (`/as/...`, `/pf/JWKS`, `/.well-known/...`) in OAuth's `{error, error_description}` (RFC 6749
//! section 5.2), elsewhere in the authentication API's `{code, message, userMessage}` (PingFederate
//! SDK guide, error messages). The HTTP status and headers such as `Allow` are kept. HTML pages
//! (the widget page's) stay HTML.

use std::sync::Arc;

use axum::extract::Request;
use axum::http::{StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use moderno_ambient::serving::{plain_refusal, Refusal};

use crate::error::AuthnApiError;
use crate::oauth::OAuthFailure;

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
    match plain_refusal(next.run(request).await).await {
        Ok(plain) => {
            let mut answer = refusal(&path, plain.status, plain.words);
            answer.headers_mut().extend(plain.headers);
            answer
        }
        Err(answer) => answer,
    }
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
