//! Reading a Moderno request: at most 64 KiB of JSON (`Content-Type: application/json`), with answers in the protocol's own shape
//! (status 1020) instead of axum's plain-text rejections.

use axum::extract::{FromRequest, Request};
use axum::http::{header, StatusCode};
use axum::Json;
use moderno_wire::moderno::{ModernoRequest, ModernoResponse, Status};

/// Largest request body read.
pub(crate) const MAX_BODY_BYTES: usize = 64 * 1024;

/// A parsed [`ModernoRequest`].
pub(crate) struct ModernoBody(pub ModernoRequest);

pub(crate) type Rejection = (StatusCode, Json<ModernoResponse>);

fn reject(code: StatusCode, text: String) -> Rejection {
    tracing::info!(http_status = code.as_u16(), "refused a request body");
    (code, Json(ModernoResponse::new(Status::InvalidInput, text)))
}

fn too_large() -> Rejection {
    reject(StatusCode::PAYLOAD_TOO_LARGE, format!("the request body is larger than {} KiB", MAX_BODY_BYTES / 1024))
}

impl<S: Send + Sync> FromRequest<S> for ModernoBody {
    type Rejection = Rejection;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Rejection> {
        // JSON only, as Ping's apps send it: a form or `text/plain` body is what a web page can
        // send without a CORS preflight.
        let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
        let media_type = content_type.split(';').next().unwrap_or_default().trim();
        if !media_type.eq_ignore_ascii_case("application/json") {
            return Err(reject(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "the request must be JSON (Content-Type: application/json)".to_owned(),
            ));
        }
        let declared =
            req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
            return Err(too_large());
        }
        // Reading fails for a body over the limit (or a client gone mid-body).
        let bytes = axum::body::to_bytes(req.into_body(), MAX_BODY_BYTES).await.map_err(|_| too_large())?;
        serde_json::from_slice::<ModernoRequest>(&bytes).map(ModernoBody).map_err(|e| {
            let problem = match e.classify() {
                serde_json::error::Category::Data => "the JSON is not a Moderno request",
                _ => "the body is not valid JSON",
            };
            reject(StatusCode::BAD_REQUEST, format!("{problem}: {e}"))
        })
    }
}
