//! Number matching on pushes (beyond Ping: the PingID SDK has none, so it is an application
//! setting, off by default, turned on here): the waiting authentication shows `matchNumber`, the approving device
//! is offered three numbers and approves with the one shown; a missing number is refused and
//! changes nothing, a wrong one rejects the push. Approving marks the device used (`lastUsed`).

mod common;

use chrono::{DateTime, Duration};
use common::{Server, TestDevice};
use moderno_wire::device_api::{PushAnswer, PushRequest};
use moderno_wire::payload::TrustLevel;
use moderno_wire::sdk::{
    Authentication, AuthenticationLevel, AuthenticationReason, AuthenticationStatus, DetailCode, Device, ErrorCode,
    User,
};
use reqwest::{Method, StatusCode};
use serde_json::json;

/// alice's online primary, and the push a new laptop's login sent it: (primary, the waiting
/// authentication, the push).
async fn push_to_alices_primary(server: &Server) -> (TestDevice, Authentication, PushRequest) {
    server.settings(json!({"numberMatching": true})).await;
    push_with_settings_as_they_are(server).await
}

async fn push_with_settings_as_they_are(server: &Server) -> (TestDevice, Authentication, PushRequest) {
    let primary = TestDevice::new(1);
    server.user_with_primary("alice", &primary).await;
    primary.poll(server).await;
    let laptop = TestDevice::new(2);
    let started = server.start_authentication("alice", &laptop.payload(&server.clock), json!({})).await;
    let auth: Authentication = started.expect(StatusCode::CREATED).json();
    assert_eq!(auth.status, AuthenticationStatus::InProgress, "{auth:?}");
    let mut pushes = primary.poll(server).await;
    assert_eq!(pushes.len(), 1, "{pushes:?}");
    (primary, auth, pushes.remove(0))
}

async fn read(server: &Server, id: &str) -> Authentication {
    server.authentication("alice", id).await.expect(StatusCode::OK).json()
}

async fn alices_devices(server: &Server) -> Vec<Device> {
    let user: User = server
        .api(Method::GET, &server.user_path("alice", "?expand=devices"), None)
        .await
        .expect(StatusCode::OK)
        .json();
    user.devices.expect("expand=devices lists the devices")
}

#[tokio::test]
async fn a_push_offers_three_distinct_numbers_one_of_them_the_number_the_login_shows() {
    let server = Server::start().await;
    let (_, auth, push) = push_to_alices_primary(&server).await;
    let shown = auth.match_number.expect("an IN_PROGRESS push shows a number");
    assert!((10..=99).contains(&shown), "two digits: {shown}");

    let choices = &push.number_choices;
    assert_eq!(choices.len(), 3, "{choices:?}");
    assert!(choices[0] != choices[1] && choices[1] != choices[2] && choices[0] != choices[2], "distinct: {choices:?}");
    assert!(choices.iter().all(|n| (10..=99).contains(n)), "{choices:?}");
    assert!(choices.contains(&shown), "the shown number is on offer: {shown} in {choices:?}");
    assert_eq!(
        read(&server, &auth.id).await.match_number,
        Some(shown),
        "reading the authentication shows the same number"
    );
}

#[tokio::test]
async fn an_approval_without_the_number_is_refused_and_changes_nothing_then_the_right_number_approves() {
    let server = Server::start().await;
    let (primary, auth, _) = push_to_alices_primary(&server).await;

    let error = primary.answer(&server, &auth.id, PushAnswer::approve(None)).await.refused(DetailCode::InvalidValue);
    assert_eq!(error.code, ErrorCode::InvalidData, "{error:?}");
    assert_eq!(error.target.as_deref(), Some("number"), "{error:?}");
    assert_eq!(error.details[0].target.as_deref(), Some("number"), "{error:?}");

    let still = read(&server, &auth.id).await;
    assert_eq!((still.status, still.reason), (AuthenticationStatus::InProgress, None), "nothing changed: {still:?}");
    assert_eq!(still.match_number, auth.match_number, "the same number is still shown");
    assert_eq!(primary.poll(&server).await.len(), 1, "the push still waits on the primary");

    let approved: Authentication =
        primary.answer(&server, &auth.id, PushAnswer::approve(still.match_number)).await.expect(StatusCode::OK).json();
    assert_eq!((approved.status, approved.level), (AuthenticationStatus::Approved, AuthenticationLevel::Push));
    assert_eq!(approved.match_number, None, "no number once the push is answered");
}

