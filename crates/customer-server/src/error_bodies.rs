//! Every error answer in the protocol's shape. Handlers answer `ModernoResponse` JSON or an HTML
//! page themselves; what the HTTP layer answers on its own (no such route, wrong method, an
//! extractor's plain-text rejection, a form over its size limit) is turned into the same JSON,
//! its words kept in `description`, its HTTP status kept.

use std::sync::Arc;

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use axum::Json;
use moderno_ambient::serving::{plain_refusal, Refusal};
use moderno_wire::moderno::{ModernoResponse, Status};

pub(crate) async fn as_json(request: Request, next: Next) -> Response {
    match plain_refusal(next.run(request).await).await {
        Ok(plain) => {
            let code = if plain.status.is_server_error() { Status::Failed } else { Status::InvalidInput };
            (plain.status, Json(ModernoResponse::new(code, plain.words))).into_response()
        }
        Err(answer) => answer,
    }
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
