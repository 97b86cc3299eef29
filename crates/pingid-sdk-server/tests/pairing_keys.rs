//! Manual pairing keys: issued hashed, single use, bound to a user, short-lived, rate limited.

mod common;

use chrono::Duration;
use common::{Server, TestDevice};
use moderno_wire::sdk::{DetailCode, ErrorCode, PairingKey, PairingKeyStatus};
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn issue(server: &Server, pairing_data: &str) -> (PairingKey, String) {
    let reply = server.api(Method::POST, &server.app_path("/pairingkeys"), Some(json!({"pairingData": pairing_data}))).await;
    let key: PairingKey = reply.expect(StatusCode::CREATED).json();
    let location = reply.headers.get("location").and_then(|v| v.to_str().ok()).expect("a Location").to_string();
    (key, location)
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

#[tokio::test]
async fn a_pairing_key_looks_like_xxxx_xxxx_xxxx_and_reads_back_by_reference() {
    let server = Server::start().await;
    let (key, location) = issue(&server, "user:alice").await;
    assert_eq!(key.id.len(), 14);
    assert!(key.id.chars().all(|c| c == '-' || "BCDFGHJKLMNPQRSTVWXZ".contains(c)), "{}", key.id);
    assert_eq!(key.status, PairingKeyStatus::NotClaimed);
    assert_eq!(key.expires_at, (server.clock.now() + Duration::minutes(10)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    let read: PairingKey = server.api(Method::GET, &location, None).await.expect(StatusCode::OK).json();
    assert_ne!(read.id, key.id, "the reference is not the key");
    assert_eq!(read.pairing_data, "user:alice");
    let by_key = server.api(Method::GET, &server.app_path(&format!("/pairingkeys/{}", key.id)), None).await;
    by_key.error(StatusCode::NOT_FOUND, ErrorCode::NotFound);
}

#[tokio::test]
async fn manual_mode_asks_for_a_key_and_a_typed_key_is_used_once() {
    let server = manual_server_with(&["alice"]).await;
    let device = TestDevice::new(1);
    server.registration_token("alice", json!({"payload": device.payload(&server.clock)})).await.refused(DetailCode::PairingKeyRequired);
    let (key, location) = issue(&server, "user:alice").await;
    let typed = format!(" {} ", key.id.to_lowercase().replace('-', " "));
    let reply = redeem(&server, "alice", &device, &typed).await;
    server.open_token(&reply).await;
    let read: PairingKey = server.api(Method::GET, &location, None).await.json();
    assert_eq!(read.status, PairingKeyStatus::Used);
    redeem(&server, "alice", &TestDevice::new(2), &key.id).await.refused(DetailCode::InvalidPairingKey);
}

#[tokio::test]
async fn an_expired_key_or_another_users_key_is_refused_alike() {
    let server = manual_server_with(&["alice", "bob"]).await;
    let (bobs, _) = issue(&server, "user:bob").await;
    let other = redeem(&server, "alice", &TestDevice::new(1), &bobs.id).await.refused(DetailCode::InvalidPairingKey);
    let (old, location) = issue(&server, "user:alice").await;
    server.clock.advance(Duration::minutes(10));
    let expired = redeem(&server, "alice", &TestDevice::new(1), &old.id).await.refused(DetailCode::InvalidPairingKey);
    assert_eq!(other.message, expired.message, "one message for every reason");
    let read: PairingKey = server.api(Method::GET, &location, None).await.json();
    assert_eq!(read.status, PairingKeyStatus::Expired);
    let garbled = redeem(&server, "alice", &TestDevice::new(1), "AAAA-0000").await.refused(DetailCode::InvalidPairingKey);
    assert_eq!(garbled.message, expired.message);
}

#[tokio::test]
async fn a_group_key_serves_any_user_and_automatic_mode_honours_keys_too() {
    let server = Server::start().await;
    server.create_user("carol").await.expect(StatusCode::CREATED);
    let (group, _) = issue(&server, "group:staff").await;
    server.open_token(&redeem(&server, "carol", &TestDevice::new(1), &group.id).await).await;
    server.create_user("dave").await.expect(StatusCode::CREATED);
    redeem(&server, "dave", &TestDevice::new(2), &group.id).await.refused(DetailCode::InvalidPairingKey);
}

#[tokio::test]
async fn ten_wrong_keys_in_ten_minutes_lock_out_further_tries() {
    let server = manual_server_with(&["alice"]).await;
    let (key, _) = issue(&server, "user:alice").await;
    for _ in 0..10 {
        redeem(&server, "alice", &TestDevice::new(1), "BBBB-BBBB-BBBB").await.refused(DetailCode::InvalidPairingKey);
    }
    let limited = redeem(&server, "alice", &TestDevice::new(1), &key.id).await;
    limited.error(StatusCode::TOO_MANY_REQUESTS, ErrorCode::TooManyRequests);
    server.clock.advance(Duration::minutes(10) + Duration::seconds(1));
    let (fresh, _) = issue(&server, "user:alice").await;
    server.open_token(&redeem(&server, "alice", &TestDevice::new(1), &fresh.id).await).await;
}

#[tokio::test]
async fn at_most_twenty_keys_wait_unclaimed_per_pairing_data() {
    let server = Server::start().await;
    for _ in 0..20 {
        issue(&server, "user:alice").await;
    }
    let reply = server.api(Method::POST, &server.app_path("/pairingkeys"), Some(json!({"pairingData": "user:alice"}))).await;
    reply.error(StatusCode::TOO_MANY_REQUESTS, ErrorCode::TooManyRequests);
    issue(&server, "user:bob").await;
}
