//! GET returns the current state: while a push waits, reading the flow asks PingOne where the
//! push is (approved, denied, expired) and answers that state, without performing any action.
//! Ping's widget watches a push only this way: `pingidentity/pf-authn-js-widget` (1.11.0 and
//! 2.2.0) `src/index.js` `postPushNotificationWait` GETs the flow once a second and never POSTs
//! `poll`; Ping's OTP integration kit ("GET always returns the current state"):
//! https://docs.pingidentity.com/integrations/otp/pf_otp_ik_authentication_api_support.html

// Tests fail loudly on the first surprise.
#![allow(clippy::unwrap_used)]

mod common;

use common::device::{approve_shown, TestDevice};
use common::pf::{links, token_claims, Stack};
use moderno_wire::device_api::PushAnswer;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_get_after_the_approval_reads_mfa_completed_and_continues_nothing_by_itself() {
    let stack = Stack::start().await;
    let phone = stack.paired_phone("dave", 41).await;
    let mut client = stack.client();
    let (flow, _) = client.login("dave").await;
    let waiting = client.step(&flow, "authenticate", json!({})).await;
    assert_eq!(waiting["status"], "PUSH_CONFIRMATION_WAITING");
    for _ in 0..3 {
        assert_eq!(client.get(&flow).await.1, waiting, "unanswered: the GET reads the same waiting flow");
    }
    assert_eq!(phone.pushes(&stack.mfa.url, 0).await.len(), 1, "reading sent no second push");

    phone.answer_next_push(&stack.mfa.url, approve_shown(&waiting)).await;
    let (status, done) = client.get(&flow).await;
    assert_eq!((status, done["status"].as_str()), (StatusCode::OK, Some("MFA_COMPLETED")), "{done}");
    assert_eq!(
        client.get(&flow).await.1,
        done,
        "read twice, still MFA_COMPLETED: continueAuthentication is the client's to send"
    );
    let completed = client.step(&flow, "continueAuthentication", json!({})).await;
    let claims = token_claims(&stack, &client, &completed).await;
    assert_eq!(claims["sub"], "dave");
}

#[tokio::test]
async fn a_get_after_the_approval_of_a_new_device_reads_the_pairing_offer_as_poll_would() {
    let stack = Stack::start().await;
    let phone = stack.paired_phone("alice", 42).await;
    let mut client = stack.client();
    let (flow, _) = client.login("alice").await;
    let laptop = TestDevice::new(43, "Alice's laptop", &stack.clock);
    let waiting = client.step(&flow, "authenticate", json!({"mobilePayload": laptop.mobile_payload()})).await;
    phone.answer_next_push(&stack.mfa.url, approve_shown(&waiting)).await;
    let (_, pairing) = client.get(&flow).await;
    assert_eq!(pairing["status"], "MOBILE_PAIRING_REQUIRED", "{pairing}");
    assert!(pairing["serverPayload"].as_str().is_some_and(|p| !p.is_empty()));
    assert_eq!(links(&pairing), ["cancelAuthentication", "continueAuthentication"]);
}

#[tokio::test]
async fn a_get_after_a_denial_reads_push_confirmation_rejected() {
    let stack = Stack::start().await;
    let phone = stack.paired_phone("bob", 44).await;
    let mut client = stack.client();
    let (flow, _) = client.login("bob").await;
    client.step(&flow, "authenticate", json!({})).await;
    phone.answer_next_push(&stack.mfa.url, PushAnswer::deny()).await;
    let (_, rejected) = client.get(&flow).await;
    assert_eq!(rejected["status"], "PUSH_CONFIRMATION_REJECTED", "{rejected}");
    assert_eq!(links(&rejected), ["cancelAuthentication", "selectDevice"]);
    let (status, error) = client.act(&flow, "poll", json!({})).await;
    assert_eq!(
        (status, error["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("INVALID_ACTION_ID")),
        "the GET saved the new state"
    );
}

#[tokio::test]
async fn a_get_after_the_push_lifetime_reads_push_confirmation_timed_out() {
    let stack = Stack::start().await;
    stack.paired_phone("carol", 45).await;
    let mut client = stack.client();
    let (flow, _) = client.login("carol").await;
    client.step(&flow, "authenticate", json!({})).await;
    stack.clock.advance(chrono::Duration::seconds(41));
    let (_, timed_out) = client.get(&flow).await;
    assert_eq!(timed_out["status"], "PUSH_CONFIRMATION_TIMED_OUT", "{timed_out}");
    assert_eq!(links(&timed_out), ["cancelAuthentication", "selectDevice"]);
}
