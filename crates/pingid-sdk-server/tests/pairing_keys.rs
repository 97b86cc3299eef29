//! Manual pairing keys as Ping's PairingKey API has them ([D-PK],
//! apidocs.pingidentity.com/pingid-sdk/guide/server-api/pid_c_SDKapiPairingKey): `id` is the key,
//! `pairingData` is saved as sent and read by nobody but the customer server, status NOT_CLAIMED
//! or USED, "Retrieve PairingKey" by the key. Single use, short-lived, guesses rate limited.

mod common;

use chrono::Duration;
use common::{Server, TestDevice};
use moderno_wire::sdk::{DetailCode, ErrorCode, PairingKey, PairingKeyStatus};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn issue(server: &Server, pairing_data: &str) -> PairingKey {
    let reply =
        server.api(Method::POST, &server.app_path("/pairingkeys"), Some(json!({"pairingData": pairing_data}))).await;
    reply.expect(StatusCode::CREATED).json()
}

async fn read(server: &Server, key: &str) -> common::Reply {
    let typed: String = key.chars().map(|c| if c == ' ' { '-' } else { c }).collect();
    server.api(Method::GET, &server.app_path(&format!("/pairingkeys/{typed}")), None).await
}

async fn manual_server_with(users: &[&str]) -> Server {
    let server = Server::start().await;
    server.settings(json!({"pairingMode": "MANUAL"})).await;
    for user in users {
        server.create_user(user).await.expect(StatusCode::CREATED);
    }
    server
}

async fn redeem(server: &Server, username: &str, device: &TestDevice, key: &str) -> common::Reply {
    server.registration_token(username, json!({"payload": device.payload(&server.clock), "pairingKey": key})).await
}

async fn device_count(server: &Server, username: &str) -> usize {
    let devices: Vec<Value> =
        server.api(Method::GET, &server.user_path(username, "/devices"), None).await.expect(StatusCode::OK).json();
    devices.len()
}

/// [D-PK]: "id: the pairing key"; pairingData saved as is; no expiry field in Ping's representation.
#[tokio::test]
async fn a_pairing_key_is_its_own_id_keeps_its_pairing_data_as_sent_and_reads_back_by_the_key() {
    let server = Server::start().await;
    let reply = server
        .api(Method::POST, &server.app_path("/pairingkeys"), Some(json!({"pairingData": "  Staff: Ünïcode  "})))
        .await;
    let raw = reply.expect(StatusCode::CREATED).value();
    assert_eq!(raw.as_object().map(|o| o.len()), Some(3), "id, status, pairingData only: {raw}");
    assert!(reply.headers.get("location").is_none(), "the key is not put in a header");
    let key: PairingKey = reply.json();
    assert_eq!(key.id.len(), 14);
    assert!(key.id.chars().all(|c| c == '-' || "BCDFGHJKLMNPQRSTVWXZ".contains(c)), "{}", key.id);
    assert_eq!(key.status, PairingKeyStatus::NotClaimed);
    assert_eq!(key.pairing_data, "  Staff: Ünïcode  ", "saved exactly as sent");

    let typed = key.id.to_lowercase().replace('-', " ");
    let read_back: PairingKey = read(&server, &typed).await.expect(StatusCode::OK).json();
    assert_eq!(read_back, key, "read by the key, in any case, with spaces or dashes");
    let unknown = read(&server, "BBBB-BBBB-BBBB").await;
    assert_eq!(unknown.error(StatusCode::NOT_FOUND, ErrorCode::NotFound).target.as_deref(), Some("pairingKey"));
    let garbled = read(&server, "not-a-key").await;
    garbled.error(StatusCode::NOT_FOUND, ErrorCode::NotFound);
}

