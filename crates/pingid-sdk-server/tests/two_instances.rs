//! Two instances on one database behave as one server (issue 14): each single-use secret
//! redeemed 50 times in parallel, the requests split over the two, wins exactly once (so it does
//! within one instance too), and a device long-polling one instance is woken by a push or a
//! notice made through the other.
//!
//! On PostgreSQL (MODERNO_TEST_STORE=postgres) the instances share a database and wake each other
//! with NOTIFY; on SQLite they are two states over one file (each its own connection, busy timeout
//! 5 s) for the races. The wake-ups are PostgreSQL's alone: SQLite is the embedded default, one
//! process that writes and wakes its own long polls, which do not read again on a timer there.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{totp_now, Server, TestDevice};
use moderno_wire::device_api::{DeviceNotice, DeviceNoticeKind, PushAnswer, PushRequest};
use moderno_wire::payload::TrustLevel;
use moderno_wire::sdk::{Authentication, AuthenticationStatus, DetailCode, ErrorBody, ErrorCode, PairingKey};
use reqwest::{Method, StatusCode};
use serde_json::json;

/// The first instance and a second one on its database.
async fn two_instances() -> (Arc<Server>, Arc<Server>) {
    let first = Server::start().await;
    let second = first.another_instance(|_| {}).await;
    (Arc::new(first), Arc::new(second))
}

/// The instance the `i`-th of the parallel requests goes to.
fn pick(pair: &(Arc<Server>, Arc<Server>), i: usize) -> Arc<Server> {
    if i.is_multiple_of(2) {
        pair.0.clone()
    } else {
        pair.1.clone()
    }
}

