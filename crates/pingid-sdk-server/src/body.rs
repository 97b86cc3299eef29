//! Reading request bodies: at most 64 KiB (413 `PAYLOAD_TOO_LARGE`), and JSON only as
//! `application/json` that parses (else 400 `INVALID_DATA` naming the problem) — never axum's
//! plain-text rejections.

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ApiResult};

/// Buffers a body under the router's `DefaultBodyLimit`.
pub async fn buffer(parts: &Parts, body: Body) -> ApiResult<Bytes> {
    Bytes::from_request(Request::from_parts(parts.clone(), body), &())
        .await
        .map_err(|rejection| match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::payload_too_large(),
            _ => ApiError::invalid_data(format!("the request body could not be read: {}", rejection.body_text())),
        })
}

/// Parses a JSON body after checking its content type.
pub fn parse_json<T: DeserializeOwned>(headers: &HeaderMap, bytes: &[u8]) -> ApiResult<T> {
    let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let mime = content_type.split(';').next().unwrap_or("").trim();
    if !mime.eq_ignore_ascii_case("application/json") {
        return Err(ApiError::invalid_data(format!(
            "the content type must be application/json, not {:?}",
            if content_type.is_empty() { "(none)" } else { content_type }
        )));
    }
    serde_json::from_slice(bytes).map_err(|e| ApiError::invalid_data(format!("the body is not valid JSON for this request: {e}")))
}

/// A JSON body, refused the Ping way.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let bytes = buffer(&parts, body).await?;
        parse_json(&parts.headers, &bytes).map(JsonBody)
    }
}
