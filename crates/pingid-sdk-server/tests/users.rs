//! Users: create, read (with devices), 404, and the administrator's status changes.

mod common;

use common::{Server, TestDevice};
use moderno_wire::sdk::{DetailCode, ErrorCode, User, UserStatus};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn a_created_user_reads_back_not_active_without_devices() {
    let server = Server::start().await;
    let created: User = server.create_user("alice").await.expect(StatusCode::CREATED).json();
    assert_eq!(created.status, UserStatus::NotActive);
    let read: User = server.api(Method::GET, &server.user_path("alice", "?expand=devices"), None).await.expect(StatusCode::OK).json();
    assert_eq!(read.username, "alice");
    assert_eq!(read.first_name, "Test");
    assert_eq!(read.devices, Some(vec![]), "expand=devices lists the (no) devices");
    let plain: User = server.api(Method::GET, &server.user_path("alice", ""), None).await.json();
    assert_eq!(plain.devices, None, "without expand there is no device list");
}

#[tokio::test]
async fn an_unknown_user_is_404_with_target_user() {
    let server = Server::start().await;
    let reply = server.api(Method::GET, &server.user_path("nobody", ""), None).await;
    let body = reply.error(StatusCode::NOT_FOUND, ErrorCode::NotFound);
    assert_eq!(body.target.as_deref(), Some("user"));
}

#[tokio::test]
async fn creating_an_existing_user_or_a_bad_username_is_refused() {
    let server = Server::start().await;
    server.create_user("alice").await.expect(StatusCode::CREATED);
    server.create_user("alice").await.refused(DetailCode::ResourceAlreadyExists);
    let bad = server.create_user("al/ice").await;
    bad.error(StatusCode::BAD_REQUEST, ErrorCode::InvalidData);
    assert_eq!(bad.json::<moderno_wire::sdk::ErrorBody>().details[0].target.as_deref(), Some("username"));
}

#[tokio::test]
async fn a_paired_user_is_active_and_lists_the_device() {
    let server = Server::start().await;
    let device = TestDevice::new(1);
    let paired = server.user_with_primary("alice", &device).await;
    let read: User = server.api(Method::GET, &server.user_path("alice", "?expand=devices"), None).await.json();
    assert_eq!(read.status, UserStatus::Active);
    let devices = read.devices.expect("devices");
    assert_eq!(devices.len(), 1);
    assert_eq!(Some(devices[0].id.clone()), paired.device_id);
    assert_eq!(devices[0].device_fingerprint, device.fingerprint());
}

#[tokio::test]
async fn the_administrator_suspends_and_bypasses_users() {
    let server = Server::start().await;
    server.create_user("alice").await.expect(StatusCode::CREATED);
    let path = server.user_path("alice", "");
    let suspended: User = server.api(Method::PUT, &path, Some(json!({"status": "SUSPENDED"}))).await.expect(StatusCode::OK).json();
    assert_eq!(suspended.status, UserStatus::Suspended);
    let device = TestDevice::new(2);
    server
        .registration_token("alice", json!({"payload": device.payload(&server.clock)}))
        .await
        .refused(DetailCode::UserDisabled);

    let until = (server.clock.now() + chrono::Duration::hours(1)).to_rfc3339();
    let bypass: User = server
        .api(Method::PUT, &path, Some(json!({"status": "BYPASS", "bypassExpiration": until})))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(bypass.status, UserStatus::Bypass);
    server.clock.advance(chrono::Duration::hours(2));
    let after: User = server.api(Method::GET, &path, None).await.json();
    assert_eq!(after.status, UserStatus::NotActive, "an expired bypass falls back to the derived status");
}