/// [D-PK] pairingData is free text: refused only when missing, empty or too long; nothing is kept.
#[tokio::test]
async fn pairing_data_is_refused_only_when_missing_empty_or_too_long() {
    let server = Server::start().await;
    let path = server.app_path("/pairingkeys");
    let missing = server.api(Method::POST, &path, Some(json!({}))).await;
    missing.refused_on(ErrorCode::InvalidData, DetailCode::RequiredValue, "pairingData");
    let empty = server.api(Method::POST, &path, Some(json!({"pairingData": ""}))).await;
    empty.refused_on(ErrorCode::InvalidData, DetailCode::EmptyValue, "pairingData");
    let long = server.api(Method::POST, &path, Some(json!({"pairingData": "x".repeat(257)}))).await;
    long.refused_on(ErrorCode::InvalidData, DetailCode::SizeLimitExceeded, "pairingData");
    let anything = issue(&server, "x".repeat(256).as_str()).await;
    assert_eq!(anything.pairing_data.len(), 256);
}

/// [D-RT] "In cases of manual pairing, the customer server application should provide this key":
/// without it REQUIRED_VALUE on `pairingKey`; with it the key is claimed once (USED, [D-PK]).
#[tokio::test]
async fn manual_mode_asks_for_a_key_and_a_typed_key_is_used_once() {
    let server = manual_server_with(&["alice"]).await;
    let device = TestDevice::new(1);
    let required = server.registration_token("alice", json!({"payload": device.payload(&server.clock)})).await;
    required.refused_on(ErrorCode::InvalidData, DetailCode::RequiredValue, "pairingKey");
    let key = issue(&server, "user:alice").await;
    let typed = format!(" {} ", key.id.to_lowercase().replace('-', " "));
    let reply = redeem(&server, "alice", &device, &typed).await;
    server.open_token(&reply).await;
    let read_back: PairingKey = read(&server, &key.id).await.expect(StatusCode::OK).json();
    assert_eq!(read_back.status, PairingKeyStatus::Used);
    let again = redeem(&server, "alice", &TestDevice::new(2), &key.id).await;
    again.refused_on(ErrorCode::InvalidData, DetailCode::InvalidValue, "pairingKey");
}

/// [D-PK]: "the customer server application may use this field to build logic to connect the key
/// to a user or group" — the SDK server does not: any unclaimed key serves any user.
#[tokio::test]
async fn the_sdk_server_lets_any_unclaimed_key_serve_any_user() {
    let server = manual_server_with(&["alice", "carol"]).await;
    let bobs = issue(&server, "user:bob").await;
    server.open_token(&redeem(&server, "alice", &TestDevice::new(1), &bobs.id).await).await;
    let free_text = issue(&server, "no convention at all").await;
    server.open_token(&redeem(&server, "carol", &TestDevice::new(2), &free_text.id).await).await;
}

/// An expired key is gone (404), and unknown, used, expired and garbled keys are refused alike.
#[tokio::test]
async fn an_expired_key_is_gone_and_every_bad_key_is_refused_with_one_message() {
    let server = manual_server_with(&["alice"]).await;
    let used = issue(&server, "user:alice").await;
    server.open_token(&redeem(&server, "alice", &TestDevice::new(1), &used.id).await).await;
    server.create_user("bob").await.expect(StatusCode::CREATED);
    let old = issue(&server, "user:bob").await;
    server.clock.advance(Duration::minutes(10));
    read(&server, &old.id).await.error(StatusCode::NOT_FOUND, ErrorCode::NotFound);
    let refusals = [
        redeem(&server, "bob", &TestDevice::new(2), &old.id).await,
        redeem(&server, "bob", &TestDevice::new(2), &used.id).await,
        redeem(&server, "bob", &TestDevice::new(2), "AAAA-0000").await,
        redeem(&server, "bob", &TestDevice::new(2), "BBBB-BBBB-BBBB").await,
    ];
    let messages: Vec<String> = refusals
        .iter()
        .map(|r| r.refused_on(ErrorCode::InvalidData, DetailCode::InvalidValue, "pairingKey").message)
        .collect();
    assert!(messages.windows(2).all(|w| w[0] == w[1]), "one message for every reason: {messages:?}");
    assert_eq!(device_count(&server, "bob").await, 0, "nothing paired");
}

