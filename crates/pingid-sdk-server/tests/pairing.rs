//! Registration tokens ([D-RT], apidocs.pingidentity.com/pingid-sdk/guide/server-api/pid_c_SDKapiRegToken)
//! and completing pairing from the device.

mod common;

use chrono::Duration;
use common::{totp_now, Server, TestDevice};
use moderno_wire::device_api::{PairingCompleted, PairingOutcome};
use moderno_wire::payload::TrustLevel;
use moderno_wire::sdk::{
    DetailCode, DeviceRole, ErrorCode, RegistrationToken, RegistrationTokenStatus, User, UserStatus,
};
use reqwest::{Method, StatusCode};
use serde_json::json;

/// [D-RT]: 201 {id, payload (the server payload), status not_claimed}; Ping publishes no expiry,
/// so none is sent (the server payload carries its own, for the device).
#[tokio::test]
async fn a_first_device_gets_a_server_payload_offering_primary_trusted_and_ignore() {
    let server = Server::start().await;
    server.create_user("alice").await.expect(StatusCode::CREATED);
    let device = TestDevice::new(1);
    let reply = server.registration_token("alice", json!({"payload": device.payload(&server.clock)})).await;
    let raw = reply.value();
    assert_eq!(raw["status"], "not_claimed", "Ping's lower-case status: {raw}");
    assert!(raw.get("expiresAt").is_none(), "no invented expiresAt: {raw}");
    let token: RegistrationToken = reply.json();
    assert_eq!(token.status, RegistrationTokenStatus::NotClaimed);
    let (claims, id, secret, levels) = server.open_token(&reply).await;
    assert_eq!(id, token.id);
    assert_eq!(levels, vec![TrustLevel::Primary, TrustLevel::Trusted, TrustLevel::Ignore]);
    assert_eq!(claims.username, "alice");
    assert_eq!(claims.device_fingerprint, device.fingerprint());
    assert_eq!(claims.device_api_url, format!("{}/pingid/v1/device", server.base));
    assert_eq!(claims.account_id, server.config.account_id);
    assert!(secret.len() >= 22, "128 bits of secret");
    assert_eq!(claims.expires_at, (server.clock.now() + Duration::minutes(10)).timestamp());
}

#[tokio::test]
async fn completing_pairing_as_primary_activates_the_user_and_gives_an_otp_secret() {
    let server = Server::start().await;
    let device = TestDevice::new(1);
    let paired = server.user_with_primary("alice", &device).await;
    assert_eq!(paired.outcome, PairingOutcome::Success);
    assert_eq!(paired.device_role, Some(DeviceRole::Primary));
    let secret = paired.otp_secret.expect("an OTP secret");
    assert_eq!(secret.len(), 32, "160 bits in base32");
    let user: User = server.api(Method::GET, &server.user_path("alice", ""), None).await.json();
    assert_eq!(user.status, UserStatus::Active);
}

#[tokio::test]
async fn a_token_completes_once_and_only_for_its_device_and_secret() {
    let server = Server::start().await;
    let device = TestDevice::new(1);
    let (id, secret) = server.new_user_token("alice", &device).await;

    let stranger = TestDevice::new(9);
    stranger.complete(&server, &id, &secret, TrustLevel::Primary, None).await.token_refused();
    device.complete(&server, &id, "wrong-secret", TrustLevel::Primary, None).await.token_refused();
    device.complete(&server, &id, &secret, TrustLevel::Primary, None).await.expect(StatusCode::OK);
    device.complete(&server, &id, &secret, TrustLevel::Trusted, None).await.token_refused();

    let read = token_status(&server, "alice", &id).await;
    assert_eq!(read.status, RegistrationTokenStatus::Active, "[D-RT] active: paired with this token");
    assert_eq!(read.payload, None, "the server payload is shown once");
}

async fn token_status(server: &Server, username: &str, id: &str) -> RegistrationToken {
    let reply = server.api(Method::GET, &server.user_path(username, &format!("/registrationtokens/{id}")), None).await;
    reply.expect(StatusCode::OK).json()
}

