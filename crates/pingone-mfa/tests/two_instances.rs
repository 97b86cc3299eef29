//! Two instances over one database (two servers on two loopback ports, as behind a load
//! balancer) behave as one PingOne: each single-use secret redeemed 50 times in parallel, the
//! requests split over the two, has exactly one success and 49 documented refusals, and a device
//! long-polling one instance is woken by a push created through the other. On PostgreSQL
//! (`MODERNO_TEST_STORE=postgres`) as a shared QA server runs; on SQLite as two states over one
//! file (each its own connection).

// Tests fail loudly on the first surprise.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::device::TestDevice;
use common::mfa_server::{test_clock, MfaServer};
use moderno_wire::pingone::{ApprovePairing, PushDecision, ResourceRef};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// How many times each secret is redeemed.
const TRIES: usize = 50;

/// Instance A and, over the same database, instance B (its worker token is A's: the token is
/// kept in the shared database, so either instance takes it).
async fn two_instances(adjust_a: impl FnOnce(&mut pingone_mfa_server::Config)) -> (Arc<MfaServer>, Arc<MfaServer>) {
    let a = MfaServer::start_with(&test_clock(), adjust_a).await;
    let mut b = a.another_instance(7, |_| {}).await;
    b.token = a.token.clone();
    (Arc::new(a), Arc::new(b))
}

/// Instance A for even tries, B for odd ones.
fn instance<'a>(try_number: usize, a: &'a Arc<MfaServer>, b: &'a Arc<MfaServer>) -> Arc<MfaServer> {
    if try_number.is_multiple_of(2) {
        a.clone()
    } else {
        b.clone()
    }
}

/// The one answer that is `success`, and the others, which must all be `refusal`.
fn exactly_one(
    answers: &[(StatusCode, Value)],
    success: impl Fn(&(StatusCode, Value)) -> bool,
    refusal: impl Fn(&(StatusCode, Value)) -> bool,
) {
    let succeeded = answers.iter().filter(|a| success(a)).count();
    let refused = answers.iter().filter(|a| refusal(a)).count();
    assert_eq!((succeeded, refused), (1, TRIES - 1), "{answers:#?}");
}

fn detail_code(body: &Value) -> &Value {
    &body["details"][0]["code"]
}

#[tokio::test]
async fn a_push_answered_fifty_times_over_two_instances_completes_once() {
    let (a, b) = two_instances(|_| {}).await;
    let phone = Arc::new(a.paired_phone("alice", 41).await);
    let (status, waiting) = b.start_auth("alice", json!({})).await;
    assert_eq!((status, &waiting["status"]), (StatusCode::CREATED, &json!("PUSH_CONFIRMATION_REQUIRED")), "{waiting}");
    let id = waiting["id"].as_str().unwrap().to_string();

    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..TRIES {
        let (phone, url, id) = (phone.clone(), instance(n, &a, &b).url.clone(), id.clone());
        tasks.spawn(async move { phone.answer(&url, &id, PushDecision::approve(None)).await });
    }
    let answers = tasks.join_all().await;
    exactly_one(
        &answers,
        |(s, body)| *s == StatusCode::OK && body["status"] == "COMPLETED",
        |(s, body)| {
            *s == StatusCode::BAD_REQUEST
                && body["code"] == "INVALID_REQUEST"
                && body["message"] == "the push is no longer waiting for an answer"
        },
    );
    for mfa in [&a, &b] {
        assert_eq!(mfa.get(&mfa.auth_url(&id)).await.1["status"], "COMPLETED", "both instances read it completed");
    }
}

#[tokio::test]
async fn a_passcode_checked_fifty_times_over_two_instances_passes_once() {
    let (a, b) = two_instances(|_| {}).await;
    a.create_user("bob").await;
    a.add_device("bob", "SMS").await;
    let (status, auth) = a.start_auth("bob", json!({})).await;
    assert_eq!((status, &auth["status"]), (StatusCode::CREATED, &json!("OTP_REQUIRED")), "{auth}");
    let code = b.last_sent_code("bob").await;

    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..TRIES {
        let (mfa, auth, code) = (instance(n, &a, &b), auth.clone(), code.clone());
        tasks.spawn(async move { mfa.check_otp(&auth, &code).await });
    }
    let answers = tasks.join_all().await;
    exactly_one(
        &answers,
        |(s, body)| *s == StatusCode::OK && body["status"] == "COMPLETED",
        |(s, body)| {
            *s == StatusCode::BAD_REQUEST
                && body["code"] == "INVALID_REQUEST"
                && body["message"] == "otp.check is not offered while the device authentication is COMPLETED"
        },
    );
    assert_eq!(b.get(&b.auth_url(auth["id"].as_str().unwrap())).await.1["status"], "COMPLETED");
}

#[tokio::test]
async fn an_automatic_pairing_completed_fifty_times_over_two_instances_pairs_one_device() {
    let (a, b) = two_instances(|_| {}).await;
    a.create_user("carol").await;
    let phone = Arc::new(TestDevice::new(43, "phone", &a.clock));
    let token = b.first_device_token("carol", phone.mobile_payload()).await;
    let (_, pairing_id, secret) = TestDevice::read_server_payload(&token);
    let body =
        serde_json::to_vec(&ApprovePairing { pairing: ResourceRef::new(pairing_id), secret, nickname: None }).unwrap();

    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..TRIES {
        let (phone, url, body) = (phone.clone(), format!("{}/device/pairings", instance(n, &a, &b).url), body.clone());
        tasks.spawn(async move {
            let response = phone.signed(Method::POST, &url, Some(body)).await;
            (response.status(), response.json::<Value>().await.unwrap())
        });
    }
    let answers = tasks.join_all().await;
    exactly_one(
        &answers,
        |(s, body)| *s == StatusCode::OK && body["device"]["id"].is_string(),
        |(s, body)| *s == StatusCode::BAD_REQUEST && *detail_code(body) == "PAIRING_NOT_PENDING",
    );
    assert_eq!(a.devices("carol").await.len(), 1);
    assert_eq!(b.devices("carol").await.len(), 1);
}

