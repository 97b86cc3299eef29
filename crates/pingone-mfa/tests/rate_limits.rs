//! Rate limits: wrong pairing keys (per device, per named user, for everyone) and PingOne's push
//! limit (push bombing). Refusals are PingOne's 429 `REQUEST_LIMITED` with `Retry-After`, change nothing,
//! and hold under parallel requests. Ping's 429 schema (`pingidentity/pingone-openapi-specifications`
//! `com.pingidentity.ApiErrorResponse.429.yaml`): detail `LIMIT_EXCEEDED`, `innerError.retryAfter`.

// Tests fail loudly on the first surprise.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use chrono::Duration;
use common::device::TestDevice;
use common::mfa_server::{test_clock, MfaServer};
use moderno_ambient::Clock;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A well-formed key nobody was given.
const WRONG_KEY: &str = "1234-5678-9012";

async fn issue_key(mfa: &MfaServer, user: &str) -> (String, String) {
    let (status, key) = mfa.post(&mfa.user_url(user, "/pairingKeys"), json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{key}");
    (key["id"].as_str().unwrap().to_string(), key["code"].as_str().unwrap().to_string())
}

async fn status_and_body(response: reqwest::Response) -> (StatusCode, Option<String>, Value) {
    let status = response.status();
    let retry_after = response.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string());
    (status, retry_after, response.json().await.unwrap())
}

fn assert_limited(status: StatusCode, retry_after: Option<&str>, body: &Value, detail: &str) {
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["code"], "REQUEST_LIMITED", "{body}");
    assert_eq!(body["details"][0]["code"], detail, "{body}");
    assert!(body["details"][0]["innerError"]["retryAfter"].as_str().is_some_and(|t| t.ends_with('Z')), "{body}");
    assert!(body["message"].as_str().unwrap().contains("try again after"), "{body}");
    assert!(retry_after.is_some_and(|s| s.parse::<i64>().unwrap() > 0), "Retry-After: {retry_after:?}");
}