/// [RN-2020] GET RegistrationToken with its status: an unclaimed token past its lifetime reads
/// `invalidated` (Ping has no expiry status) and does not complete.
#[tokio::test]
async fn an_expired_token_reads_invalidated_and_does_not_complete() {
    let server = Server::start().await;
    let device = TestDevice::new(1);
    let (id, secret) = server.new_user_token("alice", &device).await;
    assert_eq!(token_status(&server, "alice", &id).await.status, RegistrationTokenStatus::NotClaimed);
    server.clock.advance(Duration::minutes(11));
    assert_eq!(token_status(&server, "alice", &id).await.status, RegistrationTokenStatus::Invalidated);
    device.complete(&server, &id, &secret, TrustLevel::Primary, None).await.token_refused();
    assert_eq!(token_status(&server, "alice", &id).await.status, RegistrationTokenStatus::Invalidated);
}

/// [D-RT] invalidated: "because the user started a new registration for the same application,
/// with a new registration token".
#[tokio::test]
async fn a_new_registration_invalidates_the_users_unclaimed_token() {
    let server = Server::start().await;
    let (first_device, second_device) = (TestDevice::new(1), TestDevice::new(2));
    let (first, first_secret) = server.new_user_token("alice", &first_device).await;
    let reply = server.registration_token("alice", json!({"payload": second_device.payload(&server.clock)})).await;
    let (_, second, second_secret, _) = server.open_token(&reply).await;
    assert_eq!(token_status(&server, "alice", &first).await.status, RegistrationTokenStatus::Invalidated);
    first_device.complete(&server, &first, &first_secret, TrustLevel::Primary, None).await.token_refused();
    second_device.complete(&server, &second, &second_secret, TrustLevel::Primary, None).await.expect(StatusCode::OK);
    assert_eq!(token_status(&server, "alice", &second).await.status, RegistrationTokenStatus::Active);
}

/// [D-RT] "If the user is not active, the customer server application should create the
/// RegistrationToken"; [S-HELP] createRegistrationTokenForNonActiveUser refuses active users. An
/// ACTIVE user's new device gets DEVICE_MUST_BE_TRUSTED — also right after an approved
/// authentication of that device (no 20-minute waiver) — and a token only with ignoreValidation.
#[tokio::test]
async fn an_active_users_new_device_gets_a_token_only_with_ignore_validation() {
    let server = Server::start().await;
    let primary = TestDevice::new(1);
    let paired = server.user_with_primary("alice", &primary).await;
    let laptop = TestDevice::new(2);
    let payload = laptop.payload(&server.clock);
    let refused = server.registration_token("alice", json!({"payload": payload})).await;
    assert!(refused.refused(DetailCode::DeviceMustBeTrusted).details.iter().all(|d| d.target.is_none()));

    // The primary is offline: the laptop's login waits for the primary's offline passcode.
    let auth = server.start_authentication("alice", &payload, json!({})).await.expect(StatusCode::CREATED).value();
    assert_eq!(auth["status"], "OTP", "{auth}");
    let code = totp_now(paired.otp_secret.as_deref().expect("a TOTP secret"), &server.clock);
    let approved = server.otp("alice", auth["id"].as_str().expect("an id"), &code).await.expect(StatusCode::OK).value();
    assert_eq!(approved["status"], "APPROVED", "{approved}");
    server.registration_token("alice", json!({"payload": payload})).await.refused(DetailCode::DeviceMustBeTrusted);

    let reply = server.registration_token("alice", json!({"payload": payload, "ignoreValidation": true})).await;
    let (_, id, secret, levels) = server.open_token(&reply).await;
    assert_eq!(levels, vec![TrustLevel::Trusted, TrustLevel::Ignore], "no PRIMARY once there is one");
    let not_offered = laptop.complete(&server, &id, &secret, TrustLevel::Primary, None).await;
    not_offered.expect(StatusCode::BAD_REQUEST);
    let user: User = server.api(Method::GET, &server.user_path("alice", "?expand=devices"), None).await.json();
    assert_eq!(user.devices.map(|d| d.len()), Some(1), "a refused completion pairs nothing");
    let done: PairingCompleted =
        laptop.complete(&server, &id, &secret, TrustLevel::Trusted, None).await.expect(StatusCode::OK).json();
    assert_eq!(done.device_role, Some(DeviceRole::Trusted));
}

