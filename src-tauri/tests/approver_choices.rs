//! Ping's network of trusted devices through the commands: the approving window decides about the
//! new device (trust it, make it the primary while the user has none, this sign-in only, ignore it
//! for a while, deny, block), the new device's
//! window learns what it was granted; the offline passcode with or without trusting the device;
//! number matching only once the QA switch turns it on (beyond Ping); a web sign-in's push
//! offers approve or deny only.

mod common;

use common::{embedded, memory, online_primary, online_primary_on, remote, TestApp, PASSWORD};
use serde_json::{json, Value};

/// A new device ("phone") of `user` signing in against `laptop`'s stack: it waits for the push.
fn new_device(laptop: &TestApp, user: &str) -> TestApp {
    let phone = remote("phone", &laptop.server_url(), memory());
    let waiting = phone.login(user);
    assert_eq!(waiting["screen"], "WAIT_FOR_PUSH", "{waiting}");
    phone
}

fn qa(app: &TestApp, change: Value) -> Value {
    app.ok("qa_change", json!({"request": change}))
}

#[test]
fn allowing_one_sign_in_lets_the_new_device_in_once_without_adding_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let laptop = online_primary(dir.path(), "alice");
    let phone = new_device(&laptop, "alice");
    assert_eq!(laptop.answer(&laptop.next_push(), "APPROVE", json!({})), Ok(json!({"approved": true})));

    let result = phone.ok("poll_push", json!({}));
    assert_eq!(result["screen"], "SIGNED_IN", "{result}");
    assert_eq!(result["granted"], json!({"access": "ONE_TIME"}), "{result}");
    assert_eq!((result["role"].clone(), result["mfa"].clone()), (json!(null), json!("PUSH_APPROVED")), "{result}");
    assert_eq!(phone.ok("device_state", json!({}))["paired"], false, "the phone was not added");
    assert_eq!(phone.login("alice")["screen"], "WAIT_FOR_PUSH", "its next sign-in asks the laptop again");
}

#[test]
fn a_user_with_no_primary_can_make_the_new_device_primary_from_the_trusted_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let laptop = embedded("laptop", dir.path(), memory());
    let offer = laptop.login("alice");
    assert_eq!(offer["levels"], json!(["PRIMARY", "TRUSTED", "IGNORE"]), "a first device may be primary: {offer}");
    let trusted = laptop.choose("TRUSTED");
    assert_eq!(trusted["role"], "TRUSTED", "the laptop is trusted, not primary: {trusted}");
    assert_eq!(
        laptop.ok("incoming_pushes", json!({"request": {"waitSeconds": 0}})),
        json!([]),
        "online, nothing waits yet"
    );

    let phone = new_device(&laptop, "alice");
    let push = laptop.next_push();
    assert_eq!(
        push["trustLevels"],
        json!(["PRIMARY", "TRUSTED", "IGNORE"]),
        "no primary yet, so PRIMARY is offered: {push}"
    );
    assert_eq!(laptop.answer(&push, "PRIMARY", json!({})), Ok(json!({"approved": true})));

    let result = phone.ok("poll_push", json!({}));
    assert_eq!(
        (result["screen"].clone(), result["mfa"].clone()),
        (json!("SIGNED_IN"), json!("PUSH_APPROVED")),
        "{result}"
    );
    assert_eq!(
        (result["role"].clone(), result["granted"].clone()),
        (json!("PRIMARY"), json!(null)),
        "paired as the primary: {result}"
    );
    let state = phone.ok("device_state", json!({}));
    assert_eq!((state["paired"].clone(), state["device"]["role"].clone()), (json!(true), json!("PRIMARY")), "{state}");
}

#[test]
fn a_user_with_a_primary_is_not_offered_primary_and_the_server_refuses_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let laptop = online_primary(dir.path(), "bob");
    let phone = new_device(&laptop, "bob");
    let push = laptop.next_push();
    assert_eq!(push["trustLevels"], json!(["TRUSTED", "IGNORE"]), "the laptop is the primary: {push}");
    assert_eq!(
        laptop.answer(&push, "PRIMARY", json!({})).expect_err("refused")["code"],
        "sdk_error",
        "PRIMARY is not offered"
    );
    laptop.answer(&push, "TRUST", json!({})).expect("trusted instead");
    assert_eq!(phone.ok("poll_push", json!({}))["role"], "TRUSTED");
}