/// alice with a primary device paired through the first instance: (device, its id, its OTP secret).
async fn alice(server: &Server) -> (TestDevice, String, String) {
    let primary = TestDevice::new(1);
    let paired = server.user_with_primary("alice", &primary).await;
    (primary, paired.device_id.expect("a device id"), paired.otp_secret.expect("an OTP secret"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_pairing_key_redeemed_fifty_times_over_two_instances_yields_exactly_one_token() {
    let pair = two_instances().await;
    pair.0.settings(json!({"pairingMode": "MANUAL"})).await;
    pair.0.create_user("alice").await.expect(StatusCode::CREATED);
    let body = json!({"pairingData": "user:alice"});
    let key: PairingKey =
        pair.1.api(Method::POST, &pair.1.app_path("/pairingkeys"), Some(body)).await.expect(StatusCode::CREATED).json();
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let (server, key) = (pick(&pair, i), key.id.clone());
            tokio::spawn(async move {
                let device = TestDevice::new(100 + u8::try_from(i).expect("under 256"));
                let body = json!({"payload": device.payload(&server.clock), "pairingKey": key});
                server.registration_token("alice", body).await
            })
        })
        .collect();
    let mut wins = 0;
    for task in tasks {
        let reply = task.await.expect("a task");
        if reply.status == StatusCode::CREATED {
            wins += 1;
            continue;
        }
        // The key is spent (INVALID_VALUE on pairingKey), or the user's failed guesses reached the
        // limit (RETRY_LIMIT_EXCEEDED): Ping's codes, [S-MODEL].
        let body: ErrorBody = reply.json();
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body:?}");
        let detail = &body.details[0];
        let spent = body.code == ErrorCode::InvalidData
            && detail.code == DetailCode::InvalidValue
            && detail.target.as_deref() == Some("pairingKey");
        let limited = body.code == ErrorCode::RequestFailed && detail.code == DetailCode::RetryLimitExceeded;
        assert!(spent || limited, "{body:?}");
    }
    assert_eq!(wins, 1, "exactly one redemption succeeds");
    let tokens = pair.0.count("SELECT COUNT(*) FROM registration_tokens");
    assert_eq!(tokens, 1, "one token was issued");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_registration_token_completed_fifty_times_over_two_instances_pairs_exactly_once() {
    let pair = two_instances().await;
    let device = Arc::new(TestDevice::new(1));
    let (id, secret) = pair.0.new_user_token("alice", &device).await;
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let (server, device, id, secret) = (pick(&pair, i), device.clone(), id.clone(), secret.clone());
            let level = if i % 4 < 2 { TrustLevel::Primary } else { TrustLevel::Trusted };
            tokio::spawn(async move { device.complete(&server, &id, &secret, level, None).await })
        })
        .collect();
    let mut wins = 0;
    for task in tasks {
        let reply = task.await.expect("a task");
        if reply.status == StatusCode::OK {
            wins += 1;
        } else {
            reply.token_refused();
        }
    }
    assert_eq!(wins, 1, "exactly one completion pairs the device");
    for server in [&pair.0, &pair.1] {
        let devices: Vec<moderno_wire::sdk::Device> =
            server.api(Method::GET, &server.user_path("alice", "/devices"), None).await.expect(StatusCode::OK).json();
        assert_eq!(devices.len(), 1, "one device, seen alike by both instances");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_push_answered_fifty_times_over_two_instances_is_decided_exactly_once() {
    let pair = two_instances().await;
    let (primary, _, _) = alice(&pair.0).await;
    primary.poll(&pair.1).await;
    let laptop = TestDevice::new(2);
    let started = pair.1.start_authentication("alice", &laptop.payload(&pair.1.clock), json!({})).await;
    let auth: Authentication = started.expect(StatusCode::CREATED).json();
    assert_eq!(auth.status, AuthenticationStatus::InProgress, "a push is sent");
    let primary = Arc::new(primary);
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let (server, primary, id) = (pick(&pair, i), primary.clone(), auth.id.clone());
            let answer = if i % 4 < 2 { PushAnswer::approve(auth.match_number) } else { PushAnswer::deny() };
            tokio::spawn(async move { primary.answer(&server, &id, answer).await })
        })
        .collect();
    let mut decided = Vec::new();
    for task in tasks {
        let reply = task.await.expect("a task");
        if reply.status == StatusCode::OK {
            decided.push(reply.json::<Authentication>().status);
        } else {
            // Ping's codes for an action the resource's state no longer allows.
            reply.refused_on(ErrorCode::RequestFailed, DetailCode::InvalidValue, "status");
        }
    }
    assert_eq!(decided.len(), 1, "exactly one answer decides the push: {decided:?}");
    for server in [&pair.0, &pair.1] {
        let read: Authentication = server.authentication("alice", &auth.id).await.expect(StatusCode::OK).json();
        assert_eq!(read.status, decided[0], "both instances read the one decision");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_passcode_checked_fifty_times_over_two_instances_is_accepted_exactly_once() {
    let pair = two_instances().await;
    let (_, _, secret) = alice(&pair.0).await;
    // The primary never polled: it is offline, so each sign-in waits for a passcode.
    let mut waiting = Vec::new();
    for i in 0..50 {
        let server = pick(&pair, i);
        let laptop = TestDevice::new(2);
        let started = server.start_authentication("alice", &laptop.payload(&server.clock), json!({})).await;
        let auth: Authentication = started.expect(StatusCode::CREATED).json();
        assert_eq!(auth.status, AuthenticationStatus::Otp, "{auth:?}");
        waiting.push(auth.id);
    }
    let code = totp_now(&secret, &pair.0.clock);
    let tasks: Vec<_> = waiting
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let (server, id, code) = (pick(&pair, i + 1), id.clone(), code.clone());
            tokio::spawn(async move { server.otp("alice", &id, &code).await })
        })
        .collect();
    let mut accepted = 0;
    for task in tasks {
        let auth: Authentication = task.await.expect("a task").expect(StatusCode::OK).json();
        match auth.status {
            AuthenticationStatus::Approved => accepted += 1,
            // Ping's answer to a passcode that does not match (here: already used).
            AuthenticationStatus::InvalidOtp => assert_eq!(auth.otp_attempts_left, Some(2), "{auth:?}"),
            other => panic!("unexpected {other:?}: {auth:?}"),
        }
    }
    assert_eq!(accepted, 1, "one passcode signs in once");
}

/// A second instance on `first`'s database, hearing its wake-ups. Its long polls look again on
/// their own only after their deadline, so only `first`'s NOTIFY can answer them early.
async fn polled_instance(first: &Server) -> Arc<Server> {
    let polled = first.another_instance(|config| config.poll_recheck = Duration::from_secs(60)).await;
    polled.state.hearing_other_instances().await.expect("the LISTEN is in place");
    Arc::new(polled)
}

