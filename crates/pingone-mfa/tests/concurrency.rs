//! Parallel requests cannot beat a single-use secret or the passcode limit.

// Tests fail loudly on the first surprise.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use common::device::TestDevice;
use common::mfa_server::{test_clock, MfaServer};
use moderno_wire::pingone::{ApprovePairing, ResourceRef};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn fifty_parallel_completions_of_one_pairing_pair_exactly_one_device() {
    let clock = test_clock();
    let mfa = MfaServer::start(&clock).await;
    mfa.create_user("alice").await;
    let phone = Arc::new(TestDevice::new(41, "phone", &clock));
    let token = mfa.first_device_token("alice", phone.mobile_payload()).await;
    let (api, id, secret) = TestDevice::read_server_payload(&token);
    let body = serde_json::to_vec(&ApprovePairing { pairing: ResourceRef::new(id), secret, nickname: None }).unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let (phone, url, body) = (phone.clone(), format!("{api}/pairings"), body.clone());
        tasks.spawn(async move { phone.signed(Method::POST, &url, Some(body)).await.status() });
    }
    let statuses = tasks.join_all().await;
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::OK).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == StatusCode::OK || *s == StatusCode::BAD_REQUEST), "{statuses:?}");
    assert_eq!(mfa.devices("alice").await.len(), 1);
}

#[tokio::test]
async fn parallel_wrong_passcodes_count_one_by_one_and_block_at_three() {
    let clock = test_clock();
    let mfa = Arc::new(MfaServer::start(&clock).await);
    mfa.create_user("bob").await;
    mfa.add_device("bob", "SMS").await;
    let (_, auth) = mfa.start_auth("bob", json!({})).await;
    let code = mfa.last_sent_code("bob").await;
    let wrong = if code == "999999" { "888888" } else { "999999" };
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let (mfa, auth) = (mfa.clone(), auth.clone());
        tasks.spawn(async move { mfa.check_otp(&auth, wrong).await });
    }
    let answers = tasks.join_all().await;
    let counted = answers.iter().filter(|(_, b)| b["details"][0]["code"] == "INVALID_OTP").count();
    let blocked = answers.iter().filter(|(s, b)| *s == StatusCode::OK && b["error"]["code"] == "OTP_LOCKED").count();
    let refused =
        answers.iter().filter(|(s, b)| *s == StatusCode::BAD_REQUEST && b["code"] == "INVALID_REQUEST").count();
    assert_eq!((counted, blocked, refused), (2, 1, 7), "{answers:?}");
    let (status, _) = mfa.check_otp(&auth, &code).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "the right code no longer helps");
}