async fn key_status(mfa: &MfaServer, user: &str, id: &str) -> String {
    let (_, key) = mfa.get(&mfa.user_url(user, &format!("/pairingKeys/{id}"))).await;
    key["status"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_device_sending_ten_wrong_pairing_keys_is_refused_for_ten_minutes_even_with_the_right_key() {
    let clock = test_clock();
    let mfa = MfaServer::start(&clock).await;
    mfa.create_user("alice").await;
    let mut phone = TestDevice::new(7, "guesser", &clock);
    for _ in 0..10 {
        let (status, _, body) = status_and_body(phone.send_pairing_key(&mfa.url, WRONG_KEY, None).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["details"][0]["code"], "INVALID_PAIRING_KEY");
    }
    clock.advance(Duration::minutes(5));
    let (key_id, key) = issue_key(&mfa, "alice").await;
    let (status, retry_after, body) = status_and_body(phone.send_pairing_key(&mfa.url, &key, None).await).await;
    assert_limited(status, retry_after.as_deref(), &body, "LIMIT_EXCEEDED");
    assert_eq!(retry_after.as_deref(), Some("300"), "the wrong keys leave the window 10 minutes after they were sent");
    assert_eq!(key_status(&mfa, "alice", &key_id).await, "UNCLAIMED", "the refused claim spent nothing");
    assert!(mfa.devices("alice").await.is_empty());
    clock.advance(Duration::minutes(5));
    let (status, _) = phone.claim_pairing_key(&mfa.url, &key).await;
    assert_eq!(status, StatusCode::OK, "the window has passed and the key still lives");
    assert_eq!(key_status(&mfa, "alice", &key_id).await, "CLAIMED");
}

#[tokio::test]
async fn wrong_keys_naming_a_user_count_against_that_user_whatever_device_sends_them() {
    let clock = test_clock();
    let mfa = MfaServer::start(&clock).await;
    mfa.create_user("alice").await;
    mfa.create_user("bob").await;
    let (_, alice_key) = issue_key(&mfa, "alice").await;
    let (_, bob_key) = issue_key(&mfa, "bob").await;
    for seed in 0..10 {
        let device = TestDevice::new(100 + seed, "guesser", &clock);
        let (status, _, _) = status_and_body(device.send_pairing_key(&mfa.url, WRONG_KEY, Some("alice")).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
    let fresh = TestDevice::new(120, "another guesser", &clock);
    let (status, retry_after, body) =
        status_and_body(fresh.send_pairing_key(&mfa.url, &alice_key, Some("alice")).await).await;
    assert_limited(status, retry_after.as_deref(), &body, "LIMIT_EXCEEDED");
    let (status, _, body) = status_and_body(fresh.send_pairing_key(&mfa.url, &alice_key, Some("bob")).await).await;
    assert_eq!(
        (status, &body["details"][0]["code"]),
        (StatusCode::BAD_REQUEST, &json!("INVALID_PAIRING_KEY")),
        "alice's key is not bob's"
    );
    let (status, _, body) = status_and_body(fresh.send_pairing_key(&mfa.url, &bob_key, Some("bob")).await).await;
    assert_eq!(status, StatusCode::OK, "bob is not limited: {body}");
}

#[tokio::test]
async fn thirty_parallel_wrong_keys_from_one_device_get_ten_refusals_and_twenty_limits() {
    let clock = test_clock();
    let mfa = MfaServer::start(&clock).await;
    let device = Arc::new(TestDevice::new(9, "guesser", &clock));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..30 {
        let (device, url) = (device.clone(), mfa.url.clone());
        tasks.spawn(async move { device.send_pairing_key(&url, WRONG_KEY, None).await.status() });
    }
    let statuses = tasks.join_all().await;
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::BAD_REQUEST).count(), 10, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count(), 20, "{statuses:?}");
}

/// alice with one paired phone.
async fn alice_with_phone(mfa: &MfaServer, clock: &Clock) -> TestDevice {
    mfa.create_user("alice").await;
    let mut phone = TestDevice::new(3, "Alice's phone", clock);
    let token = mfa.first_device_token("alice", phone.mobile_payload()).await;
    let (status, _) = phone.complete_pairing(&token).await;
    assert_eq!(status, StatusCode::OK);
    phone
}

async fn start_push(mfa: &MfaServer) -> (StatusCode, Value) {
    mfa.start_auth("alice", json!({})).await
}

/// Starting a push for alice straight on the auth path: (status, Retry-After, body).
async fn try_push(mfa: &MfaServer) -> (StatusCode, Option<String>, Value) {
    let start = format!("{}/{}/deviceAuthentications", mfa.url, common::mfa_server::ENV);
    let body = json!({"user": {"id": mfa.user_id("alice").await}});
    status_and_body(mfa.client.post(start).bearer_auth(&mfa.token).json(&body).send().await.unwrap()).await
}

// PingOne's push limit (policy `pushLimit`: `count` 5 "consecutive push notifications that can be
// ignored or rejected", `timePeriod` 10 minutes, `lockDuration` 30 minutes; Ping's OpenAPI as
// transcribed in `patrickcping/pingone-go-sdk-v2` `mfa/generate/pingone-mfa.yml`).
#[tokio::test]
async fn five_pushes_not_approved_within_ten_minutes_lock_pushes_for_thirty_minutes_and_nothing_is_pushed() {
    let clock = test_clock();
    let mfa = MfaServer::start(&clock).await;
    let phone = alice_with_phone(&mfa, &clock).await;
    for _ in 0..5 {
        let (status, auth) = start_push(&mfa).await;
        assert_eq!((status, &auth["status"]), (StatusCode::CREATED, &json!("PUSH_CONFIRMATION_REQUIRED")), "{auth}");
        clock.advance(Duration::minutes(1));
    }
    let before = phone.pushes(&mfa.url, 0).await.len();
    let (status, retry_after, body) = try_push(&mfa).await;
    assert_limited(status, retry_after.as_deref(), &body, "LIMIT_EXCEEDED");
    assert_eq!(retry_after.as_deref(), Some("1740"), "locked for 30 minutes from the fifth push (sent a minute ago)");
    assert_eq!(phone.pushes(&mfa.url, 0).await.len(), before, "no push was queued");
    clock.advance(Duration::minutes(28));
    let (status, retry_after, _) = try_push(&mfa).await;
    assert_eq!(
        (status, retry_after.as_deref()),
        (StatusCode::TOO_MANY_REQUESTS, Some("60")),
        "still locked after the window of 10 minutes"
    );
    clock.advance(Duration::minutes(1));
    let (status, auth) = start_push(&mfa).await;
    assert_eq!(
        (status, &auth["status"]),
        (StatusCode::CREATED, &json!("PUSH_CONFIRMATION_REQUIRED")),
        "the lock has ended: {auth}"
    );
}

#[tokio::test]
async fn an_approved_push_ends_the_run_and_pushes_spread_over_more_than_ten_minutes_lock_nothing() {
    let clock = test_clock();
    let mfa = MfaServer::start(&clock).await;
    let phone = alice_with_phone(&mfa, &clock).await;
    for _ in 0..4 {
        assert_eq!(start_push(&mfa).await.0, StatusCode::CREATED);
    }
    let (_, approved) = start_push(&mfa).await;
    let (status, done) =
        phone.answer(&mfa.url, approved["id"].as_str().unwrap(), common::device::approve_shown(&approved)).await;
    assert_eq!((status, &done["status"]), (StatusCode::OK, &json!("COMPLETED")), "{done}");
    for n in 0..4 {
        assert_eq!(start_push(&mfa).await.0, StatusCode::CREATED, "push {n} after the approval");
        clock.advance(Duration::minutes(3));
    }
    // Four pushes 3 minutes apart, a fifth 12 minutes after the first: no five within 10 minutes.
    assert_eq!(start_push(&mfa).await.0, StatusCode::CREATED);
    assert_eq!(
        try_push(&mfa).await.0,
        StatusCode::CREATED,
        "the sixth makes five within 10 minutes, counted for the next"
    );
    assert_eq!(try_push(&mfa).await.0, StatusCode::TOO_MANY_REQUESTS, "and the next is refused");
}

#[tokio::test]
async fn selecting_the_phone_again_counts_as_a_push_and_is_refused_over_the_limit_leaving_the_authentication_as_it_was()
{
    let clock = test_clock();
    let mfa = MfaServer::start(&clock).await;
    let phone = alice_with_phone(&mfa, &clock).await;
    let (_, auth) = start_push(&mfa).await;
    let id = auth["id"].as_str().unwrap();
    let phone_id = phone.device_id.clone().unwrap();
    let mut last = auth.clone();
    for _ in 0..4 {
        let (status, again) = mfa.select(&auth, &phone_id).await;
        assert_eq!(status, StatusCode::OK, "{again}");
        last = again;
    }
    let (status, refused) = mfa.select(&auth, &phone_id).await;
    assert_eq!((status, &refused["code"]), (StatusCode::TOO_MANY_REQUESTS, &json!("REQUEST_LIMITED")), "{refused}");
    let (_, now) = mfa.get(&mfa.auth_url(id)).await;
    assert_eq!(now["status"], "PUSH_CONFIRMATION_REQUIRED");
    assert_eq!(now["updatedAt"], last["updatedAt"], "the last push still stands, unchanged");
    assert_eq!(now["numberMatching"], last["numberMatching"], "the last push still stands, unchanged");
}

#[tokio::test]
async fn ten_parallel_push_starts_send_exactly_five_pushes() {
    let clock = test_clock();
    let mfa = Arc::new(MfaServer::start(&clock).await);
    let phone = alice_with_phone(&mfa, &clock).await;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let mfa = mfa.clone();
        tasks.spawn(async move { start_push(&mfa).await.0 });
    }
    let statuses = tasks.join_all().await;
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CREATED).count(), 5, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count(), 5, "{statuses:?}");
    assert_eq!(phone.pushes(&mfa.url, 0).await.len(), 5);
}