#[tokio::test]
async fn ignore_validation_lets_an_active_user_pair_without_approval() {
    let server = Server::start().await;
    server.user_with_primary("alice", &TestDevice::new(1)).await;
    let laptop = TestDevice::new(2);
    let done = server.pair("alice", &laptop, TrustLevel::Trusted, json!({"ignoreValidation": true})).await;
    assert_eq!(done.outcome, PairingOutcome::Success);
}

#[tokio::test]
async fn ignoring_a_device_lasts_its_interval_and_then_it_may_pair() {
    let server = Server::start().await;
    let device = TestDevice::new(1);
    let (id, secret) = server.new_user_token("alice", &device).await;
    let ignored: PairingCompleted = device
        .complete(&server, &id, &secret, TrustLevel::Ignore, Some(json!({"value": 2, "unit": "DAYS"})))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(ignored.outcome, PairingOutcome::Ignored);
    let until = (server.clock.now() + Duration::days(2)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    assert_eq!(ignored.ignored_until.as_deref(), Some(until.as_str()));

    let refused = server.registration_token("alice", json!({"payload": device.payload(&server.clock)})).await;
    let body = refused.refused(DetailCode::DeviceIgnored);
    assert!(body.message.contains(&until), "the message says until when: {}", body.message);

    server.clock.advance(Duration::days(2) + Duration::seconds(1));
    let again = server.pair("alice", &device, TrustLevel::Primary, json!({})).await;
    assert_eq!(again.outcome, PairingOutcome::Success);
}

#[tokio::test]
async fn ignoring_always_never_ends_and_ignore_needs_an_interval() {
    let server = Server::start().await;
    let device = TestDevice::new(1);
    let (id, secret) = server.new_user_token("alice", &device).await;
    let missing = device.complete(&server, &id, &secret, TrustLevel::Ignore, None).await;
    missing.error(StatusCode::BAD_REQUEST, ErrorCode::InvalidData);
    let ignored: PairingCompleted = device
        .complete(&server, &id, &secret, TrustLevel::Ignore, Some(json!({"value": 0, "unit": "ALWAYS"})))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(ignored.ignored_until, None, "forever has no end");
    server.clock.advance(Duration::days(3650));
    let body = server
        .registration_token("alice", json!({"payload": device.payload(&server.clock)}))
        .await
        .refused(DetailCode::DeviceIgnored);
    assert!(body.message.contains("permanently"), "{}", body.message);
}

#[tokio::test]
async fn an_unpaired_device_pairs_again_as_a_re_pair() {
    let server = Server::start().await;
    let device = TestDevice::new(1);
    server.user_with_primary("alice", &device).await;
    device.call(&server, Method::DELETE, "/me", None).await.expect(StatusCode::NO_CONTENT);
    let user: User = server.api(Method::GET, &server.user_path("alice", ""), None).await.json();
    assert_eq!(user.status, UserStatus::NotActive, "no devices left");
    let again = server.pair("alice", &device, TrustLevel::Primary, json!({})).await;
    assert_eq!(again.outcome, PairingOutcome::RePairSuccess);
}

#[tokio::test]
async fn a_paired_rooted_stale_or_replayed_payload_gets_no_token() {
    let server = Server::start().await;
    let device = TestDevice::new(1);
    server.user_with_primary("alice", &device).await;
    let paired = server.registration_token("alice", json!({"payload": device.payload(&server.clock)})).await;
    paired.refused_on(ErrorCode::RequestFailed, DetailCode::ResourceAlreadyExists, "payload");

    server.create_user("bob").await.expect(StatusCode::CREATED);
    let other = TestDevice::new(2);
    let bad_payload =
        |reply: common::Reply| reply.refused_on(ErrorCode::InvalidData, DetailCode::InvalidValue, "payload");
    let rooted = other.payload_with(&server.clock, |c| c.rooted = true);
    let reply = server.registration_token("bob", json!({"payload": rooted})).await;
    let body = reply.refused_on(ErrorCode::RequestFailed, DetailCode::InvalidValue, "payload");
    assert!(body.message.contains("rooted"), "the message says rooted: {}", body.message);
    let stale = other.payload_with(&server.clock, |c| c.issued_at -= 301);
    bad_payload(server.registration_token("bob", json!({"payload": stale})).await);
    bad_payload(server.registration_token("bob", json!({"payload": "garbage.payload"})).await);
    let missing = server.registration_token("bob", json!({})).await;
    missing.refused_on(ErrorCode::InvalidData, DetailCode::RequiredValue, "payload");

    let payload = other.payload(&server.clock);
    server.registration_token("bob", json!({"payload": payload})).await.expect(StatusCode::CREATED);
    server.create_user("carol").await.expect(StatusCode::CREATED);
    bad_payload(server.registration_token("carol", json!({"payload": payload})).await);
}

#[tokio::test]
async fn the_device_limit_is_enforced() {
    let server = Server::start().await;
    server.settings(json!({"maxDevicesPerUser": 1})).await;
    server.user_with_primary("alice", &TestDevice::new(1)).await;
    let second = TestDevice::new(2);
    let reply = server
        .registration_token("alice", json!({"payload": second.payload(&server.clock), "ignoreValidation": true}))
        .await;
    let body = reply.refused_on(ErrorCode::RequestFailed, DetailCode::SizeLimitExceeded, "devices");
    assert!(body.message.contains("(1)"), "says the limit: {}", body.message);
}

/// A bad device signature is 401 `UNAUTHORIZED_REQ` with no detail ([S-MODEL] ErrorCode.java).
#[tokio::test]
async fn a_bad_device_signature_is_401_unauthorized() {
    let server = Server::start().await;
    let device = TestDevice::new(1);
    server.user_with_primary("alice", &device).await;
    let unsigned = server.raw(Method::GET, "/pingid/v1/device/me", &[], Vec::new()).await;
    let body = unsigned.error(StatusCode::UNAUTHORIZED, ErrorCode::UnauthorizedReq);
    assert!(body.details.is_empty(), "{body:?}");

    let header = device.sign(&server, &Method::GET, "/pingid/v1/device/me", b"");
    let headers = [("x-pingid-device-signature", header)];
    server.raw(Method::GET, "/pingid/v1/device/me", &headers, Vec::new()).await.expect(StatusCode::OK);
    let replay = server.raw(Method::GET, "/pingid/v1/device/me", &headers, Vec::new()).await;
    assert!(replay.error(StatusCode::UNAUTHORIZED, ErrorCode::UnauthorizedReq).message.contains("replay"));

    let stale = device.sign(&server, &Method::GET, "/pingid/v1/device/me", b"");
    server.clock.advance(Duration::minutes(6));
    let reply =
        server.raw(Method::GET, "/pingid/v1/device/me", &[("x-pingid-device-signature", stale)], Vec::new()).await;
    reply.error(StatusCode::UNAUTHORIZED, ErrorCode::UnauthorizedReq);

    let stranger = TestDevice::new(3);
    stranger.call(&server, Method::GET, "/me", None).await.error(StatusCode::UNAUTHORIZED, ErrorCode::UnauthorizedReq);

    let absurd =
        format!("PINGID-DEVICE fp={},ts=-9223372036854775808,nonce={},sig=AAAA", device.fingerprint(), "ab".repeat(16));
    let reply =
        server.raw(Method::GET, "/pingid/v1/device/me", &[("x-pingid-device-signature", absurd)], Vec::new()).await;
    reply.error(StatusCode::UNAUTHORIZED, ErrorCode::UnauthorizedReq);
}

#[tokio::test]
async fn the_device_sees_itself_and_the_users_devices() {
    let server = Server::start().await;
    let device = TestDevice::new(1);
    let paired = server.user_with_primary("alice", &device).await;
    let me: moderno_wire::device_api::DeviceState =
        device.call(&server, Method::GET, "/me", None).await.expect(StatusCode::OK).json();
    assert_eq!(me.username, "alice");
    assert_eq!(Some(me.device.id.clone()), paired.device_id);
    assert_eq!(me.user_devices.len(), 1);
    let long_wait = device.call(&server, Method::GET, "/pushes?waitSeconds=26", None).await;
    long_wait.refused_on(ErrorCode::InvalidData, DetailCode::OutOfRange, "waitSeconds");
    let odd_wait = device.call(&server, Method::GET, "/pushes?waitSeconds=soon", None).await;
    odd_wait.refused_on(ErrorCode::InvalidData, DetailCode::InvalidValue, "waitSeconds");
}
