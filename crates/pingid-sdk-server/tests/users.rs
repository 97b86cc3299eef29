//! Users ([D-USERS], apidocs.pingidentity.com/pingid-sdk/guide/server-api/pid_c_SDKapiUsers):
//! create, read (with devices), delete, 404, and the administrator's status changes.

mod common;

use common::{Server, TestDevice};
use moderno_wire::payload::TrustLevel;
use moderno_wire::sdk::{DetailCode, ErrorCode, User, UserStatus};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn a_created_user_reads_back_not_active_without_devices() {
    let server = Server::start().await;
    let created: User = server.create_user("alice").await.expect(StatusCode::CREATED).json();
    assert_eq!(created.status, UserStatus::NotActive);
    let read: User = server
        .api(Method::GET, &server.user_path("alice", "?expand=devices"), None)
        .await
        .expect(StatusCode::OK)
        .json();
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
async fn creating_an_existing_user_is_refused_and_changes_nothing() {
    let server = Server::start().await;
    server.create_user("alice").await.expect(StatusCode::CREATED);
    let again = server
        .api(Method::POST, &server.account_path("/users"), Some(json!({"username": "alice", "firstName": "Other"})))
        .await;
    again.refused_on(ErrorCode::RequestFailed, DetailCode::ResourceAlreadyExists, "username");
    let read: User = server.api(Method::GET, &server.user_path("alice", ""), None).await.json();
    assert_eq!(read.first_name, "Test", "the first user is kept as it was");
}

fn create_body(username: &str, first: &str, last: &str) -> serde_json::Value {
    json!({"username": username, "firstName": first, "lastName": last})
}

/// [D-USERS]: username up to 100 characters; firstName and lastName up to 64. Too long is
/// SIZE_LIMIT_EXCEEDED, empty EMPTY_VALUE, a control character INVALID_VALUE ([S-MODEL]
/// InternalErrorCode.java), each with the field as target; nothing is created.
#[tokio::test]
async fn usernames_up_to_100_and_names_up_to_64_characters_are_accepted_and_longer_refused() {
    let server = Server::start().await;
    let users = server.account_path("/users");
    let cases = [
        (create_body("", "", ""), DetailCode::EmptyValue, "username"),
        (create_body(&"u".repeat(101), "", ""), DetailCode::SizeLimitExceeded, "username"),
        (create_body("al\u{7}ice", "", ""), DetailCode::InvalidValue, "username"),
        (create_body("..", "", ""), DetailCode::InvalidValue, "username"),
        (create_body("erin", &"f".repeat(65), ""), DetailCode::SizeLimitExceeded, "firstName"),
        (create_body("erin", "", &"l".repeat(65)), DetailCode::SizeLimitExceeded, "lastName"),
        (create_body("erin", "", "tab\there"), DetailCode::InvalidValue, "lastName"),
    ];
    for (body, detail, target) in cases {
        server.api(Method::POST, &users, Some(body)).await.refused_on(ErrorCode::InvalidData, detail, target);
    }
    for refused in ["erin", &"u".repeat(101)] {
        let reply = server.api(Method::GET, &server.user_path(refused, ""), None).await;
        reply.error(StatusCode::NOT_FOUND, ErrorCode::NotFound);
    }
    let longest = "u".repeat(100);
    let body = create_body(&longest, &"f".repeat(64), &"l".repeat(64));
    let created: User = server.api(Method::POST, &users, Some(body)).await.expect(StatusCode::CREATED).json();
    assert_eq!((created.username.len(), created.first_name.len(), created.last_name.len()), (100, 64, 64));
}

/// [D-USERS]: "special characters are allowed" in a username; it travels percent-encoded in paths.
#[tokio::test]
async fn a_username_with_special_characters_is_created_and_read_back() {
    let server = Server::start().await;
    let name = "o'brien+test/é ñ@example.com";
    let created: User = server.create_user(name).await.expect(StatusCode::CREATED).json();
    assert_eq!(created.username, name);
    let encoded = "o'brien+test%2F%C3%A9%20%C3%B1@example.com";
    let read: User = server.api(Method::GET, &server.user_path(encoded, ""), None).await.expect(StatusCode::OK).json();
    assert_eq!(read.username, name);
    let device = TestDevice::new(1);
    let reply = server.registration_token(encoded, json!({"payload": device.payload(&server.clock)})).await;
    assert_eq!(server.open_token(&reply).await.0.username, name);
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
    let suspended: User =
        server.api(Method::PUT, &path, Some(json!({"status": "SUSPENDED"}))).await.expect(StatusCode::OK).json();
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
    assert!(bypass.user_in_bypass, "[S-MODEL] User.java isUserInBypass");
    server.clock.advance(chrono::Duration::hours(2));
    let after: User = server.api(Method::GET, &path, None).await.json();
    assert_eq!(after.status, UserStatus::NotActive, "an expired bypass falls back to the derived status");
    assert!(!after.user_in_bypass);
}

/// [S-MODEL] User.java: `userInBypass` is part of every User representation.
#[tokio::test]
async fn every_user_carries_user_in_bypass() {
    let server = Server::start().await;
    let created = server.create_user("alice").await.expect(StatusCode::CREATED).value();
    assert_eq!(created["userInBypass"], false, "{created}");
}

/// [D-USERS] lists DELETE; a real client deletes at `DELETE /accounts/{a}/users/{u}` ([NODE]
/// test-controller.js) and expects 204 ([S-API] delete() demands SC_NO_CONTENT). The user's
/// devices, registration tokens and authentications go too.
#[tokio::test]
async fn deleting_a_user_removes_their_devices_tokens_and_authentications() {
    let server = Server::start().await;
    let primary = TestDevice::new(1);
    server.user_with_primary("alice", &primary).await;
    let laptop = TestDevice::new(2);
    let auth = server
        .start_authentication("alice", &laptop.payload(&server.clock), json!({}))
        .await
        .expect(StatusCode::CREATED)
        .value();
    let auth_id = auth["id"].as_str().expect("an id").to_string();
    let token = server
        .registration_token("alice", json!({"payload": laptop.payload(&server.clock), "ignoreValidation": true}))
        .await;
    let (_, token_id, _, _) = server.open_token(&token).await;

    let path = server.account_path("/users/alice");
    server.api(Method::DELETE, &path, None).await.expect(StatusCode::NO_CONTENT);
    server
        .api(Method::GET, &server.user_path("alice", ""), None)
        .await
        .error(StatusCode::NOT_FOUND, ErrorCode::NotFound);
    primary.call(&server, Method::GET, "/me", None).await.error(StatusCode::UNAUTHORIZED, ErrorCode::UnauthorizedReq);

    server.create_user("alice").await.expect(StatusCode::CREATED);
    let gone_token =
        server.api(Method::GET, &server.user_path("alice", &format!("/registrationtokens/{token_id}")), None).await;
    assert_eq!(
        gone_token.error(StatusCode::NOT_FOUND, ErrorCode::NotFound).target.as_deref(),
        Some("registrationToken")
    );
    let gone_auth = server.authentication("alice", &auth_id).await;
    assert_eq!(gone_auth.error(StatusCode::NOT_FOUND, ErrorCode::NotFound).target.as_deref(), Some("authentication"));
    let again = server.pair("alice", &primary, TrustLevel::Primary, json!({})).await;
    assert_eq!(again.device_role, Some(moderno_wire::sdk::DeviceRole::Primary), "the user starts afresh");

    let unknown = server.api(Method::DELETE, &server.account_path("/users/nobody"), None).await;
    assert_eq!(unknown.error(StatusCode::NOT_FOUND, ErrorCode::NotFound).target.as_deref(), Some("user"));
}

/// Device delete at account scope, `DELETE /accounts/{a}/users/{u}/devices/{id}` → 204 ([NODE]);
/// a device that is not the user's is 404 and stays paired.
#[tokio::test]
async fn a_device_is_deleted_at_account_scope_and_only_the_users_own() {
    let server = Server::start().await;
    let alices = server.user_with_primary("alice", &TestDevice::new(1)).await.device_id.expect("a device id");
    let bobs = server.user_with_primary("bob", &TestDevice::new(2)).await.device_id.expect("a device id");
    let wrong = server.api(Method::DELETE, &server.account_path(&format!("/users/alice/devices/{bobs}")), None).await;
    assert_eq!(wrong.error(StatusCode::NOT_FOUND, ErrorCode::NotFound).target.as_deref(), Some("device"));
    let bob: User = server.api(Method::GET, &server.user_path("bob", "?expand=devices"), None).await.json();
    assert_eq!(bob.devices.map(|d| d.len()), Some(1), "bob's device is untouched");

    let path = server.account_path(&format!("/users/alice/devices/{alices}"));
    server.api(Method::DELETE, &path, None).await.expect(StatusCode::NO_CONTENT);
    let alice: User = server.api(Method::GET, &server.user_path("alice", "?expand=devices"), None).await.json();
    assert_eq!((alice.status, alice.devices.map(|d| d.len())), (UserStatus::NotActive, Some(0)));
    server.api(Method::DELETE, &path, None).await.error(StatusCode::NOT_FOUND, ErrorCode::NotFound);
}

/// [S-API] isApplicationDisabled: Ping's sample skips MFA only for a 400 whose `target` is
/// `application` and whose detail is APPLICATION_DISABLED; every route but the administrator's
/// answers so, and nothing is written.
#[tokio::test]
async fn a_disabled_application_answers_request_failed_with_target_application() {
    let server = Server::start().await;
    server.create_user("alice").await.expect(StatusCode::CREATED);
    server.settings(json!({"enabled": false})).await;
    let device = TestDevice::new(1);
    let replies = [
        server.api(Method::GET, &server.user_path("alice", ""), None).await,
        server.registration_token("alice", json!({"payload": device.payload(&server.clock)})).await,
        server.start_authentication("alice", &device.payload(&server.clock), json!({})).await,
        server.api(Method::POST, &server.app_path("/pairingkeys"), Some(json!({"pairingData": "user:alice"}))).await,
    ];
    for reply in replies {
        let body = reply.refused_on(ErrorCode::RequestFailed, DetailCode::ApplicationDisabled, "application");
        assert_eq!(body.target.as_deref(), Some("application"), "the top-level target too: {body:?}");
    }
    server.settings(json!({"enabled": true})).await;
    let user: User = server.api(Method::GET, &server.user_path("alice", "?expand=devices"), None).await.json();
    assert_eq!((user.status, user.devices.map(|d| d.len())), (UserStatus::NotActive, Some(0)), "nothing was written");
}