/// Security numbers (RFC 8628 5.1): 10 wrong keys per user in 10 minutes, then 400
/// `REQUEST_FAILED` `RETRY_LIMIT_EXCEEDED` saying until when ([S-MODEL]; Ping has no 429). A
/// refused try claims nothing: the right key still works once the window has passed.
#[tokio::test]
async fn ten_wrong_keys_in_ten_minutes_lock_out_further_tries() {
    let server = manual_server_with(&["alice"]).await;
    let key = issue(&server, "user:alice").await;
    for _ in 0..10 {
        let wrong = redeem(&server, "alice", &TestDevice::new(1), "BBBB-BBBB-BBBB").await;
        wrong.refused_on(ErrorCode::InvalidData, DetailCode::InvalidValue, "pairingKey");
    }
    let limited = redeem(&server, "alice", &TestDevice::new(1), &key.id).await;
    let body = limited.error(StatusCode::BAD_REQUEST, ErrorCode::RequestFailed);
    assert_eq!(body.details[0].code, DetailCode::RetryLimitExceeded, "{body:?}");
    assert!(body.message.contains("try again after 2030-01-01T00:10:00Z"), "{}", body.message);
    let untouched: PairingKey = read(&server, &key.id).await.expect(StatusCode::OK).json();
    assert_eq!(untouched.status, PairingKeyStatus::NotClaimed, "the refusal claimed nothing");
    server.clock.advance(Duration::minutes(10) + Duration::seconds(1));
    let fresh = issue(&server, "user:alice").await;
    server.open_token(&redeem(&server, "alice", &TestDevice::new(1), &fresh.id).await).await;
}

#[tokio::test]
async fn at_most_twenty_keys_wait_unclaimed_per_pairing_data() {
    let server = Server::start().await;
    for _ in 0..20 {
        issue(&server, "user:alice").await;
    }
    let reply =
        server.api(Method::POST, &server.app_path("/pairingkeys"), Some(json!({"pairingData": "user:alice"}))).await;
    let body = reply.error(StatusCode::BAD_REQUEST, ErrorCode::RequestFailed);
    assert_eq!(body.details[0].code, DetailCode::RetryLimitExceeded, "{body:?}");
    assert!(body.message.contains("try again after 2030-01-01T00:10:00Z"), "{}", body.message);
    issue(&server, "user:bob").await;
}

/// [D-PK] has an account-scope form too: such a key serves every application of the account.
#[tokio::test]
async fn an_account_scope_key_is_read_at_account_scope_and_redeems_in_the_application() {
    let server = manual_server_with(&["alice"]).await;
    let reply = server
        .api(Method::POST, &server.account_path("/pairingkeys"), Some(json!({"pairingData": "group:staff"})))
        .await;
    let key: PairingKey = reply.expect(StatusCode::CREATED).json();
    let path = server.account_path(&format!("/pairingkeys/{}", key.id));
    let at_account: PairingKey = server.api(Method::GET, &path, None).await.expect(StatusCode::OK).json();
    assert_eq!((at_account.status, at_account.pairing_data.as_str()), (PairingKeyStatus::NotClaimed, "group:staff"));
    server.open_token(&redeem(&server, "alice", &TestDevice::new(1), &key.id).await).await;
    let used: PairingKey = server.api(Method::GET, &path, None).await.json();
    assert_eq!(used.status, PairingKeyStatus::Used);
    let app_key = issue(&server, "user:alice").await;
    let elsewhere = server.api(Method::GET, &server.account_path(&format!("/pairingkeys/{}", app_key.id)), None).await;
    elsewhere.error(StatusCode::NOT_FOUND, ErrorCode::NotFound);
}