/// `device` long-polls `rest` (up to 20 s) on `server` in a task: the answer and how long it took.
fn long_poll<T: serde::de::DeserializeOwned + Send + 'static>(
    server: &Arc<Server>,
    device: TestDevice,
    rest: &'static str,
) -> tokio::task::JoinHandle<(Vec<T>, Duration)> {
    let server = server.clone();
    tokio::spawn(async move {
        let begun = Instant::now();
        let reply = device.call(&server, Method::GET, rest, None).await;
        (reply.expect(StatusCode::OK).json::<Vec<T>>(), begun.elapsed())
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_device_long_polling_one_instance_is_woken_by_a_push_made_through_the_other() {
    if !moderno_sql::testing::on_postgres() {
        return; // One SQLite file serves one process (see the module's comment).
    }
    let first = Server::start().await;
    let polled = polled_instance(&first).await;
    let (primary, device_id, _) = alice(&first).await;
    primary.poll(&polled).await;
    // A second later by the servers' clock: the poll below marks the device seen then, which says
    // it is waiting.
    common::advance(&first, chrono::Duration::seconds(1));
    let seen_at = first.clock.now().timestamp_millis();
    let waiting = long_poll::<PushRequest>(&polled, primary, "/pushes?waitSeconds=20");
    let seen = format!("SELECT COUNT(*) FROM devices WHERE id = '{device_id}' AND last_seen = {seen_at}");
    wait_for(|| first.count(&seen) == 1, "the poll to mark the device seen").await;

    let laptop = TestDevice::new(2);
    let started = first.start_authentication("alice", &laptop.payload(&first.clock), json!({})).await;
    let auth: Authentication = started.expect(StatusCode::CREATED).json();
    let (pushes, waited) = waiting.await.expect("the poller finishes");
    assert_eq!(pushes.iter().map(|p| p.authentication_id.as_str()).collect::<Vec<_>>(), [auth.id.as_str()]);
    assert!(waited < Duration::from_secs(10), "woken early, not at the 20-second deadline: {waited:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_device_long_polling_for_notices_on_one_instance_hears_of_a_device_paired_through_the_other() {
    if !moderno_sql::testing::on_postgres() {
        return; // One SQLite file serves one process (see the module's comment).
    }
    let first = Server::start().await;
    let polled = polled_instance(&first).await;
    let (primary, _, _) = alice(&first).await;
    let spent_signatures = "SELECT COUNT(*) FROM seen_nonces WHERE kind = 'device-signature'";
    let before = first.count(spent_signatures);
    let waiting = long_poll::<DeviceNotice>(&polled, primary, "/notices?waitSeconds=20");
    // The poll's signature is spent as it arrives, just before it waits.
    wait_for(|| first.count(spent_signatures) > before, "the notice poll to arrive").await;

    first.pair("alice", &TestDevice::new(2), TrustLevel::Trusted, json!({"ignoreValidation": true})).await;
    let (heard, waited) = waiting.await.expect("the poller finishes");
    assert_eq!(heard.iter().map(|n| n.kind).collect::<Vec<_>>(), [DeviceNoticeKind::DeviceAdded], "{heard:?}");
    assert!(waited < Duration::from_secs(10), "woken early, not at the 20-second deadline: {waited:?}");
}

#[tokio::test]
async fn each_instance_answers_its_health_check_up() {
    let (first, second) = two_instances().await;
    for server in [&first, &second] {
        let reply = server.client.get(format!("{}/health", server.base)).send().await.expect("an answer");
        assert_eq!(reply.status(), StatusCode::OK);
        assert_eq!(reply.text().await.expect("a body"), r#"{"status":"UP"}"#);
    }
}

#[tokio::test]
async fn an_instance_whose_database_holds_another_schema_version_answers_its_health_check_down() {
    if !moderno_sql::testing::on_postgres() {
        return; // SQLite's file is migrated by its one process at start; PostgreSQL's by any instance.
    }
    let server = Server::start().await;
    let health = || async { server.client.get(format!("{}/health", server.base)).send().await.expect("an answer") };
    server.execute("UPDATE schema_version SET version = 2");
    let reply = health().await;
    assert_eq!(reply.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reply.text().await.expect("a body"), r#"{"status":"DOWN"}"#);
    server.execute("UPDATE schema_version SET version = 1");
    assert_eq!(health().await.status(), StatusCode::OK, "up again once the schema is this release's");
}

/// Waits (generously) until `done` holds.
async fn wait_for(done: impl Fn() -> bool, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "waited 20 s for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
