//! Finished records purged after the retention, over real HTTP and the server's database (SQLite,
//! or PostgreSQL with MODERNO_TEST_STORE=postgres).
//! Ping publishes no retention for the SDK's authentications, registration tokens or pairing keys:
//! the 24 hours and what counts as finished are the emulator's decision (`docs/security.md`,
//! "Retention"). What ends when follows the lifetimes the server already keeps: an authentication
//! reads for 30 minutes (`authentications.rs`), a registration token and a pairing key live 10
//! minutes ([D-PK] apidocs.pingidentity.com/pingid-sdk/guide/server-api/pid_c_SDKapiPairingKey
//! publishes no expiry: the emulator's), and a fingerprint once paired with a user pairs again as
//! `RE_PAIR_SUCCESS` (the device API's own answer, `docs/api/device-api.md`), so the pairing
//! history is never purged.

mod common;

use chrono::Duration;
use common::{advance, Server, TestDevice};
use moderno_wire::device_api::{PairingCompleted, PairingOutcome, PushAnswer};
use moderno_wire::payload::TrustLevel;
use moderno_wire::sdk::{Authentication, AuthenticationStatus, DetailCode, ErrorCode, PairingKey, PairingKeyStatus};
use pingid_sdk_server::Purged;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn rows(server: &Server, table: &str) -> i64 {
    server.count(&format!("SELECT COUNT(*) FROM {table}"))
}

/// (authentications, registration tokens, pairing keys) in the database.
fn counts(server: &Server) -> (i64, i64, i64) {
    (rows(server, "authentications"), rows(server, "registration_tokens"), rows(server, "pairing_keys"))
}

async fn purge(server: &Server) -> Purged {
    server.state.purge_finished().await.expect("the purge runs")
}

async fn issue_key(server: &Server) -> PairingKey {
    let body = json!({"pairingData": "desk 7"});
    server.api(Method::POST, &server.app_path("/pairingkeys"), Some(body)).await.expect(StatusCode::CREATED).json()
}

async fn read_key(server: &Server, key: &PairingKey) -> common::Reply {
    server.api(Method::GET, &server.app_path(&format!("/pairingkeys/{}", key.id)), None).await
}

async fn sign_in(server: &Server, username: &str, device: &TestDevice) -> Authentication {
    let reply = server.start_authentication(username, &device.payload(&server.clock), json!({})).await;
    reply.expect(StatusCode::CREATED).json()
}

async fn device_count(server: &Server, username: &str) -> usize {
    let devices: Vec<Value> =
        server.api(Method::GET, &server.user_path(username, "/devices"), None).await.expect(StatusCode::OK).json();
    devices.len()
}

fn no_schedule(config: &mut pingid_sdk_server::SdkConfig) {
    config.purge_interval = std::time::Duration::ZERO;
}

#[tokio::test]
async fn records_that_ended_a_day_ago_are_purged_while_newer_and_live_ones_and_users_and_devices_stay() {
    let server = Server::start_with(no_schedule).await;
    // Old: alice's pairing (its claimed token), a sign-in by her phone's payload, a laptop's
    // sign-in waiting for a passcode (the phone is offline), an unclaimed key, bob's unclaimed token.
    let phone = TestDevice::new(1);
    server.user_with_primary("alice", &phone).await;
    assert_eq!(sign_in(&server, "alice", &phone).await.status, AuthenticationStatus::Approved);
    let laptop = TestDevice::new(2);
    assert_eq!(sign_in(&server, "alice", &laptop).await.status, AuthenticationStatus::Otp);
    let unclaimed = issue_key(&server).await;
    server.new_user_token("bob", &TestDevice::new(3)).await;
    assert_eq!(counts(&server), (2, 2, 1));

    // 23 hours after they ended (the authentications 30 minutes after they started, the token
    // and key 10 minutes): within the retention, nothing goes.
    advance(&server, Duration::minutes(30) + Duration::hours(23));
    assert_eq!(purge(&server).await, Purged::default());
    assert_eq!(counts(&server), (2, 2, 1));
    // Recent: a sign-in and a key that will have ended under an hour before the purge.
    assert_eq!(sign_in(&server, "alice", &phone).await.status, AuthenticationStatus::Approved);
    issue_key(&server).await;
    let recent_created = server.clock.now().timestamp_millis();

    // A day and a second after the old ones ended; then live ones: a push waiting on alice's
    // phone, a fresh key, carol's fresh token.
    advance(&server, Duration::hours(1) + Duration::seconds(1));
    phone.poll(&server).await;
    let waiting = sign_in(&server, "alice", &laptop).await;
    assert_eq!(waiting.status, AuthenticationStatus::InProgress, "a push is sent");
    let fresh = issue_key(&server).await;
    let tablet = TestDevice::new(4);
    let (carol_token, carol_secret) = server.new_user_token("carol", &tablet).await;

    assert_eq!(purge(&server).await, Purged { authentications: 2, registration_tokens: 2, pairing_keys: 1 });
    // Left: the recent sign-in and the waiting push, carol's token, the recent and the fresh key.
    assert_eq!(counts(&server), (2, 1, 2));
    let recent_left = server.count(&format!("SELECT COUNT(*) FROM pairing_keys WHERE created = {recent_created}"));
    assert_eq!(recent_left, 1, "the recent key stays for QA to look back at");
    // The old key reads 404 (as it did once it expired); the fresh one can be claimed.
    read_key(&server, &unclaimed).await.error(StatusCode::NOT_FOUND, ErrorCode::NotFound);
    let fresh_read: PairingKey = read_key(&server, &fresh).await.expect(StatusCode::OK).json();
    assert_eq!(fresh_read.status, PairingKeyStatus::NotClaimed);
    // Users and devices are never purged; a second purge finds nothing.
    assert_eq!(device_count(&server, "alice").await, 1);
    server.api(Method::GET, &server.user_path("bob", ""), None).await.expect(StatusCode::OK);
    assert_eq!(purge(&server).await, Purged::default());

    // The flows go on: the waiting push is approved, carol's token pairs, the fresh key pairs.
    let answered: Authentication = phone
        .answer(&server, &waiting.id, PushAnswer::approve(waiting.match_number))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(answered.status, AuthenticationStatus::Approved);
    let paired: PairingCompleted = tablet
        .complete(&server, &carol_token, &carol_secret, TrustLevel::Primary, None)
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(paired.outcome, PairingOutcome::Success);
    server.settings(json!({"pairingMode": "MANUAL"})).await;
    let desk = TestDevice::new(5);
    let body = json!({"payload": desk.payload(&server.clock), "pairingKey": fresh.id});
    server.registration_token("bob", body).await.expect(StatusCode::CREATED);
    let used: PairingKey = read_key(&server, &fresh).await.expect(StatusCode::OK).json();
    assert_eq!(used.status, PairingKeyStatus::Used);
}

