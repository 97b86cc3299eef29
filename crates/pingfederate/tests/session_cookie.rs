//! The `PF` cookie ("Mobile application authentication through REST APIs": clients keep `PF`,
//! https://docs.pingidentity.com/pingfederate/latest/developers_reference_guide/pf_mobile_app_auth_through_rest_apis.html)
//! names a session PingFederate chose: a value the client chose, or one of no live flow, is not
//! adopted (session fixation: whoever planted the value could drive the flows started under it);
//! and a live value is issued afresh when the password passes, so a planted one that named the
//! planter's own live session reaches nothing once the user has signed in. (Ping publishes no
//! rotation rule; OWASP's Session Management Cheat Sheet: "Renew the Session ID After Any
//! Privilege Level Change".)

// Tests fail loudly on the first surprise.
#![allow(clippy::unwrap_used)]

mod common;

use chrono::Duration;
use common::pf::{ApiClient, Stack};
use reqwest::StatusCode;
use serde_json::Value;

/// Starts a redirectless flow presenting `cookie`; answers the flow and the `PF` value of the
/// answer's `Set-Cookie`, if any.
async fn start_with_cookie(client: &ApiClient, cookie: Option<&str>) -> (Value, Option<String>) {
    let mut request =
        client.http.get(format!("{}/as/authorization.oauth2", client.base)).query(&client.authorization_query());
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let set = response.headers().get("set-cookie").map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string());
    (response.json().await.unwrap(), set)
}

fn with_cookie(stack: &Stack, cookie: &str) -> ApiClient {
    ApiClient { cookie: Some(cookie.to_string()), ..stack.client() }
}

#[tokio::test]
async fn a_session_value_the_client_chose_is_replaced_by_one_pingfederate_generates() {
    let stack = Stack::start().await;
    let client = stack.client();
    let planted = "PF=chosen-by-the-attacker";
    let (flow, fresh) = start_with_cookie(&client, Some(planted)).await;
    let fresh = fresh.expect("a new Set-Cookie");
    assert!(fresh.starts_with("PF="), "{fresh}");
    assert_ne!(fresh, planted, "PingFederate's own value");
    assert!(fresh.len() >= "PF=".len() + 22, "128 random bits: {fresh}");
    let id = flow["id"].as_str().unwrap();
    assert_eq!(with_cookie(&stack, &fresh).get(id).await.0, StatusCode::OK, "the flow is the new session's");
    let (status, refused) = with_cookie(&stack, planted).get(id).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the planted value drives nothing: {refused}");
    assert_eq!(refused["code"], "FLOW_SESSION_MISMATCH");
}

#[tokio::test]
async fn a_live_session_pingfederate_issued_is_kept_for_the_next_flow() {
    let stack = Stack::start().await;
    let client = stack.client();
    let (first, issued) = start_with_cookie(&client, None).await;
    let issued = issued.expect("the first flow sets the cookie");
    let (second, again) = start_with_cookie(&client, Some(&issued)).await;
    assert_eq!(again, None, "the session is kept: no new cookie");
    let holder = with_cookie(&stack, &issued);
    for flow in [&first, &second] {
        assert_eq!(holder.get(flow["id"].as_str().unwrap()).await.0, StatusCode::OK, "one session holds both flows");
    }
}

#[tokio::test]
async fn a_session_whose_flows_all_ended_gets_a_new_cookie() {
    let stack = Stack::start().await;
    let client = stack.client();
    let (_, issued) = start_with_cookie(&client, None).await;
    let issued = issued.unwrap();
    stack.clock.advance(Duration::minutes(31));
    let (flow, fresh) = start_with_cookie(&client, Some(&issued)).await;
    let fresh = fresh.expect("the expired session is not revived");
    assert_ne!(fresh, issued);
    assert_eq!(with_cookie(&stack, &fresh).get(flow["id"].as_str().unwrap()).await.0, StatusCode::OK);
}

/// `PF=<value>` of an answer's `Set-Cookie`, if any.
fn set_cookie(headers: &reqwest::header::HeaderMap) -> Option<String> {
    headers.get("set-cookie").map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string())
}

/// `checkUsernamePassword` on `flow` presenting `cookie`: the status, the answer's `Set-Cookie`
/// `PF` value and the answer.
async fn password(client: &ApiClient, flow: &str, cookie: &str, password: &str) -> (StatusCode, Option<String>, Value) {
    let response = client
        .http
        .post(client.flow_url(flow))
        .header("x-xsrf-header", "PingFederate")
        .header("cookie", cookie)
        .header("content-type", "application/vnd.pingidentity.checkUsernamePassword+json")
        .body(serde_json::json!({"username": "alice", "password": password}).to_string())
        .send()
        .await
        .unwrap();
    let status = response.status();
    let renewed = set_cookie(response.headers());
    (status, renewed, response.json().await.unwrap())
}

#[tokio::test]
async fn a_planted_live_session_reaches_nothing_once_the_password_passed() {
    let stack = Stack::start().await;
    let attacker = stack.client();
    // The attacker's own live session, planted in the victim's browser.
    let (own_flow, planted) = start_with_cookie(&attacker, None).await;
    let planted = planted.unwrap();
    let (victims, again) = start_with_cookie(&attacker, Some(&planted)).await;
    assert_eq!(again, None, "a live session PingFederate issued is kept at the start");
    let victims = victims["id"].as_str().unwrap();

    let (status, renewed, wrong) = password(&attacker, victims, &planted, "not the password").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{wrong}");
    assert_eq!(renewed, None, "a refused password changes no session");

    let (status, renewed, signed_in) = password(&attacker, victims, &planted, "moderno-demo").await;
    assert_eq!(status, StatusCode::OK, "{signed_in}");
    assert_eq!(signed_in["status"], "AUTHENTICATION_REQUIRED");
    let renewed = renewed.expect("a new Set-Cookie when the password passes");
    assert!(renewed.starts_with("PF=") && renewed != planted, "{renewed}");
    assert!(renewed.len() >= "PF=".len() + 22, "128 random bits: {renewed}");

    let (status, refused) = with_cookie(&stack, &planted).get(victims).await;
    assert_eq!((status, refused["code"].as_str()), (StatusCode::FORBIDDEN, Some("FLOW_SESSION_MISMATCH")), "{refused}");
    let (status, refused) = with_cookie(&stack, &planted).get(own_flow["id"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the old value names no session at all: {refused}");
    let (status, flow) = with_cookie(&stack, &renewed).get(victims).await;
    assert_eq!(status, StatusCode::OK, "{flow}");
    assert_eq!(flow["user"]["username"], "alice", "the signed-in flow is the new session's");
    let (status, _) = with_cookie(&stack, &renewed).get(own_flow["id"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK, "the session's other flows moved with it");
}
