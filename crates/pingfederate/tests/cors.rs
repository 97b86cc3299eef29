//! CORS for the configured origins: preflights on the authentication API and the token endpoint
//! echo the exact origin with credentials, methods and headers; other origins get no CORS headers.

// Tests fail loudly on the first surprise.
#![allow(clippy::unwrap_used)]

mod common;

use common::pf::Stack;
use reqwest::{Method, StatusCode};

async fn preflight(stack: &Stack, path: &str, origin: &str) -> reqwest::Response {
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    client
        .request(Method::OPTIONS, format!("{}{path}", stack.pf_url))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type, x-xsrf-header")
        .send()
        .await
        .unwrap()
}

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response.headers().get(name).map(|v| v.to_str().unwrap().to_string())
}

#[tokio::test]
async fn preflights_from_each_configured_origin_echo_it_with_credentials_methods_and_headers() {
    let stack = Stack::start().await;
    for origin in ["http://localhost:5173", "tauri://localhost", "http://tauri.localhost"] {
        for path in ["/pf-ws/authn/flows/some-flow", "/as/token.oauth2", "/as/authorization.oauth2"] {
            let response = preflight(&stack, path, origin).await;
            assert_eq!(response.status(), StatusCode::NO_CONTENT, "{origin} {path}");
            assert_eq!(header(&response, "access-control-allow-origin").as_deref(), Some(origin));
            assert_eq!(header(&response, "access-control-allow-credentials").as_deref(), Some("true"));
            assert_eq!(header(&response, "access-control-allow-methods").as_deref(), Some("GET, POST, OPTIONS"));
            assert_eq!(
                header(&response, "access-control-allow-headers").as_deref(),
                Some("Content-Type, X-XSRF-Header, X-Pf-Authn-Api-State")
            );
        }
    }
}

#[tokio::test]
async fn other_origins_get_no_cors_headers_on_preflights_or_calls() {
    let stack = Stack::start().await;
    let response = preflight(&stack, "/pf-ws/authn/flows/some-flow", "https://evil.example").await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.headers().keys().all(|k| !k.as_str().starts_with("access-control-")), "{:?}", response.headers());
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let call =
        client.get(format!("{}/pf/JWKS", stack.pf_url)).header("origin", "http://localhost:5174").send().await.unwrap();
    assert_eq!(call.status(), StatusCode::OK);
    assert!(call.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn a_credentialed_call_from_an_allowed_origin_drives_the_flow_with_its_cookie() {
    let stack = Stack::start().await;
    let mut client = stack.client();
    let (flow, _) = client.login("alice").await;
    let response = client
        .http
        .get(client.flow_url(&flow))
        .header("origin", "http://localhost:5173")
        .header("x-xsrf-header", "PingFederate")
        .header("cookie", client.session_cookie().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "access-control-allow-origin").as_deref(), Some("http://localhost:5173"));
    assert_eq!(header(&response, "access-control-allow-credentials").as_deref(), Some("true"));
    assert_eq!(header(&response, "vary").as_deref(), Some("Origin"));
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "AUTHENTICATION_REQUIRED");
}
