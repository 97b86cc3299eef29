//! Reading request bodies: at most 64 KiB (else 400 `INVALID_DATA` detail `SIZE_LIMIT_EXCEEDED`:
//! Ping has no 413, [S-MODEL] `ErrorCode.java`), and JSON only as `application/json` that parses
//! (else 400 `INVALID_DATA` naming the problem; a missing field is detail `REQUIRED_VALUE` with
//! its name as `target`) — never axum's plain-text rejections.

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ApiResult};

/// Buffers a body under the router's `DefaultBodyLimit`.
pub async fn buffer(parts: &Parts, body: Body) -> ApiResult<Bytes> {
    Bytes::from_request(Request::from_parts(parts.clone(), body), &()).await.map_err(|rejection| {
        match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::body_too_large(),
            _ => ApiError::invalid_data(format!("the request body could not be read: {}", rejection.body_text())),
        }
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
    // Every request body of the API is an object; serde would read a struct from an array too
    // (`[]` as an update that changes nothing).
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::invalid_data("the body must be a JSON object"));
    }
    serde_json::from_slice(bytes).map_err(|e| {
        let message = format!("the body is not valid JSON for this request: {e}");
        match missing_field(&e) {
            Some(field) => ApiError::required_value(&field, message),
            None => ApiError::invalid_data(message),
        }
    })
}

/// The field serde found missing ("missing field `username` at line 1 column 17").
fn missing_field(e: &serde_json::Error) -> Option<String> {
    let text = e.to_string();
    let rest = text.strip_prefix("missing field `")?;
    rest.split_once('`').map(|(field, _)| field.to_string())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Change {
        #[serde(default)]
        #[allow(dead_code)]
        nickname: Option<String>,
    }

    fn json_headers() -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, "application/json".parse().unwrap());
        headers
    }

    #[test]
    fn only_an_object_is_a_request_body() {
        for body in ["[]", " [\"x\"]", "null", "\"{}\"", "1", ""] {
            let refused = parse_json::<Change>(&json_headers(), body.as_bytes()).unwrap_err();
            assert!(format!("{refused:?}").contains("JSON object"), "{body}: {refused:?}");
        }
        assert!(parse_json::<Change>(&json_headers(), b" \n{}").is_ok());
        assert!(parse_json::<Change>(&json_headers(), br#"{"nickname": "Desk"}"#).is_ok());
    }
}
