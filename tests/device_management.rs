//! Device management from a paired device, over the SDK server's device API: renaming, the
//! primary handing its role over and removing a device, and a trusted device recovering the
//! primary role after signing in again; refusals change nothing.

use chrono::TimeDelta;
use moderno_device::DeviceError;
use moderno_e2e::{TestDevice, TestStack};
use moderno_wire::device_api::{DeviceNoticeKind, DeviceState, ManageDevice, PushAnswer};
use moderno_wire::moderno::{MfaOutcome, Status};
use moderno_wire::payload::TrustLevel;
use moderno_wire::sdk::DeviceRole;

/// A second device of alice, trusted by the laptop (paired TRUSTED behind the scenes).
async fn add_trusted(t: &TestStack, laptop: &TestDevice, profile: &str) -> TestDevice {
    let device = t.device(profile).await;
    let answer = device.login_answered_by("alice", laptop, PushAnswer::trust(None)).await;
    let state = device.read_payload(&answer).await;
    assert!(matches!(state, moderno_device::FlowState::DeviceIsTrusted { role: DeviceRole::Trusted, .. }), "{state:?}");
    device
}

fn id_of(device: &TestDevice) -> String {
    device.device.device_id().expect("paired")
}

fn role_in(state: &DeviceState, id: &str) -> Option<DeviceRole> {
    state.user_devices.iter().find(|d| d.id == id).map(|d| d.device_role)
}

fn refused(result: Result<DeviceState, DeviceError>) -> String {
    let error = result.expect_err("refused");
    error.sdk().map(|e| format!("{} {:?}", e.http_status, e.details)).unwrap_or_else(|| error.code().to_string())
}

#[tokio::test]
async fn the_primary_renames_hands_over_and_removes_and_others_may_only_rename() {
    let t = TestStack::start().await;
    let laptop = t.device("laptop").await;
    laptop.pair_first("alice", TrustLevel::Primary).await;
    let tablet = add_trusted(&t, &laptop, "tablet").await;
    let phone = add_trusted(&t, &laptop, "phone").await;
    let (laptop_id, tablet_id, phone_id) = (id_of(&laptop), id_of(&tablet), id_of(&phone));

    let renamed = ManageDevice { nickname: Some("Alice's phone".into()), make_primary: false };
    let state = tablet.device.manage_device(&phone_id, &renamed).await.expect("any device renames");
    assert_eq!(
        state.user_devices.iter().find(|d| d.id == phone_id).map(|d| d.device_nickname.as_str()),
        Some("Alice's phone")
    );
    let blank = ManageDevice { nickname: Some("  ".into()), make_primary: false };
    assert_eq!(refused(tablet.device.manage_device(&phone_id, &blank).await), "invalid_input");

    let promote = ManageDevice { nickname: None, make_primary: true };
    assert!(
        refused(tablet.device.manage_device(&phone_id, &promote).await).starts_with("400"),
        "a trusted device hands over nothing"
    );
    assert!(refused(tablet.device.remove_device(&phone_id).await).starts_with("400"), "nor removes another device");
    let unchanged = laptop.device.state().await.expect("state");
    assert_eq!(
        (role_in(&unchanged, &laptop_id), unchanged.user_devices.len()),
        (Some(DeviceRole::Primary), 3),
        "refusals changed nothing"
    );

    let handed = laptop.device.manage_device(&tablet_id, &promote).await.expect("the primary hands over");
    assert_eq!(
        (role_in(&handed, &tablet_id), role_in(&handed, &laptop_id)),
        (Some(DeviceRole::Primary), Some(DeviceRole::Trusted))
    );
    let left = tablet.device.remove_device(&laptop_id).await.expect("the new primary removes the laptop");
    assert!(role_in(&left, &laptop_id).is_none() && left.user_devices.len() == 2);
    let notices = phone.device.notices(std::time::Duration::ZERO).await.expect("notices");
    assert!(
        notices.iter().any(|n| n.kind == DeviceNoticeKind::DeviceRemoved),
        "the other devices are told: {notices:?}"
    );
    assert!(laptop.device.state().await.is_err(), "the removed laptop is no longer paired at the server");
    assert_eq!(
        refused(tablet.device.remove_device(&tablet_id).await).split(' ').next(),
        Some("400"),
        "itself: DELETE /device/me"
    );
}

#[tokio::test]
async fn a_trusted_device_recovers_the_primary_role_only_just_after_signing_in_on_it() {
    let t = TestStack::start().await;
    let laptop = t.device("laptop").await;
    laptop.pair_first("alice", TrustLevel::Primary).await;
    let phone = add_trusted(&t, &laptop, "phone").await;
    let (laptop_id, phone_id) = (id_of(&laptop), id_of(&phone));
    let promote = ManageDevice { nickname: None, make_primary: true };

    // The laptop is lost. Long after the phone last signed in, it may not take over.
    t.advance(TimeDelta::minutes(10));
    assert!(refused(phone.device.manage_device(&phone_id, &promote).await).starts_with("400"));
    // It signs in again (its own payload is the second factor), then takes over at once.
    let again = phone.login("alice").await;
    assert_eq!((again.status, again.mfa), (Status::Ok, Some(MfaOutcome::TrustedDevice)));
    let recovered = phone.device.manage_device(&phone_id, &promote).await.expect("recovered");
    assert_eq!(
        (role_in(&recovered, &phone_id), role_in(&recovered, &laptop_id)),
        (Some(DeviceRole::Primary), Some(DeviceRole::Trusted))
    );
    let left = phone.device.remove_device(&laptop_id).await.expect("and removes the lost laptop");
    assert_eq!(left.user_devices.len(), 1);

    let bob = t.device("bobs-laptop").await;
    bob.pair_first("bob", TrustLevel::Primary).await;
    assert!(
        refused(bob.device.remove_device(&phone_id).await).starts_with("404"),
        "another user's devices are not found"
    );
}
