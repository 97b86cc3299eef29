//! Push bombing through PingFederate: once PingOne refuses a sixth push in ten minutes, the
//! adapter answers 400 VALIDATION_ERROR `PUSH_LIMIT_EXCEEDED`, sends no push, and the flow stays
//! as it was.

// Tests fail loudly on the first surprise.
#![allow(clippy::unwrap_used)]

mod common;

use common::pf::Stack;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_sixth_web_login_push_in_ten_minutes_is_a_clear_error_and_the_flow_is_unchanged() {
    let stack = Stack::start().await;
    let phone = stack.paired_phone("carol", 21).await;
    for _ in 0..5 {
        let mut client = stack.client();
        let (flow, _) = client.login("carol").await;
        let waiting = client.step(&flow, "authenticate", json!({})).await;
        assert_eq!(waiting["status"], "PUSH_CONFIRMATION_WAITING");
    }
    let pending = phone.pushes(&stack.mfa.url, 0).await.len();
    let mut client = stack.client();
    let (flow, authn) = client.login("carol").await;
    let (status, error) = client.act(&flow, "authenticate", json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    assert_eq!(error["code"], "VALIDATION_ERROR");
    assert_eq!(error["details"][0]["code"], "PUSH_LIMIT_EXCEEDED");
    assert!(error["details"][0]["userMessage"].as_str().unwrap().contains("Too many sign-in requests"));
    assert_eq!(client.get(&flow).await.1, authn, "still AUTHENTICATION_REQUIRED");
    assert_eq!(phone.pushes(&stack.mfa.url, 0).await.len(), pending, "no push was sent");
}