#[tokio::test]
async fn a_pairing_key_claimed_by_fifty_devices_over_two_instances_pairs_one() {
    let (a, b) = two_instances(|_| {}).await;
    a.create_user("dave").await;
    b.user_id("dave").await;
    let (status, key) = b.post(&b.user_url("dave", "/pairingKeys"), json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{key}");
    let code = key["code"].as_str().unwrap().to_string();

    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..TRIES {
        let (url, code) = (instance(n, &a, &b).url.clone(), code.clone());
        let seed = u8::try_from(100 + n).unwrap();
        let clock = a.clock.clone();
        tasks.spawn(async move { TestDevice::new(seed, "tablet", &clock).claim_pairing_key(&url, &code).await });
    }
    let answers = tasks.join_all().await;
    exactly_one(
        &answers,
        |(s, body)| *s == StatusCode::OK && body["device"]["id"].is_string(),
        |(s, body)| *s == StatusCode::BAD_REQUEST && *detail_code(body) == "INVALID_PAIRING_KEY",
    );
    assert_eq!(a.devices("dave").await.len(), 1);
    let (_, claimed) = a.get(&a.user_url("dave", &format!("/pairingKeys/{}", key["id"].as_str().unwrap()))).await;
    assert_eq!(claimed["status"], "CLAIMED", "{claimed}");
}

#[tokio::test]
async fn a_mobile_payload_sent_fifty_times_over_two_instances_is_taken_once() {
    let (a, b) = two_instances(|_| {}).await;
    let phone = a.paired_phone("erin", 45).await;
    let payload = phone.mobile_payload();

    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..TRIES {
        let (mfa, payload) = (instance(n, &a, &b), payload.clone());
        tasks.spawn(async move { mfa.start_auth("erin", json!({ "mobilePayload": payload })).await });
    }
    let answers = tasks.join_all().await;
    exactly_one(
        &answers,
        |(s, body)| *s == StatusCode::CREATED && body["status"] == "COMPLETED",
        |(s, body)| {
            *s == StatusCode::BAD_REQUEST
                && *detail_code(body) == "INVALID_VALUE"
                && body["details"][0]["message"] == "the mobile payload was already used"
        },
    );
    assert_eq!(a.rows("authentications").await, 2, "the pairing's and the one that passed; the replays left none");
}

/// `phone` long-polls A (20 seconds at most) while a push for `user` is created through B: the
/// poll answers that push, long before its 20 seconds are up (`how`: what brought it).
async fn push_through_b_reaches_a_poll_on_a(a: &MfaServer, b: &MfaServer, phone: TestDevice, user: &str, how: &str) {
    let url = a.url.clone();
    let polling = tokio::spawn(async move {
        let started = Instant::now();
        let pushes = phone.pushes(&url, 20).await;
        (pushes.into_iter().map(|p| p.authentication_id).collect::<Vec<_>>(), started.elapsed())
    });
    // Let the poll find nothing first (were it slower, it finds the push at once: still passes).
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, waiting) = b.start_auth(user, json!({})).await;
    assert_eq!((status, &waiting["status"]), (StatusCode::CREATED, &json!("PUSH_CONFIRMATION_REQUIRED")), "{waiting}");
    let (pushes, took) = tokio::time::timeout(Duration::from_secs(60), polling).await.unwrap().unwrap();
    assert_eq!(pushes, [waiting["id"].as_str().unwrap()]);
    assert!(took < Duration::from_secs(10), "{how}, not at the poll's end: {took:?}");
}

#[tokio::test]
async fn a_device_polling_one_instance_is_woken_by_a_push_created_through_the_other() {
    // Two states over one SQLite file share no wake-ups (a file belongs to one process; the long
    // poll's re-read is the test below): this is the PostgreSQL announcement.
    if !moderno_sql::testing::on_postgres() {
        return;
    }
    // A looks again only every minute by itself: a push reaching the phone within the poll's 20
    // seconds came through B's announcement.
    let (a, b) = two_instances(|c| c.push_poll_interval = Duration::from_secs(60)).await;
    assert!(a.state.database().is_shared());
    tokio::time::timeout(Duration::from_secs(20), a.state.hearing_other_instances()).await.expect("A listens");
    let phone = a.paired_phone("frank", 47).await;
    push_through_b_reaches_a_poll_on_a(&a, &b, phone, "frank", "woken by the announcement").await;
}

#[tokio::test]
async fn a_long_poll_finds_a_push_it_was_not_told_of_within_its_look_again_interval() {
    // On SQLite B's push is announced to B's own waiters only; A's poll finds it when it looks
    // again (every second by default), long before the poll's 20 seconds are up.
    let (a, b) = two_instances(|_| {}).await;
    let phone = a.paired_phone("gina", 49).await;
    push_through_b_reaches_a_poll_on_a(&a, &b, phone, "gina", "found by looking again").await;
}