#[test]
fn ignoring_the_new_device_lets_it_in_and_then_skips_mfa_on_it_until_the_interval_ends() {
    let dir = tempfile::tempdir().expect("tempdir");
    let laptop = online_primary(dir.path(), "bob");
    let phone = new_device(&laptop, "bob");
    let push = laptop.next_push();
    assert_eq!(
        laptop.answer(&push, "IGNORE", json!({})).expect_err("refused")["code"],
        "invalid_input",
        "IGNORE says for how long"
    );
    let day = json!({"ignoreFor": {"value": 1, "unit": "DAYS"}});
    assert_eq!(laptop.answer(&push, "IGNORE", day), Ok(json!({"approved": true})));

    let result = phone.ok("poll_push", json!({}));
    assert_eq!(result["granted"]["access"], "IGNORED", "{result}");
    assert!(result["granted"]["until"].is_string(), "ignored until a time: {result}");
    assert_eq!(phone.ok("device_state", json!({}))["paired"], false, "an ignored device is not added");
    let next = phone.login("bob");
    assert_eq!(
        (next["screen"].clone(), next["mfa"].clone()),
        (json!("SIGNED_IN"), json!("SKIPPED_IGNORED_DEVICE")),
        "{next}"
    );
}

#[test]
fn ignoring_the_new_device_always_has_no_end() {
    let dir = tempfile::tempdir().expect("tempdir");
    let laptop = online_primary(dir.path(), "carol");
    let phone = new_device(&laptop, "carol");
    let always = json!({"ignoreFor": {"value": 0, "unit": "ALWAYS"}});
    laptop.answer(&laptop.next_push(), "IGNORE", always).expect("ignored");
    assert_eq!(phone.ok("poll_push", json!({}))["granted"], json!({"access": "IGNORED", "until": null}));
}

#[test]
fn blocking_the_new_device_refuses_it_now_and_at_its_next_sign_in() {
    let dir = tempfile::tempdir().expect("tempdir");
    let laptop = online_primary(dir.path(), "dave");
    let phone = new_device(&laptop, "dave");
    laptop.answer(&laptop.next_push(), "BLOCK", json!({})).expect("blocked");

    let refused = phone.ok("poll_push", json!({}));
    assert_eq!((refused["screen"].clone(), refused["status"].clone()), (json!("REFUSED"), json!(1014)), "{refused}");
    assert!(
        refused["description"].as_str().is_some_and(|d| d.contains("blocked")),
        "the words say it was blocked: {refused}"
    );
    let again = phone.login("dave");
    assert_eq!((again["screen"].clone(), again["status"].clone()), (json!("REFUSED"), json!(1014)), "{again}");
    assert!(again["description"].as_str().is_some_and(|d| d.contains("blocked")), "{again}");
}

#[test]
fn number_matching_is_off_until_the_qa_switch_turns_it_on_and_then_a_wrong_pick_refuses() {
    let dir = tempfile::tempdir().expect("tempdir");
    let laptop = online_primary_on(dir.path(), "alice", true);
    assert_eq!(laptop.ok("qa_state", json!({}))["numberMatching"], false, "off by default, as Ping's SDK has none");
    let on = qa(&laptop, json!({"change": "NUMBER_MATCHING", "on": true}));
    assert_eq!(
        (on["numberMatching"].clone(), on["tampered"].clone()),
        (json!(true), json!(false)),
        "a setting, not a fault: {on}"
    );

    let phone = remote("phone", &laptop.server_url(), memory());
    let waiting = phone.login("alice");
    let number = waiting["matchNumber"].clone();
    assert!(number.as_u64().is_some_and(|n| (10..=99).contains(&n)), "the waiting screen shows a number: {waiting}");
    let push = laptop.next_push();
    let choices = push["numberChoices"].as_array().cloned().unwrap_or_default();
    assert!(choices.len() == 3 && choices.contains(&number), "three numbers, the one shown among them: {push}");
    assert_eq!(push["trustLevels"], json!(["TRUSTED", "IGNORE"]), "the choices about the device stay: {push}");
    assert_eq!(
        laptop.answer(&push, "TRUST", json!({})).expect_err("refused")["code"],
        "sdk_error",
        "trusting needs the number"
    );
    let wrong = choices.iter().find(|n| **n != number).cloned();
    assert_eq!(
        laptop.answer(&push, "TRUST", json!({"number": wrong})),
        Ok(json!({"approved": false})),
        "the pick was refused"
    );
    let refused = phone.ok("poll_push", json!({}));
    assert_eq!((refused["screen"].clone(), refused["status"].clone()), (json!("REFUSED"), json!(1014)), "{refused}");
    assert!(refused["description"].as_str().is_some_and(|d| d.contains("number")), "{refused}");

    let waiting = phone.login("alice");
    laptop.answer(&laptop.next_push(), "TRUST", json!({"number": waiting["matchNumber"]})).expect("trusted");
    assert_eq!(phone.ok("poll_push", json!({}))["role"], "TRUSTED");
    let reset = qa(&laptop, json!({"change": "RESET"}));
    assert_eq!(reset["numberMatching"], false, "reset puts Ping's default back: {reset}");
}

