//! Authentications: payload approval, pushes, offline OTP, device selection, cancel, disabled app.

mod common;

use chrono::Duration;
use common::{totp_now, Server, TestDevice};
use moderno_wire::device_api::PushAnswer;
use moderno_wire::payload::TrustLevel;
use moderno_wire::sdk::{
    Authentication, AuthenticationLevel, AuthenticationReason, AuthenticationStatus, DetailCode, ErrorCode, User,
};
use reqwest::{Method, StatusCode};
use serde_json::json;

/// alice with a primary desktop; returns it and its OTP secret.
async fn alice(server: &Server) -> (TestDevice, String, String) {
    let primary = TestDevice::new(1);
    let paired = server.user_with_primary("alice", &primary).await;
    (primary, paired.device_id.expect("a device id"), paired.otp_secret.expect("an OTP secret"))
}

async fn start(server: &Server, device: &TestDevice) -> Authentication {
    let reply = server.start_authentication("alice", &device.payload(&server.clock), json!({})).await;
    reply.expect(StatusCode::CREATED).json()
}

#[tokio::test]
async fn a_paired_device_is_approved_by_its_payload_once() {
    let server = Server::start().await;
    let (primary, device_id, _) = alice(&server).await;
    let payload = primary.payload(&server.clock);
    let auth: Authentication =
        server.start_authentication("alice", &payload, json!({})).await.expect(StatusCode::CREATED).json();
    assert_eq!(auth.status, AuthenticationStatus::Approved);
    assert_eq!(auth.level, AuthenticationLevel::MobilePayload);
    assert_eq!(auth.device_id.as_deref(), Some(device_id.as_str()));
    server.start_authentication("alice", &payload, json!({})).await.refused_on(
        ErrorCode::InvalidData,
        DetailCode::InvalidValue,
        "payload",
    );
    let user: User = server.api(Method::GET, &server.user_path("alice", ""), None).await.json();
    assert!(user.last_login.is_some(), "an approval records the login");
}

#[tokio::test]
async fn an_online_primary_gets_a_push_and_approving_it_approves_the_login() {
    let server = Server::start().await;
    let (primary, device_id, _) = alice(&server).await;
    primary.poll(&server).await;
    let laptop = TestDevice::new(2);
    let auth = start(&server, &laptop).await;
    assert_eq!(auth.status, AuthenticationStatus::InProgress);
    assert_eq!(auth.device_id.as_deref(), Some(device_id.as_str()));

    let pushes = primary.poll(&server).await;
    assert_eq!(pushes.len(), 1);
    assert_eq!(pushes[0].authentication_id, auth.id);
    assert_eq!(pushes[0].requesting_device.as_ref().map(|d| d.device_name.as_str()), Some(laptop.name.as_str()));

    let answered: Authentication =
        primary.answer(&server, &auth.id, PushAnswer::approve(auth.match_number)).await.expect(StatusCode::OK).json();
    assert_eq!(answered.status, AuthenticationStatus::Approved);
    let read: Authentication = server.authentication("alice", &auth.id).await.expect(StatusCode::OK).json();
    assert_eq!(read.status, AuthenticationStatus::Approved);
    assert_eq!(read.level, AuthenticationLevel::Push);
    assert!(primary.poll(&server).await.is_empty(), "an answered push leaves the queue");
    primary.answer(&server, &auth.id, PushAnswer::deny()).await.refused_on(
        ErrorCode::RequestFailed,
        DetailCode::InvalidValue,
        "status",
    );
}

