//! CORS for the configured origins (PingFederate's "Additional Allowed Origins" of an
//! authentication application) on the authentication API and the OAuth endpoints a page calls:
//! the exact origin is echoed with `Access-Control-Allow-Credentials: true` (the flow cookie
//! travels), preflights are answered with the methods and headers the API takes; other origins
//! get no CORS headers at all.

use axum::extract::{Request, State as Shared};
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_METHOD, ORIGIN, VARY,
};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use moderno_wire::pingfederate::FLOWS_PATH;

use crate::State;

const ALLOWED_METHODS: &str = "GET, POST, OPTIONS";
const ALLOWED_HEADERS: &str = "Content-Type, X-XSRF-Header, X-Pf-Authn-Api-State";

fn is_cors_path(path: &str) -> bool {
    path.starts_with(FLOWS_PATH)
        || matches!(
            path,
            "/as/authorization.oauth2" | "/as/token.oauth2" | "/pf/JWKS" | "/.well-known/openid-configuration"
        )
}

/// The request's origin when it is one of the configured ones.
fn allowed_origin(state: &State, headers: &HeaderMap) -> Option<HeaderValue> {
    let origin = headers.get(ORIGIN)?;
    let text = origin.to_str().ok()?;
    state.config().allowed_origins.iter().any(|o| o == text).then(|| origin.clone())
}

fn allow(headers: &mut HeaderMap, origin: HeaderValue) {
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.insert(ACCESS_CONTROL_ALLOW_CREDENTIALS, HeaderValue::from_static("true"));
    headers.append(VARY, HeaderValue::from_static("Origin"));
}

pub async fn cors(Shared(state): Shared<State>, request: Request, next: Next) -> Response {
    if !is_cors_path(request.uri().path()) {
        return next.run(request).await;
    }
    let origin = allowed_origin(&state, request.headers());
    let preflight =
        request.method() == Method::OPTIONS && request.headers().contains_key(ACCESS_CONTROL_REQUEST_METHOD);
    if preflight {
        let Some(origin) = origin else {
            tracing::info!("CORS preflight from an origin not allowed");
            return StatusCode::FORBIDDEN.into_response();
        };
        let mut response = StatusCode::NO_CONTENT.into_response();
        let headers = response.headers_mut();
        allow(headers, origin);
        headers.insert(ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static(ALLOWED_METHODS));
        headers.insert(ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static(ALLOWED_HEADERS));
        headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
        return response;
    }
    let mut response = next.run(request).await;
    if let Some(origin) = origin {
        allow(response.headers_mut(), origin);
    }
    response
}
