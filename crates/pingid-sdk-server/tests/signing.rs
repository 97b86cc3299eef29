//! PINGID-HMAC: refusals are 401 `UNAUTHORIZED_REQ` with a signed `ErrorBody`.

mod common;

use chrono::Duration;
use common::Server;
use moderno_crypto::pingid_hmac::{ApiCredentials, RequestParts};
use moderno_wire::sdk::ErrorCode;
use reqwest::{Method, StatusCode};

/// [D-SIG]: an unsigned or badly signed request is 401; [S-MODEL] `ErrorCode.java`
/// `UNAUTHORIZED_REQ`, and no detail code (Ping's `InternalErrorCode.java` has none for it): the
/// reason is in the message only.
fn assert_refused_because(reply: &common::Reply, reason: &str) {
    let body = reply.error(StatusCode::UNAUTHORIZED, ErrorCode::UnauthorizedReq);
    assert!(body.details.is_empty(), "no invented detail code: {body:?}");
    assert!(body.message.contains(reason), "the message names the reason {reason:?}: {}", body.message);
}

#[tokio::test]
async fn a_request_without_authorization_is_refused_with_a_signed_error() {
    let server = Server::start().await;
    let path = server.user_path("alice", "");
    let reply = server.raw(Method::GET, &path, &[], Vec::new()).await;
    assert_refused_because(&reply, "no PINGID-HMAC signature");
}

#[tokio::test]
async fn a_request_signed_with_another_key_is_refused() {
    let server = Server::start().await;
    let path = server.user_path("alice", "");
    let other = ApiCredentials::new(&server.config.account_id, &server.config.account_token, "b3RoZXIta2V5").unwrap();
    let parts = RequestParts { method: "GET", host: "127.0.0.1", path: &path, query: None, body: b"" };
    let auth = other.authorize(&parts, server.clock.now(), "11111111-1111-4111-8111-111111111111");
    let reply = server.raw(Method::GET, &path, &[("authorization", auth)], Vec::new()).await;
    assert_refused_because(&reply, "does not verify");
}

#[tokio::test]
async fn an_expired_signature_is_refused() {
    let server = Server::start().await;
    let path = server.user_path("alice", "");
    let auth = server.authorization(&Method::GET, &path, b"", &server.next_request_id());
    server.clock.advance(Duration::minutes(6));
    let reply = server.raw(Method::GET, &path, &[("authorization", auth)], Vec::new()).await;
    assert_refused_because(&reply, "expired");
}

#[tokio::test]
async fn a_replayed_request_id_is_refused() {
    let server = Server::start().await;
    server.create_user("alice").await.expect(StatusCode::CREATED);
    let path = server.user_path("alice", "");
    let auth = server.authorization(&Method::GET, &path, b"", "22222222-2222-4222-8222-222222222222");
    let first = server.raw(Method::GET, &path, &[("authorization", auth.clone())], Vec::new()).await;
    first.expect(StatusCode::OK);
    let again = server.raw(Method::GET, &path, &[("authorization", auth)], Vec::new()).await;
    assert_refused_because(&again, "replay");
}

#[tokio::test]
async fn a_signature_over_another_body_or_host_is_refused() {
    let server = Server::start().await;
    let path = server.account_path("/users");
    let auth = server.authorization(&Method::POST, &path, br#"{"username":"alice"}"#, &server.next_request_id());
    let headers = [("authorization", auth), ("content-type", "application/json".to_string())];
    let reply = server.raw(Method::POST, &path, &headers, br#"{"username":"mallory"}"#.to_vec()).await;
    assert_refused_because(&reply, "does not cover this request");

    let parts = RequestParts { method: "GET", host: "sdk.pingid.com", path: &path, query: None, body: b"" };
    let auth = server.creds.authorize(&parts, server.clock.now(), &server.next_request_id());
    let reply = server.raw(Method::GET, &server.user_path("alice", ""), &[("authorization", auth)], Vec::new()).await;
    assert_refused_because(&reply, "does not cover this request");
}

#[tokio::test]
async fn a_malformed_authorization_header_is_refused() {
    let server = Server::start().await;
    let path = server.user_path("alice", "");
    let reply = server.raw(Method::GET, &path, &[("authorization", "Bearer abc".into())], Vec::new()).await;
    assert_refused_because(&reply, "malformed");
}

#[tokio::test]
async fn a_signed_request_to_another_account_is_not_found() {
    let server = Server::start().await;
    let path = "/pingid/v1/accounts/99999999-1111-2222-3333-444444444444/users";
    let reply = server.api(Method::POST, path, Some(serde_json::json!({"username": "alice"}))).await;
    let body = reply.error(StatusCode::NOT_FOUND, ErrorCode::NotFound);
    assert_eq!(body.target.as_deref(), Some("account"));
}

#[tokio::test]
async fn the_server_key_needs_no_signature_and_its_answer_is_signed() {
    let server = Server::start().await;
    let key = server.server_key().await;
    assert_eq!(key.to_b64().len(), 43, "an Ed25519 key in base64url");
}
