//! Sending money through the commands, as the "Send money" screen does: the signed-in user's
//! transfer waits for the primary device, whose approval dialog reads what it approves (amount
//! and recipient); approved, denied, and approved with the primary's passcode when it is offline.

mod common;

use common::{memory, online_primary, online_primary_on, remote, TestApp};
use serde_json::{json, Value};

/// `user`'s phone, trusted by the laptop (the primary) and signed in on the laptop's stack.
fn trusted_phone_signed_in(laptop: &TestApp, user: &str) -> TestApp {
    let phone = remote("phone", &laptop.server_url(), memory());
    assert_eq!(phone.login(user)["screen"], "WAIT_FOR_PUSH");
    laptop.answer(&laptop.next_push(), "TRUST", json!({})).expect("trusted");
    let signed_in = phone.ok("poll_push", json!({}));
    assert_eq!(
        (signed_in["screen"].clone(), signed_in["role"].clone()),
        (json!("SIGNED_IN"), json!("TRUSTED")),
        "{signed_in}"
    );
    phone
}

fn send(app: &TestApp, amount: &str, recipient: &str) -> Value {
    app.ok("send_transfer", json!({"request": {"amount": amount, "recipient": recipient}}))
}

/// Looks again (as the waiting screen does) until the transfer is no longer waiting.
fn outcome(app: &TestApp) -> Value {
    for _ in 0..15 {
        let view = app.ok("poll_transfer", json!({}));
        if view["screen"] != "WAITING" {
            return view;
        }
    }
    panic!("the transfer was still waiting after 15 looks");
}

#[test]
fn a_transfer_waits_for_the_primary_which_reads_amount_and_recipient_and_approves_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let laptop = online_primary(dir.path(), "alice");
    let phone = trusted_phone_signed_in(&laptop, "alice");

    let waiting = send(&phone, "250", " Bob ");
    assert_eq!(waiting["screen"], "WAITING", "the server holds the transfer while the push waits: {waiting}");
    assert_eq!(waiting["transfer"], json!({"amount": "€250.00", "recipient": "Bob"}), "{waiting}");
    assert_eq!(waiting["approver"]["role"], "PRIMARY", "the phone knows the laptop will be asked: {waiting}");

    let push = laptop.next_push();
    assert_eq!(push["context"], json!({"kind": "TRANSFER", "amount": "€250.00", "recipient": "Bob"}), "{push}");
    assert_eq!(
        (push["trustLevels"].clone(), push["requestingDevice"].clone()),
        (json!([]), json!(null)),
        "no device to decide about: {push}"
    );
    assert_eq!(laptop.answer(&push, "APPROVE", json!({})), Ok(json!({"approved": true})));

    let approved = outcome(&phone);
    assert_eq!(
        (approved["screen"].clone(), approved["mfa"].clone()),
        (json!("APPROVED"), json!("PUSH_APPROVED")),
        "{approved}"
    );
    assert_eq!(approved["approver"]["role"], "PRIMARY", "approved on the laptop: {approved}");
    assert_eq!(approved["transfer"]["amount"], "€250.00");
}

#[test]
fn a_transfer_the_primary_denies_is_not_made() {
    let dir = tempfile::tempdir().expect("tempdir");
    let laptop = online_primary(dir.path(), "bob");
    let phone = trusted_phone_signed_in(&laptop, "bob");

    assert_eq!(send(&phone, "1,250.50", "Carol")["screen"], "WAITING");
    let push = laptop.next_push();
    assert_eq!(push["context"]["amount"], "€1,250.50", "{push}");
    laptop.answer(&push, "DENY", json!({})).expect("denied");

    let denied = outcome(&phone);
    assert_eq!(denied["screen"], "DENIED", "{denied}");
    assert!(denied["description"].as_str().is_some_and(|d| !d.is_empty()), "the server's words: {denied}");
    assert_eq!(phone.error_code("poll_transfer", json!({})), "invalid_input", "nothing waits any more");
}

#[test]
fn a_transfer_is_approved_with_the_passcode_of_an_offline_primary() {
    let dir = tempfile::tempdir().expect("tempdir");
    let laptop = online_primary_on(dir.path(), "carol", true);
    let phone = trusted_phone_signed_in(&laptop, "carol");
    laptop.ok("qa_change", json!({"request": {"change": "SWITCH_FAULT", "name": "approver-offline", "on": true}}));

    let asked = send(&phone, "42.5", "Dave");
    assert_eq!((asked["screen"].clone(), asked["wrong"].clone()), (json!("ENTER_PASSCODE"), json!(false)), "{asked}");
    assert_eq!(
        phone.error_code("transfer_passcode", json!({"request": {"code": "12"}})),
        "invalid_input",
        "six digits"
    );
    let code = laptop.ok("offline_code", json!({}))["code"].clone();
    let approved = phone.ok("transfer_passcode", json!({"request": {"code": code}}));
    assert_eq!(
        (approved["screen"].clone(), approved["mfa"].clone()),
        (json!("APPROVED"), json!("OFFLINE_OTP")),
        "{approved}"
    );
    assert_eq!(approved["transfer"], json!({"amount": "€42.50", "recipient": "Dave"}));
}

#[test]
fn a_transfer_needs_a_sign_in_and_a_real_amount() {
    let dir = tempfile::tempdir().expect("tempdir");
    let laptop = online_primary(dir.path(), "dave");
    assert_eq!(laptop.error_code("poll_transfer", json!({})), "no_transfer");
    assert_eq!(
        laptop.error_code("send_transfer", json!({"request": {"amount": "abc", "recipient": "Bob"}})),
        "invalid_input"
    );
    let fresh = remote("fresh", &laptop.server_url(), memory());
    assert_eq!(
        fresh.error_code("send_transfer", json!({"request": {"amount": "10", "recipient": "Bob"}})),
        "not_signed_in"
    );
}
