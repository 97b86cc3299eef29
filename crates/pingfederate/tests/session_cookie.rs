//! The `PF` cookie ("Mobile application authentication through REST APIs": clients keep `PF`,
//! https://docs.pingidentity.com/pingfederate/latest/developers_reference_guide/pf_mobile_app_auth_through_rest_apis.html)
//! names a session PingFederate chose: a value the client chose, or one of no live flow, is not
//! adopted (session fixation: whoever planted the value could drive the flows started under it).

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
