//! Every error answer is JSON with words, the HTTP layer's own refusals too: the authentication
//! API's `{code, message, userMessage}` (PingFederate SDK guide, "Error messages and
//! localization",
//! https://docs.pingidentity.com/pingfederate/latest/sdk_developers_guide/pf_error_messages_localization.html)
//! and OAuth's `{error, error_description}` on `/as/...` (RFC 6749 section 5.2).

// Tests fail loudly on the first surprise.
#![allow(clippy::unwrap_used)]

mod common;

use common::pf::Stack;
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::Value;

/// A body one byte over PingFederate's limit.
fn too_large() -> String {
    "a".repeat(pingfederate_server::MAX_BODY_BYTES + 1)
}

/// Sends `request` and checks the answer is `status` with a JSON body; answers the body.
async fn json_refusal(request: RequestBuilder, status: StatusCode, what: &str) -> Value {
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), status, "{what}");
    let content_type = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_string());
    assert_eq!(content_type.as_deref(), Some("application/json"), "{what}");
    response.json().await.unwrap()
}

fn assert_authn_error(body: &Value, code: &str, what: &str) {
    assert_eq!(body["code"], code, "{what}: {body}");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{what}: {body}");
    assert!(body["userMessage"].as_str().is_some_and(|m| !m.is_empty()), "{what}: {body}");
}

fn assert_oauth_error(body: &Value, what: &str) {
    assert_eq!(body["error"], "invalid_request", "{what}: {body}");
    assert!(body["error_description"].as_str().is_some_and(|m| !m.is_empty()), "{what}: {body}");
}

#[tokio::test]
async fn the_authentication_apis_http_refusals_are_json_with_a_code_and_words() {
    let stack = Stack::start().await;
    let mut client = stack.client();
    let flow = client.start_flow().await;
    let id = flow["id"].as_str().unwrap();
    let url = client.flow_url(id);
    let http = &client.http;
    let cookie = client.cookie.clone().unwrap();
    let action = |request: RequestBuilder| {
        request
            .header("cookie", &cookie)
            .header("x-xsrf-header", "PingFederate")
            .header("content-type", "application/vnd.pingidentity.checkUsernamePassword+json")
    };

    let body =
        json_refusal(http.get(format!("{}/pf-ws/authn/nothing-here", stack.pf_url)), StatusCode::NOT_FOUND, "no route")
            .await;
    assert_authn_error(&body, "RESOURCE_NOT_FOUND", "no route");

    let response = http.request(Method::DELETE, &url).send().await.unwrap();
    assert_eq!(
        response.headers().get("allow").map(|v| v.to_str().unwrap().to_string()).as_deref(),
        Some("GET,HEAD,POST"),
        "Allow is kept"
    );
    let body = json_refusal(http.request(Method::DELETE, &url), StatusCode::METHOD_NOT_ALLOWED, "DELETE").await;
    assert_authn_error(&body, "METHOD_NOT_ALLOWED", "DELETE");

    let body =
        json_refusal(action(http.post(&url)).body(too_large()), StatusCode::PAYLOAD_TOO_LARGE, "a body over the limit")
            .await;
    assert_authn_error(&body, "PAYLOAD_TOO_LARGE", "a body over the limit");

    let body =
        json_refusal(action(http.post(&url)).body("{\"username\": "), StatusCode::BAD_REQUEST, "malformed JSON").await;
    assert_authn_error(&body, "INVALID_REQUEST", "malformed JSON");

    let twice = http.post(format!("{url}?action=checkUsernamePassword&action=cancelAuthentication"));
    let request = twice
        .header("cookie", &cookie)
        .header("x-xsrf-header", "PingFederate")
        .header("content-type", "application/json")
        .body("{}");
    let body = json_refusal(request, StatusCode::BAD_REQUEST, "a query naming two actions").await;
    assert_authn_error(&body, "INVALID_REQUEST", "a query naming two actions");
    assert!(body["message"].as_str().unwrap().contains("action"), "the extractor's words are kept: {body}");

    let body = json_refusal(
        http.get(format!("{}/pf-ws/authn/flows/%FF", stack.pf_url)).header("x-xsrf-header", "PingFederate"),
        StatusCode::BAD_REQUEST,
        "a flow id that is no text",
    )
    .await;
    assert_authn_error(&body, "INVALID_REQUEST", "a flow id that is no text");

    assert_eq!(client.get(id).await.1, flow, "no refusal changed the flow");
}

#[tokio::test]
async fn the_oauth_endpoints_http_refusals_are_oauth_errors() {
    let stack = Stack::start().await;
    let client = stack.client();
    let http = &client.http;
    let base = &stack.pf_url;

    let body = json_refusal(http.get(format!("{base}/as/nothing-here")), StatusCode::NOT_FOUND, "no route").await;
    assert_oauth_error(&body, "no route");

    for (method, path) in
        [(Method::PUT, "/as/token.oauth2"), (Method::DELETE, "/as/authorization.oauth2"), (Method::POST, "/pf/JWKS")]
    {
        let what = format!("{method} {path}");
        let body =
            json_refusal(http.request(method, format!("{base}{path}")), StatusCode::METHOD_NOT_ALLOWED, &what).await;
        assert_oauth_error(&body, &what);
    }

    let form = format!("grant_type=authorization_code&code={}", too_large());
    let request = http
        .post(format!("{base}/as/token.oauth2"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form);
    let body = json_refusal(request, StatusCode::PAYLOAD_TOO_LARGE, "a form over the limit").await;
    assert_oauth_error(&body, "a form over the limit");

    let request = http.post(format!("{base}/as/token.oauth2")).header("content-type", "application/json").body("{}");
    let body = json_refusal(request, StatusCode::UNSUPPORTED_MEDIA_TYPE, "a token request that is no form").await;
    assert_oauth_error(&body, "a token request that is no form");

    let request = http.get(format!("{base}/as/authorization.oauth2?client_id=a&client_id=b&response_mode=pi.flow"));
    let body = json_refusal(request, StatusCode::BAD_REQUEST, "a query naming two clients").await;
    assert_oauth_error(&body, "a query naming two clients");
    assert!(
        body["error_description"].as_str().unwrap().contains("client_id"),
        "the extractor's words are kept: {body}"
    );
}