#[tokio::test]
async fn a_wrong_number_rejects_the_push_with_wrong_number_and_a_second_answer_is_refused() {
    let server = Server::start().await;
    let (primary, auth, push) = push_to_alices_primary(&server).await;
    let wrong =
        push.number_choices.iter().copied().find(|n| Some(*n) != auth.match_number).expect("another number on offer");

    let rejected: Authentication =
        primary.answer(&server, &auth.id, PushAnswer::approve(Some(wrong))).await.expect(StatusCode::OK).json();
    assert_eq!(
        (rejected.status, rejected.reason),
        (AuthenticationStatus::Rejected, Some(AuthenticationReason::WrongNumber))
    );
    assert_eq!((rejected.level, rejected.match_number), (AuthenticationLevel::None, None));
    let raw = server.authentication("alice", &auth.id).await.value();
    assert_eq!(raw["reason"], "WRONG_NUMBER", "{raw}");

    let again = primary.answer(&server, &auth.id, PushAnswer::approve(auth.match_number)).await;
    again.refused_on(ErrorCode::RequestFailed, DetailCode::InvalidValue, "status");
    let after = read(&server, &auth.id).await;
    assert_eq!(
        (after.status, after.reason),
        (AuthenticationStatus::Rejected, Some(AuthenticationReason::WrongNumber)),
        "the right number comes too late"
    );
    assert!(primary.poll(&server).await.is_empty(), "an answered push leaves the queue");
    let user: User = server.api(Method::GET, &server.user_path("alice", ""), None).await.json();
    assert!(user.last_login.is_none(), "a wrong number logs nobody in");
    assert!(
        alices_devices(&server).await.iter().all(|d| d.last_used.is_none()),
        "a wrong pick is no use of the device"
    );
}

#[tokio::test]
async fn with_number_matching_off_a_push_has_no_number_and_a_bare_approve_approves() {
    let server = Server::start().await;
    server.settings(json!({"numberMatching": false})).await;
    let settings = server.api(Method::GET, &server.app_path("/settings"), None).await.expect(StatusCode::OK).value();
    assert_eq!(settings["numberMatching"], false, "{settings}");

    let (primary, auth, push) = push_with_settings_as_they_are(&server).await;
    assert_eq!(auth.match_number, None, "{auth:?}");
    assert!(push.number_choices.is_empty(), "{push:?}");
    let raw = server.authentication("alice", &auth.id).await.value();
    assert!(raw.get("matchNumber").is_none(), "{raw}");

    let approved: Authentication =
        primary.answer(&server, &auth.id, PushAnswer::approve(None)).await.expect(StatusCode::OK).json();
    assert_eq!(approved.status, AuthenticationStatus::Approved, "{approved:?}");
}

#[tokio::test]
async fn approving_a_push_marks_the_approving_device_used_and_a_device_never_used_shows_no_last_use() {
    let server = Server::start().await;
    let primary = TestDevice::new(1);
    let primary_id = server.user_with_primary("alice", &primary).await.device_id.expect("an id");
    let spare = server.pair("alice", &TestDevice::new(3), TrustLevel::Trusted, json!({"ignoreValidation": true})).await;
    let spare_id = spare.device_id.expect("an id");
    assert!(alices_devices(&server).await.iter().all(|d| d.last_used.is_none()), "pairing is no use yet");

    server.clock.advance(Duration::seconds(5));
    primary.poll(&server).await;
    let laptop = TestDevice::new(2);
    let started = server.start_authentication("alice", &laptop.payload(&server.clock), json!({})).await;
    let auth: Authentication = started.expect(StatusCode::CREATED).json();
    assert_eq!(auth.device_id.as_deref(), Some(primary_id.as_str()), "the push goes to the primary");
    primary.answer(&server, &auth.id, PushAnswer::approve(auth.match_number)).await.expect(StatusCode::OK);

    let devices = alices_devices(&server).await;
    let last_used = |id: &str| devices.iter().find(|d| d.id == id).and_then(|d| d.last_used.clone());
    let used = last_used(&primary_id).expect("the approving device shows its last use");
    assert_eq!(DateTime::parse_from_rfc3339(&used).expect("RFC 3339"), server.clock.now(), "{used}");
    assert_eq!(last_used(&spare_id), None, "a device never used shows no last use");
    let raw = server.api(Method::GET, &server.user_path("alice", "?expand=devices"), None).await.value();
    let spare_raw =
        raw["devices"].as_array().and_then(|d| d.iter().find(|d| d["id"] == spare_id.as_str())).expect("the spare");
    assert!(spare_raw.get("lastUsed").is_none(), "absent, not null: {spare_raw}");
}
