//! Bad input never reaches the logic: Ping's error body, the right status, nothing written.

mod common;

use common::Server;
use moderno_wire::sdk::{DetailCode, ErrorCode, User};
use reqwest::{Method, StatusCode};

async fn user_count_is_unchanged(server: &Server) {
    let reply = server.api(Method::GET, &server.user_path("mallory", ""), None).await;
    reply.error(StatusCode::NOT_FOUND, ErrorCode::NotFound);
}

async fn post_users(server: &Server, content_type: Option<&str>, body: Vec<u8>) -> common::Reply {
    let path = server.account_path("/users");
    let mut headers =
        vec![("authorization", server.authorization(&Method::POST, &path, &body, &server.next_request_id()))];
    if let Some(ct) = content_type {
        headers.push(("content-type", ct.to_string()));
    }
    server.raw(Method::POST, &path, &headers, body).await
}

#[tokio::test]
async fn malformed_json_is_invalid_data_naming_the_problem() {
    let server = Server::start().await;
    let reply = post_users(&server, Some("application/json"), br#"{"username": "mallory""#.to_vec()).await;
    let body = reply.error(StatusCode::BAD_REQUEST, ErrorCode::InvalidData);
    assert!(body.message.contains("JSON"), "{}", body.message);
    // [S-MODEL] InternalErrorCode.java REQUIRED_VALUE, with the field as target ([D-ERR]).
    let missing = post_users(&server, Some("application/json"), br#"{"firstName": "x"}"#.to_vec()).await;
    let body = missing.refused_on(ErrorCode::InvalidData, DetailCode::RequiredValue, "username");
    assert!(body.message.contains("username"), "names the missing field: {}", body.message);
    user_count_is_unchanged(&server).await;
}

#[tokio::test]
async fn a_wrong_content_type_is_invalid_data() {
    let server = Server::start().await;
    let reply = post_users(&server, Some("text/plain"), br#"{"username": "mallory"}"#.to_vec()).await;
    let body = reply.error(StatusCode::BAD_REQUEST, ErrorCode::InvalidData);
    assert!(body.message.contains("application/json"), "{}", body.message);
    let none = post_users(&server, None, br#"{"username": "mallory"}"#.to_vec()).await;
    none.error(StatusCode::BAD_REQUEST, ErrorCode::InvalidData);
    user_count_is_unchanged(&server).await;
}

/// Ping has no 413 ([S-MODEL] ErrorCode.java lists six codes): an oversized body is 400
/// `INVALID_DATA` with detail `SIZE_LIMIT_EXCEEDED` ([S-MODEL] InternalErrorCode.java), the
/// message saying the limit.
#[tokio::test]
async fn a_body_over_64_kib_is_invalid_data_size_limit_exceeded() {
    let server = Server::start().await;
    let padding = "x".repeat(65 * 1024);
    let body = format!(r#"{{"username": "mallory", "firstName": "{padding}"}}"#).into_bytes();
    let reply = post_users(&server, Some("application/json"), body).await;
    let error = reply.error(StatusCode::BAD_REQUEST, ErrorCode::InvalidData);
    assert_eq!(error.details[0].code, DetailCode::SizeLimitExceeded, "{error:?}");
    assert!(error.message.contains("65536 bytes"), "says the limit: {}", error.message);
    let device = server.raw(Method::POST, "/pingid/v1/device/pairings", &[], vec![b'x'; 65 * 1024]).await;
    let error = device.error(StatusCode::BAD_REQUEST, ErrorCode::InvalidData);
    assert_eq!(error.details[0].code, DetailCode::SizeLimitExceeded, "{error:?}");
    user_count_is_unchanged(&server).await;
}

#[tokio::test]
async fn an_unknown_route_or_method_gets_an_error_body() {
    let server = Server::start().await;
    let reply = server.raw(Method::GET, "/nothing/here", &[], Vec::new()).await;
    reply.error(StatusCode::NOT_FOUND, ErrorCode::NotFound);
    let signed = server.api(Method::GET, &server.app_path("/nothing"), None).await;
    signed.error(StatusCode::NOT_FOUND, ErrorCode::NotFound);
    let method = server.api(Method::PATCH, &server.account_path("/users"), None).await;
    method.error(StatusCode::METHOD_NOT_ALLOWED, ErrorCode::InvalidRequest);
    let unknown_app = server.api(Method::GET, &server.account_path("/applications/other-app/users/alice"), None).await;
    assert_eq!(unknown_app.error(StatusCode::NOT_FOUND, ErrorCode::NotFound).target.as_deref(), Some("application"));
}

/// [D-SET]: 1 to 15 devices per user, OTP lifetime 1 to 30 minutes; outside: `OUT_OF_RANGE` on
/// the field ([S-MODEL] InternalErrorCode.java), and the settings stay as they were.
#[tokio::test]
async fn out_of_range_settings_are_refused_and_kept() {
    let server = Server::start().await;
    let path = server.app_path("/settings");
    let before = server.api(Method::GET, &path, None).await.value();
    let mut bad = before.clone();
    bad["maxDevicesPerUser"] = 16.into();
    server.api(Method::PUT, &path, Some(bad)).await.refused_on(
        ErrorCode::InvalidData,
        DetailCode::OutOfRange,
        "maxDevicesPerUser",
    );
    let mut bad = before.clone();
    bad["otpLifetimeMinutes"] = 0.into();
    server.api(Method::PUT, &path, Some(bad)).await.refused_on(
        ErrorCode::InvalidData,
        DetailCode::OutOfRange,
        "otpLifetimeMinutes",
    );
    assert_eq!(server.api(Method::GET, &path, None).await.value(), before);
}

#[tokio::test]
async fn a_refused_request_writes_nothing() {
    let server = Server::start().await;
    server.create_user("alice").await.expect(StatusCode::CREATED);
    let device = common::TestDevice::new(1);
    let payload = device.payload(&server.clock);
    server.settings(serde_json::json!({"pairingMode": "MANUAL"})).await;
    server.registration_token("alice", serde_json::json!({"payload": payload})).await.refused_on(
        ErrorCode::InvalidData,
        DetailCode::RequiredValue,
        "pairingKey",
    );
    server.settings(serde_json::json!({"pairingMode": "AUTOMATIC"})).await;
    server.create_user("bob").await.expect(StatusCode::CREATED);
    let reply = server.registration_token("bob", serde_json::json!({"payload": payload})).await;
    reply.expect(StatusCode::CREATED);
    let user: User = server.api(Method::GET, &server.user_path("alice", ""), None).await.json();
    assert_eq!(user.username, "alice");
}
