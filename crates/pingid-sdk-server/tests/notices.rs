//! Device notices: a user's other devices hear once when a device is added or removed.

mod common;

use std::sync::Arc;

use chrono::Duration;
use common::{advance, Server, TestDevice};
use moderno_wire::device_api::{DeviceNotice, DeviceNoticeKind, NoticeDevice};
use moderno_wire::payload::TrustLevel;
use moderno_wire::sdk::{DetailCode, DeviceRole, DeviceType, ErrorCode};
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn notices(server: &Server, device: &TestDevice) -> Vec<DeviceNotice> {
    device.call(server, Method::GET, "/notices?waitSeconds=0", None).await.expect(StatusCode::OK).json()
}

/// alice with a primary (seed 1) and a trusted second device (seed 2): (primary, second, second's id).
async fn alice_with_two(server: &Server) -> (TestDevice, TestDevice, String) {
    let primary = TestDevice::new(1);
    server.user_with_primary("alice", &primary).await;
    let second = TestDevice::new(2);
    let paired = server.pair("alice", &second, TrustLevel::Trusted, json!({"ignoreValidation": true})).await;
    (primary, second, paired.device_id.expect("a device id"))
}

fn about(name: &str, role: DeviceRole) -> NoticeDevice {
    NoticeDevice { device_name: name.into(), device_type: DeviceType::Desktop, device_role: Some(role) }
}

#[tokio::test]
async fn pairing_a_device_tells_the_primary_once_and_not_the_new_device() {
    let server = Server::start().await;
    let primary = TestDevice::new(1);
    server.user_with_primary("alice", &primary).await;
    assert!(notices(&server, &primary).await.is_empty(), "the first device has no one to tell");

    let second = TestDevice::new(2);
    server.pair("alice", &second, TrustLevel::Trusted, json!({"ignoreValidation": true})).await;
    let heard = notices(&server, &primary).await;
    assert_eq!(heard.len(), 1, "{heard:?}");
    assert_eq!(heard[0].kind, DeviceNoticeKind::DeviceAdded);
    assert_eq!(heard[0].device, about("Desktop 2", DeviceRole::Trusted));
    assert_eq!(heard[0].at, "2030-01-01T00:00:00Z");
    assert_eq!(heard[0].id.len(), 36, "a UUID");
    assert!(notices(&server, &primary).await.is_empty(), "delivered once");
    assert!(notices(&server, &second).await.is_empty(), "the device that changed is not told");
}

#[tokio::test]
async fn ignoring_a_device_pairs_nothing_and_tells_no_one() {
    let server = Server::start().await;
    let primary = TestDevice::new(1);
    server.user_with_primary("alice", &primary).await;
    let ignored = TestDevice::new(3);
    let reply = server
        .registration_token("alice", json!({"payload": ignored.payload(&server.clock), "ignoreValidation": true}))
        .await;
    let (_, id, secret, _) = server.open_token(&reply).await;
    let interval = json!({"value": 1, "unit": "DAYS"});
    ignored.complete(&server, &id, &secret, TrustLevel::Ignore, Some(interval)).await.expect(StatusCode::OK);
    assert!(notices(&server, &primary).await.is_empty());
}

#[tokio::test]
async fn a_device_unpairing_itself_tells_the_remaining_device_once() {
    let server = Server::start().await;
    let (primary, second, _) = alice_with_two(&server).await;
    notices(&server, &primary).await;
    second.call(&server, Method::DELETE, "/me", None).await.expect(StatusCode::NO_CONTENT);
    let heard = notices(&server, &primary).await;
    assert_eq!(heard.len(), 1, "{heard:?}");
    assert_eq!(heard[0].kind, DeviceNoticeKind::DeviceRemoved);
    assert_eq!(heard[0].device, about("Desktop 2", DeviceRole::Trusted));
    assert!(notices(&server, &primary).await.is_empty(), "delivered once");
}

#[tokio::test]
async fn an_administrator_removing_the_primary_tells_the_other_device() {
    let server = Server::start().await;
    let (primary, second, _) = alice_with_two(&server).await;
    let primary_id = server.api(Method::GET, &server.user_path("alice", "/devices"), None).await.value()[0]["id"]
        .as_str()
        .expect("the primary's id")
        .to_string();
    server
        .api(Method::DELETE, &server.user_path("alice", &format!("/devices/{primary_id}")), None)
        .await
        .expect(StatusCode::NO_CONTENT);
    let heard = notices(&server, &second).await;
    assert_eq!(heard.len(), 1, "{heard:?}");
    assert_eq!(heard[0].kind, DeviceNoticeKind::DeviceRemoved);
    assert_eq!(heard[0].device, about("Desktop 1", DeviceRole::Primary));
    let gone = primary.call(&server, Method::GET, "/notices", None).await;
    gone.error(StatusCode::UNAUTHORIZED, ErrorCode::UnauthorizedReq);
}

#[tokio::test]
async fn a_notice_long_poll_wakes_when_a_device_is_added() {
    let server = Arc::new(Server::start().await);
    let primary = TestDevice::new(1);
    server.user_with_primary("alice", &primary).await;
    let waiting = {
        let server = server.clone();
        tokio::spawn(async move {
            let begun = std::time::Instant::now();
            let reply = primary.call(&server, Method::GET, "/notices?waitSeconds=20", None).await;
            (reply.expect(StatusCode::OK).json::<Vec<DeviceNotice>>(), begun.elapsed())
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    server.pair("alice", &TestDevice::new(2), TrustLevel::Trusted, json!({"ignoreValidation": true})).await;
    let (heard, waited) = waiting.await.expect("the poller finishes");
    assert_eq!(heard.len(), 1, "{heard:?}");
    assert!(waited < std::time::Duration::from_secs(10), "woken early, not at the deadline: {waited:?}");
}

#[tokio::test]
async fn notices_older_than_thirty_days_are_purged_undelivered() {
    let server = Server::start().await;
    let (primary, _, _) = alice_with_two(&server).await;
    advance(&server, Duration::days(30) + Duration::seconds(1));
    assert!(notices(&server, &primary).await.is_empty());
}

#[tokio::test]
async fn a_wait_over_25_seconds_is_refused_and_delivers_nothing() {
    let server = Server::start().await;
    let (primary, _, _) = alice_with_two(&server).await;
    let reply = primary.call(&server, Method::GET, "/notices?waitSeconds=26", None).await;
    let body = reply.error(StatusCode::BAD_REQUEST, ErrorCode::InvalidData);
    assert_eq!(body.details[0].code, DetailCode::OutOfRange);
    assert_eq!(body.target.as_deref(), Some("waitSeconds"));
    assert_eq!(notices(&server, &primary).await.len(), 1, "the notice is still waiting");
}

#[tokio::test]
async fn an_unsigned_notice_poll_is_refused() {
    let server = Server::start().await;
    let reply = server.raw(Method::GET, "/pingid/v1/device/notices", &[], Vec::new()).await;
    let body = reply.error(StatusCode::UNAUTHORIZED, ErrorCode::UnauthorizedReq);
    assert!(body.details.is_empty(), "Ping's 401 has no invented detail code: {body:?}");
    assert!(body.message.contains("signature"), "{}", body.message);
}