/// `user`'s laptop (primary) "offline" by the QA switch, and a tablet at the passcode screen.
fn laptop_offline_and_tablet_at_the_passcode(dir: &std::path::Path, user: &str) -> (TestApp, TestApp) {
    let laptop = online_primary_on(dir, user, true);
    qa(&laptop, json!({"change": "SWITCH_FAULT", "name": "approver-offline", "on": true}));
    let tablet = remote("tablet", &laptop.server_url(), memory());
    assert_eq!(tablet.login(user)["screen"], "ENTER_OTP");
    (laptop, tablet)
}

#[test]
fn the_offline_passcode_pairs_the_new_device_as_trusted_by_default() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (laptop, tablet) = laptop_offline_and_tablet_at_the_passcode(dir.path(), "bob");
    let code = laptop.ok("offline_code", json!({}))["code"].clone();
    let trusted = tablet.ok("submit_otp", json!({"request": {"code": code}}));
    assert_eq!(
        (trusted["role"].clone(), trusted["mfa"].clone()),
        (json!("TRUSTED"), json!("OFFLINE_OTP")),
        "{trusted}"
    );
    assert_eq!(tablet.ok("device_state", json!({}))["paired"], true);
}

#[test]
fn the_offline_passcode_without_trust_signs_the_new_device_in_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (laptop, tablet) = laptop_offline_and_tablet_at_the_passcode(dir.path(), "carol");
    let code = laptop.ok("offline_code", json!({}))["code"].clone();
    let once = tablet.ok("submit_otp", json!({"request": {"code": code, "trust": false}}));
    assert_eq!((once["screen"].clone(), once["mfa"].clone()), (json!("SIGNED_IN"), json!("OFFLINE_OTP")), "{once}");
    assert_eq!(
        (once["role"].clone(), once["granted"].clone()),
        (json!(null), json!({"access": "ONE_TIME"})),
        "not trusted, in once: {once}"
    );
    assert_eq!(tablet.ok("device_state", json!({}))["paired"], false, "the tablet was not added");
    assert_eq!(tablet.login("carol")["screen"], "ENTER_OTP", "its next sign-in asks again");
}

#[test]
fn a_web_sign_in_asks_the_trusted_device_to_approve_or_deny_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let laptop = online_primary(dir.path(), "carol");
    let server = laptop.server_url();
    // The customer server's web sign-in: a password and no device payload, in the background
    // (Ping's sample may hold the answer until the push is answered).
    let browser = std::thread::spawn(move || {
        tauri::async_runtime::block_on(async {
            let client = reqwest::Client::builder().no_proxy().build().expect("client");
            let body = json!({"operation": "auth_user", "user": "carol", "password": PASSWORD});
            client
                .post(format!("{server}/pingidsdk"))
                .json(&body)
                .send()
                .await
                .expect("answer")
                .json::<Value>()
                .await
                .expect("json")
        })
    });
    let push = laptop.next_push();
    assert_eq!(
        (push["requestingDevice"].clone(), push["trustLevels"].clone()),
        (json!(null), json!([])),
        "no device to decide about: {push}"
    );
    assert_eq!(push["context"], json!(null), "no client context, nothing to sum up: {push}");
    assert_eq!(
        laptop.answer(&push, "TRUST", json!({})).expect_err("refused")["code"],
        "sdk_error",
        "there is no device to trust"
    );
    assert_eq!(laptop.answer(&push, "APPROVE", json!({})), Ok(json!({"approved": true})));
    let answer = browser.join().expect("the web sign-in answered");
    assert!(answer["status"] == 0 || answer["status"] == 1012, "{answer}");
}

#[test]
fn the_web_pages_sign_in_push_says_it_is_a_web_sign_in_from_the_browser() {
    let dir = tempfile::tempdir().expect("tempdir");
    let laptop = online_primary(dir.path(), "dave");
    let server = laptop.server_url();
    // The customer server's sign-in page, posted as a browser would (it waits for the device).
    let browser = std::thread::spawn(move || {
        tauri::async_runtime::block_on(async {
            let client = reqwest::Client::builder().no_proxy().user_agent("TestBrowser/1.0").build().expect("client");
            let form = [("username", "dave"), ("password", PASSWORD)];
            client.post(format!("{server}/sign-in")).form(&form).send().await.expect("answer").status()
        })
    });
    let push = laptop.next_push();
    assert_eq!(push["context"], json!({"kind": "WEB_SIGN_IN", "browser": "TestBrowser/1.0"}), "{push}");
    assert_eq!(push["trustLevels"], json!([]), "approve or deny only: {push}");
    assert_eq!(laptop.answer(&push, "DENY", json!({})), Ok(json!({"approved": false})));
    assert!(browser.join().expect("the page answered").as_u16() < 500);
}