#[tokio::test]
async fn a_long_poll_wakes_when_a_push_is_queued() {
    let server = std::sync::Arc::new(Server::start().await);
    let (primary, _, _) = alice(&server).await;
    primary.poll(&server).await;
    let waiting = {
        let server = server.clone();
        tokio::spawn(async move {
            let begun = std::time::Instant::now();
            let reply = primary.call(&server, Method::GET, "/pushes?waitSeconds=20", None).await;
            (reply.expect(StatusCode::OK).json::<Vec<moderno_wire::device_api::PushRequest>>(), begun.elapsed())
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let auth = start(&server, &TestDevice::new(2)).await;
    let (pushes, waited) = waiting.await.expect("the poller finishes");
    assert_eq!(pushes.len(), 1, "the queued push is delivered");
    assert_eq!(pushes[0].authentication_id, auth.id);
    assert!(waited < std::time::Duration::from_secs(10), "woken early, not at the deadline: {waited:?}");
}

#[tokio::test]
async fn denying_rejects_and_blocking_blocks_the_requesting_device() {
    let server = Server::start().await;
    let (primary, _, _) = alice(&server).await;
    primary.poll(&server).await;
    let laptop = TestDevice::new(2);
    let denied = start(&server, &laptop).await;
    let answer: Authentication =
        primary.answer(&server, &denied.id, PushAnswer::deny()).await.expect(StatusCode::OK).json();
    assert_eq!(
        (answer.status, answer.reason),
        (AuthenticationStatus::Rejected, Some(AuthenticationReason::DeniedByUser))
    );

    let blocked = start(&server, &laptop).await;
    let answer: Authentication =
        primary.answer(&server, &blocked.id, PushAnswer::block()).await.expect(StatusCode::OK).json();
    assert_eq!(answer.reason, Some(AuthenticationReason::BlockedByUser));
    let next = start(&server, &laptop).await;
    assert_eq!((next.status, next.reason), (AuthenticationStatus::Rejected, Some(AuthenticationReason::DeviceBlocked)));
    server
        .registration_token("alice", json!({"payload": laptop.payload(&server.clock), "ignoreValidation": true}))
        .await
        .refused(DetailCode::DeviceBlocked);
}

#[tokio::test]
async fn an_unanswered_push_times_out_and_then_accepts_an_otp() {
    let server = Server::start().await;
    let (primary, _, secret) = alice(&server).await;
    primary.poll(&server).await;
    let auth = start(&server, &TestDevice::new(2)).await;
    server.clock.advance(Duration::seconds(41));
    let read: Authentication = server.authentication("alice", &auth.id).await.json();
    assert_eq!(read.status, AuthenticationStatus::Timeout);
    primary.answer(&server, &auth.id, PushAnswer::approve(auth.match_number)).await.refused_on(
        ErrorCode::RequestFailed,
        DetailCode::InvalidValue,
        "status",
    );
    let approved: Authentication =
        server.otp("alice", &auth.id, &totp_now(&secret, &server.clock)).await.expect(StatusCode::OK).json();
    assert_eq!(approved.status, AuthenticationStatus::Approved);
    assert_eq!(approved.level, AuthenticationLevel::Otp);
}

#[tokio::test]
async fn an_offline_primary_means_otp_and_the_right_code_approves() {
    let server = Server::start().await;
    let (_, _, secret) = alice(&server).await;
    let auth = start(&server, &TestDevice::new(2)).await;
    assert_eq!(auth.status, AuthenticationStatus::Otp, "never polled: offline");
    let approved: Authentication =
        server.otp("alice", &auth.id, &totp_now(&secret, &server.clock)).await.expect(StatusCode::OK).json();
    assert_eq!((approved.status, approved.level), (AuthenticationStatus::Approved, AuthenticationLevel::Otp));
    server.otp("alice", &auth.id, "123456").await.refused_on(
        ErrorCode::RequestFailed,
        DetailCode::InvalidValue,
        "status",
    );
}

#[tokio::test]
async fn a_device_seen_over_a_minute_ago_is_offline() {
    let server = Server::start().await;
    let (primary, _, _) = alice(&server).await;
    primary.poll(&server).await;
    server.clock.advance(Duration::seconds(61));
    assert_eq!(start(&server, &TestDevice::new(2)).await.status, AuthenticationStatus::Otp);
}

fn wrong_code(right: &str) -> String {
    if right == "000000" {
        "111111".into()
    } else {
        "000000".into()
    }
}

/// Ping: LOCKED — "the user is locked for a period of time, since they tried to authenticate
/// offline and entered a wrong OTP" ([D-AUTH]); retries and lock time per application ([RN-2019]).
#[tokio::test]
async fn three_wrong_otps_lock_the_user_and_a_locked_authentication_stays_locked() {
    let server = Server::start().await;
    let (_, _, secret) = alice(&server).await;
    let auth = start(&server, &TestDevice::new(2)).await;
    let right = totp_now(&secret, &server.clock);
    let wrong = wrong_code(&right);
    let first: Authentication = server.otp("alice", &auth.id, &wrong).await.expect(StatusCode::OK).json();
    assert_eq!((first.status, first.otp_attempts_left), (AuthenticationStatus::InvalidOtp, Some(2)));
    let second: Authentication = server.otp("alice", &auth.id, &wrong).await.json();
    assert_eq!(second.otp_attempts_left, Some(1));
    let third: Authentication = server.otp("alice", &auth.id, &wrong).await.json();
    assert_eq!((third.status, third.otp_attempts_left), (AuthenticationStatus::Locked, Some(0)));
    let fourth: Authentication = server.otp("alice", &auth.id, &right).await.expect(StatusCode::OK).json();
    assert_eq!(fourth.status, AuthenticationStatus::Locked, "even the right code is refused now");

    let another = start(&server, &TestDevice::new(3)).await;
    let blocked: Authentication = server.otp("alice", &another.id, &right).await.json();
    assert_eq!(blocked.status, AuthenticationStatus::Locked, "the user stays locked for 15 minutes");
    server.clock.advance(Duration::minutes(16));
    let later = start(&server, &TestDevice::new(4)).await;
    let fresh = totp_now(&secret, &server.clock);
    let ok: Authentication = server.otp("alice", &later.id, &fresh).await.json();
    assert_eq!(ok.status, AuthenticationStatus::Approved);
}

#[tokio::test]
async fn an_otp_is_never_accepted_twice() {
    let server = Server::start().await;
    let (_, _, secret) = alice(&server).await;
    let code = totp_now(&secret, &server.clock);
    let first = start(&server, &TestDevice::new(2)).await;
    let ok: Authentication = server.otp("alice", &first.id, &code).await.json();
    assert_eq!(ok.status, AuthenticationStatus::Approved);
    let second = start(&server, &TestDevice::new(3)).await;
    let reused: Authentication = server.otp("alice", &second.id, &code).await.json();
    assert_eq!(reused.status, AuthenticationStatus::InvalidOtp);
}

#[tokio::test]
async fn an_otp_that_is_not_six_digits_is_invalid_data_and_costs_no_attempt() {
    let server = Server::start().await;
    alice(&server).await;
    let auth = start(&server, &TestDevice::new(2)).await;
    let body = server.otp("alice", &auth.id, "12ab56").await.refused(DetailCode::InvalidValue);
    assert_eq!(body.target.as_deref(), Some("otp"));
    let read: Authentication = server.authentication("alice", &auth.id).await.json();
    assert_eq!(read.status, AuthenticationStatus::Otp);
}

#[tokio::test]
async fn several_trusted_devices_without_a_primary_ask_to_select_one() {
    let server = Server::start().await;
    server.create_user("alice").await.expect(StatusCode::CREATED);
    let (one, two) = (TestDevice::new(1), TestDevice::new(2));
    let first = server.pair("alice", &one, TrustLevel::Trusted, json!({})).await;
    let second = server.pair("alice", &two, TrustLevel::Trusted, json!({"ignoreValidation": true})).await;
    let laptop = TestDevice::new(3);
    let payload = laptop.payload(&server.clock);
    let select: Authentication =
        server.start_authentication("alice", &payload, json!({})).await.expect(StatusCode::CREATED).json();
    assert_eq!(select.status, AuthenticationStatus::SelectDevice);
    let offered: Vec<String> = select.devices.expect("devices to choose from").into_iter().map(|d| d.id).collect();
    assert_eq!(offered.len(), 2);
    assert!(
        offered.contains(first.device_id.as_ref().unwrap()) && offered.contains(second.device_id.as_ref().unwrap())
    );

    two.poll(&server).await;
    let chosen: Authentication = server
        .start_authentication("alice", &payload, json!({"deviceId": second.device_id}))
        .await
        .expect(StatusCode::CREATED)
        .json();
    assert_eq!(chosen.status, AuthenticationStatus::InProgress);
    assert_eq!(chosen.device_id, second.device_id);
    server
        .start_authentication("alice", &payload, json!({"deviceId": "not-a-device"}))
        .await
        .refused(DetailCode::InvalidValue);

    let otp_any: Authentication =
        server.otp("alice", &select.id, &totp_now(first.otp_secret.as_ref().unwrap(), &server.clock)).await.json();
    assert_eq!(otp_any.status, AuthenticationStatus::Approved, "after SELECT_DEVICE any device's OTP counts");
}

#[tokio::test]
async fn prompt_to_select_asks_even_with_a_primary() {
    let server = Server::start().await;
    let (_, _, _) = alice(&server).await;
    server.pair("alice", &TestDevice::new(2), TrustLevel::Trusted, json!({"ignoreValidation": true})).await;
    server.settings(json!({"deviceSelection": "PROMPT_USER_TO_SELECT"})).await;
    assert_eq!(start(&server, &TestDevice::new(3)).await.status, AuthenticationStatus::SelectDevice);
}

#[tokio::test]
async fn canceling_ends_a_waiting_authentication_and_not_a_finished_one() {
    let server = Server::start().await;
    let (primary, _, _) = alice(&server).await;
    let auth = start(&server, &TestDevice::new(2)).await;
    let path = server.user_path("alice", &format!("/authentications/{}", auth.id));
    // [S-API] `delete()` demands 204 No Content.
    let deleted = server.api(Method::DELETE, &path, None).await;
    assert!(deleted.expect(StatusCode::NO_CONTENT).text().is_empty(), "no body with 204");
    let canceled: Authentication = server.api(Method::GET, &path, None).await.expect(StatusCode::OK).json();
    assert_eq!(
        (canceled.status, canceled.reason),
        (AuthenticationStatus::Canceled, Some(AuthenticationReason::CanceledByUser))
    );
    server.api(Method::DELETE, &path, None).await.refused_on(
        ErrorCode::RequestFailed,
        DetailCode::InvalidValue,
        "status",
    );
    let approved = start(&server, &primary).await;
    let path = server.user_path("alice", &format!("/authentications/{}", approved.id));
    server.api(Method::DELETE, &path, None).await.refused_on(
        ErrorCode::RequestFailed,
        DetailCode::InvalidValue,
        "status",
    );
}

#[tokio::test]
async fn an_authentication_reads_for_thirty_minutes_then_is_gone() {
    let server = Server::start().await;
    alice(&server).await;
    let auth = start(&server, &TestDevice::new(2)).await;
    server.clock.advance(Duration::minutes(29));
    server.authentication("alice", &auth.id).await.expect(StatusCode::OK);
    server.clock.advance(Duration::minutes(2));
    let gone = server.authentication("alice", &auth.id).await;
    assert_eq!(
        gone.error(StatusCode::NOT_FOUND, moderno_wire::sdk::ErrorCode::NotFound).target.as_deref(),
        Some("authentication")
    );
}

#[tokio::test]
async fn ignored_rooted_bypassed_and_deviceless_users_are_answered_without_mfa() {
    let server = Server::start().await;
    server.create_user("bob").await.expect(StatusCode::CREATED);
    let laptop = TestDevice::new(2);
    server
        .start_authentication("bob", &laptop.payload(&server.clock), json!({}))
        .await
        .refused(DetailCode::InvalidUserStatus);

    alice(&server).await;
    let rooted = laptop.payload_with(&server.clock, |c| c.rooted = true);
    let auth: Authentication =
        server.start_authentication("alice", &rooted, json!({})).await.expect(StatusCode::CREATED).json();
    assert_eq!((auth.status, auth.reason), (AuthenticationStatus::Rejected, Some(AuthenticationReason::DeviceRooted)));

    let reply = server
        .registration_token("alice", json!({"payload": laptop.payload(&server.clock), "ignoreValidation": true}))
        .await;
    let (_, id, secret, _) = server.open_token(&reply).await;
    laptop
        .complete(&server, &id, &secret, TrustLevel::Ignore, Some(json!({"value": 1, "unit": "HOURS"})))
        .await
        .expect(StatusCode::OK);
    assert_eq!(start(&server, &laptop).await.status, AuthenticationStatus::IgnoredDevice);

    let until = (server.clock.now() + Duration::hours(1)).to_rfc3339();
    server
        .api(Method::PUT, &server.user_path("alice", ""), Some(json!({"status": "BYPASS", "bypassExpiration": until})))
        .await
        .expect(StatusCode::OK);
    let bypassed = server.start_authentication("alice", &TestDevice::new(5).payload(&server.clock), json!({})).await;
    // [S-API] `post()` accepts only 201: a bypassed user's authentication is created too.
    assert_eq!(
        bypassed.expect(StatusCode::CREATED).json::<Authentication>().status,
        AuthenticationStatus::BypassedDevice
    );
}

#[tokio::test]
async fn a_disabled_application_refuses_every_route_but_its_settings() {
    let server = Server::start().await;
    alice(&server).await;
    server.settings(json!({"enabled": false})).await;
    server.api(Method::GET, &server.user_path("alice", ""), None).await.refused(DetailCode::ApplicationDisabled);
    server
        .start_authentication("alice", &TestDevice::new(2).payload(&server.clock), json!({}))
        .await
        .refused(DetailCode::ApplicationDisabled);
    server
        .registration_token("alice", json!({"payload": TestDevice::new(3).payload(&server.clock)}))
        .await
        .refused(DetailCode::ApplicationDisabled);
    server
        .api(Method::POST, &server.app_path("/pairingkeys"), Some(json!({"pairingData": "user:alice"})))
        .await
        .refused(DetailCode::ApplicationDisabled);
    server.settings(json!({"enabled": true})).await;
    server.api(Method::GET, &server.user_path("alice", ""), None).await.expect(StatusCode::OK);
}

#[tokio::test]
async fn an_otp_with_another_devices_payload_is_refused() {
    let server = Server::start().await;
    let (_, _, secret) = alice(&server).await;
    let auth = start(&server, &TestDevice::new(2)).await;
    let body = json!({"otp": totp_now(&secret, &server.clock), "payload": TestDevice::new(3).payload(&server.clock)});
    let path = server.user_path("alice", &format!("/authentications/{}/otp", auth.id));
    server.api(Method::PUT, &path, Some(body)).await.refused_on(
        ErrorCode::InvalidData,
        DetailCode::InvalidValue,
        "payload",
    );
}