#[tokio::test]
async fn a_device_unpaired_before_a_purge_pairs_again_as_a_re_pair_and_signs_in() {
    let server = Server::start_with(no_schedule).await;
    let phone = TestDevice::new(1);
    server.user_with_primary("dave", &phone).await;
    assert_eq!(sign_in(&server, "dave", &phone).await.status, AuthenticationStatus::Approved);
    phone.call(&server, Method::DELETE, "/me", None).await.expect(StatusCode::NO_CONTENT);
    advance(&server, Duration::days(2));
    assert_eq!(purge(&server).await, Purged { authentications: 1, registration_tokens: 1, pairing_keys: 0 });

    // The pairing history stays with the user: the same phone is a re-pair, then signs in.
    let again = server.pair("dave", &phone, TrustLevel::Primary, json!({})).await;
    assert_eq!(again.outcome, PairingOutcome::RePairSuccess);
    assert_eq!(sign_in(&server, "dave", &phone).await.status, AuthenticationStatus::Approved);
}

#[tokio::test]
async fn pushes_the_push_limit_still_counts_stay_even_with_no_retention() {
    // Retention zero: an authentication goes once it ended, but not while the push limit counts it.
    let server = Server::start_with(|config| {
        no_schedule(config);
        config.retention = Duration::zero();
        config.push_limit = 2;
        config.push_limit_window = Duration::minutes(60);
    })
    .await;
    let phone = TestDevice::new(1);
    server.user_with_primary("erin", &phone).await;
    let laptop = TestDevice::new(2);
    for _ in 0..2 {
        phone.poll(&server).await;
        assert_eq!(sign_in(&server, "erin", &laptop).await.status, AuthenticationStatus::InProgress);
    }
    // Their pushes and sessions ended; the window has 25 minutes to go.
    advance(&server, Duration::minutes(35));
    assert_eq!(purge(&server).await, Purged { authentications: 0, registration_tokens: 1, pairing_keys: 0 });
    phone.poll(&server).await;
    let refused = server.start_authentication("erin", &laptop.payload(&server.clock), json!({})).await;
    let body = refused.error(StatusCode::BAD_REQUEST, ErrorCode::RequestFailed);
    assert_eq!(body.details[0].code, DetailCode::RetryLimitExceeded, "{body:?}");

    advance(&server, Duration::minutes(25));
    assert_eq!(purge(&server).await, Purged { authentications: 2, registration_tokens: 0, pairing_keys: 0 });
    phone.poll(&server).await;
    assert_eq!(sign_in(&server, "erin", &laptop).await.status, AuthenticationStatus::InProgress);
}

#[tokio::test]
async fn the_scheduled_purge_first_runs_one_interval_after_start_and_reads_the_servers_clock() {
    let server = Server::start_with(|config| config.purge_interval = std::time::Duration::from_secs(3)).await;
    let phone = TestDevice::new(1);
    server.user_with_primary("frank", &phone).await;
    sign_in(&server, "frank", &phone).await;
    // Advanced at once: the records are old by the server's clock, but no purge ran at start.
    advance(&server, Duration::days(2));
    assert_eq!(counts(&server), (1, 1, 0), "nothing is purged before the first interval");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while counts(&server) != (0, 0, 0) {
        assert!(std::time::Instant::now() < deadline, "the scheduled purge ran");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(device_count(&server, "frank").await, 1, "the device stays");
}
