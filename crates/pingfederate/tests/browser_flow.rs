//! Browser mode: the authorization endpoint without `response_mode=pi.flow` redirects to the
//! authentication application with `?flowId=`; the flow ends in RESUME with `resumeUrl`, which
//! redirects once, with the flow cookie, to the client with `code` and `state`.

// Tests fail loudly on the first surprise.
#![allow(clippy::unwrap_used)]

mod common;

use common::device::TestDevice;
use common::pf::{links, ApiClient, Stack, REDIRECT_URI};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Starts a browser flow; answers the flow id from the redirect.
async fn browser_flow(stack: &Stack, client: &mut ApiClient) -> String {
    let location = client.start_browser_flow().await;
    let prefix = format!("{}/pf-ws/authn/app?flowId=", stack.pf_url);
    location
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("sent to the authentication application: {location}"))
        .to_string()
}

/// bob logs in in a browser, skips pairing his desktop, and the flow finishes.
async fn finished_browser_flow(stack: &Stack, client: &mut ApiClient) -> (String, Value) {
    let flow = browser_flow(stack, client).await;
    client.step(&flow, "checkUsernamePassword", json!({"username": "bob", "password": common::pf::PASSWORD})).await;
    let phone = TestDevice::new(12, "Bob's desktop", &stack.clock);
    client.step(&flow, "authenticate", json!({"mobilePayload": phone.mobile_payload()})).await;
    let resume = client.step(&flow, "continueAuthentication", json!({})).await;
    (flow, resume)
}

#[tokio::test]
async fn a_browser_is_sent_to_the_authentication_application_with_the_flow_id_and_a_lax_http_only_cookie() {
    let stack = Stack::start().await;
    let mut client = stack.client();
    let challenge = client.challenge();
    let url = format!(
        "{}/as/authorization.oauth2?client_id=moderno-desktop&response_type=code&code_challenge={challenge}&code_challenge_method=S256&redirect_uri=moderno%3A%2F%2Fcallback",
        stack.pf_url
    );
    let response = client.browser_get(&url).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    // PingFederate's session cookie is `PF` ("Mobile application authentication through REST
    // APIs": https://docs.pingidentity.com/pingfederate/latest/developers_reference_guide/pf_mobile_app_auth_through_rest_apis.html).
    assert!(cookie.starts_with("PF=") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "no Secure over loopback http: {cookie}");
    let flow = browser_flow(&stack, &mut client).await;
    let (status, started) = client.get(&flow).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(started["status"], "USERNAME_PASSWORD_REQUIRED");
    assert_eq!(links(&started), ["cancelAuthentication", "checkUsernamePassword"]);
    let placeholder: Value =
        client.browser_get(&format!("{}/pf-ws/authn/app?flowId={flow}", stack.pf_url)).await.json().await.unwrap();
    assert_eq!(placeholder["flow"], format!("{}/pf-ws/authn/flows/{flow}", stack.pf_url));
}

#[tokio::test]
async fn a_finished_browser_flow_resumes_once_into_a_redirect_with_code_and_state_and_the_code_buys_tokens() {
    let stack = Stack::start().await;
    let mut client = stack.client();
    let (flow, resume) = finished_browser_flow(&stack, &mut client).await;
    assert_eq!(resume["status"], "RESUME");
    assert!(resume.get("authorizeResponse").is_none(), "no code in the JSON of a browser flow");
    assert!(links(&resume).is_empty());
    let resume_url = resume["resumeUrl"].as_str().unwrap();
    assert_eq!(resume_url, format!("{}/as/{flow}/resume/as/authorization.ping", stack.pf_url));

    let stranger = stack.client();
    assert_eq!(stranger.browser_get(resume_url).await.status(), StatusCode::FORBIDDEN, "another browser cannot resume");
    let redirect = client.browser_get(resume_url).await;
    assert_eq!(redirect.status(), StatusCode::FOUND);
    let location = url::Url::parse(redirect.headers()["location"].to_str().unwrap()).unwrap();
    assert_eq!(format!("{}://{}", location.scheme(), location.host_str().unwrap()), REDIRECT_URI);
    let params: std::collections::HashMap<String, String> = location.query_pairs().into_owned().collect();
    assert_eq!(params["state"], "xyz");
    let (status, tokens) = client.exchange(&params["code"]).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let claims = stack.verified_claims(tokens["access_token"].as_str().unwrap()).await;
    assert_eq!(claims["pingone.mfa.status"], "com.pingidentity.pingone.device_not_paired");

    let again = client.browser_get(resume_url).await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND, "a resume works once");
    assert_eq!(client.get(&flow).await.1, resume, "the flow still reads RESUME");
}

#[tokio::test]
async fn a_cancelled_browser_flow_resumes_into_access_denied_with_the_state() {
    let stack = Stack::start().await;
    let mut client = stack.client();
    let flow = browser_flow(&stack, &mut client).await;
    let resume = client.step(&flow, "cancelAuthentication", json!({})).await;
    assert_eq!(resume["status"], "RESUME");
    let redirect = client.browser_get(resume["resumeUrl"].as_str().unwrap()).await;
    assert_eq!(redirect.status(), StatusCode::FOUND);
    let location = url::Url::parse(redirect.headers()["location"].to_str().unwrap()).unwrap();
    let params: std::collections::HashMap<String, String> = location.query_pairs().into_owned().collect();
    assert_eq!(params["error"], "access_denied");
    assert_eq!(params["state"], "xyz");
    assert!(!params.contains_key("code"));
}

#[tokio::test]
async fn resuming_an_unfinished_flow_is_refused_and_changes_nothing() {
    let stack = Stack::start().await;
    let mut client = stack.client();
    let flow = browser_flow(&stack, &mut client).await;
    let (_, before) = client.get(&flow).await;
    let response = client.browser_get(&format!("{}/as/{flow}/resume/as/authorization.ping", stack.pf_url)).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "FLOW_NOT_RESUMABLE");
    assert_eq!(client.get(&flow).await.1, before);
}

#[tokio::test]
async fn redirectless_flows_still_complete_with_the_code_in_the_json() {
    let stack = Stack::start().await;
    let (_, completed) = stack.login_from_paired_device("dave", 33).await;
    assert_eq!(completed["status"], "COMPLETED");
    assert!(completed["authorizeResponse"]["code"].is_string());
    assert!(completed.get("resumeUrl").is_none());
}
