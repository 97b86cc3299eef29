//! The command layer on Tauri's mock runtime, against the embedded stack: each PingID SDK flow
//! through the same commands, arguments and capability file the window uses.

mod common;

use common::{embedded, memory, online_primary, remote, PASSWORD};
use serde_json::json;

#[test]
fn a_first_device_pairs_as_primary_and_then_shows_its_state_and_passcode() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = embedded("laptop", dir.path(), memory());
    let connection = app.ok("connection", json!({}));
    assert_eq!(connection["embedded"], true, "no URL configured means the embedded stack: {connection}");
    assert_eq!(connection["paired"], false);

    let offer = app.login("alice");
    assert_eq!(offer["screen"], "CHOOSE_TRUST_LEVEL", "{offer}");
    assert_eq!(offer["levels"], json!(["PRIMARY", "TRUSTED", "IGNORE"]), "a first device is offered PRIMARY");

    let result =
        app.ok("choose_trust_level", json!({"request": {"level": "PRIMARY", "ignoreFor": null, "nickname": "Laptop"}}));
    assert_eq!(result["screen"], "SIGNED_IN", "{result}");
    assert_eq!(result["role"], "PRIMARY");
    assert_eq!(result["mfa"], "PAIRING", "a first device signs in on its password alone, and the UI says so");

    let state = app.ok("device_state", json!({}));
    assert_eq!(state["paired"], true);
    assert_eq!(state["device"]["nickname"], "Laptop");
    let code = app.ok("offline_code", json!({}));
    let digits = code["code"].as_str().expect("a code");
    assert!(digits.len() == 6 && digits.chars().all(|c| c.is_ascii_digit()), "{code}");
    assert!((1..=30).contains(&code["secondsLeft"].as_u64().expect("seconds")), "{code}");

    let again = app.login("alice");
    assert_eq!(again["screen"], "SIGNED_IN");
    assert_eq!(again["mfa"], "TRUSTED_DEVICE", "a paired device's payload is the second factor");
}

#[test]
fn ignoring_a_device_for_an_interval_lets_it_in_without_mfa_until_then() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = embedded("kiosk", dir.path(), memory());
    assert_eq!(app.login("bob")["screen"], "CHOOSE_TRUST_LEVEL");
    let ignored = app.ok(
        "choose_trust_level",
        json!({"request": {"level": "IGNORE", "ignoreFor": {"value": 2, "unit": "HOURS"}, "nickname": null}}),
    );
    assert_eq!(ignored["pairing"]["outcome"], "IGNORED", "{ignored}");
    assert!(ignored["pairing"]["ignoredUntil"].is_string(), "{ignored}");
    let next = app.login("bob");
    assert_eq!(next["screen"], "SIGNED_IN");
    assert_eq!(next["mfa"], "SKIPPED_IGNORED_DEVICE", "the result must say MFA was skipped: {next}");
}

#[test]
fn an_additional_device_waits_for_push_then_pairs_as_trusted_when_the_primary_trusts_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let laptop = online_primary(dir.path(), "alice");

    let phone = remote("phone", &laptop.server_url(), memory());
    let waiting = phone.login("alice");
    assert_eq!(waiting["screen"], "WAIT_FOR_PUSH", "{waiting}");
    assert!(waiting["expiresIn"].as_u64().is_some_and(|s| s > 0), "{waiting}");
    assert_eq!(waiting["matchNumber"], json!(null), "no number matching at the PingID SDK by default (Ping has none)");

    let push = laptop.next_push();
    assert_eq!(push["username"], "alice", "{push}");
    let device = &push["requestingDevice"];
    assert!(device["name"].as_str().is_some_and(|d| d.contains("(phone)")), "the push names the new device: {push}");
    assert!(device["deviceType"].is_string() && device["os"].is_string(), "its type and system too: {push}");
    assert_eq!(push["trustLevels"], json!(["TRUSTED", "IGNORE"]), "the approver decides about the new device: {push}");
    assert_eq!(push["numberChoices"], json!([]), "{push}");
    assert_eq!(laptop.answer(&push, "TRUST", json!({})), Ok(json!({"approved": true})));

    let result = phone.ok("poll_push", json!({}));
    assert_eq!(result["screen"], "SIGNED_IN", "the approver's choice pairs the phone with no question to it: {result}");
    assert_eq!((result["role"].clone(), result["mfa"].clone()), (json!("TRUSTED"), json!("PUSH_APPROVED")), "{result}");
    assert_eq!((result["pairing"].clone(), result["granted"].clone()), (json!(null), json!(null)), "{result}");
    let devices = phone.ok("device_state", json!({}))["userDevices"].as_array().map(Vec::len);
    assert_eq!(devices, Some(2), "the user's device list holds both devices");
    let state = laptop.ok("device_state", json!({}));
    let me = state["userDevices"].as_array().into_iter().flatten().find(|d| d["id"] == state["device"]["id"]).cloned();
    assert!(me.is_some_and(|d| d["lastUsed"].is_string()), "the laptop approved, so it was used: {state}");
    assert_eq!(phone.login("alice")["mfa"], "TRUSTED_DEVICE", "trusted: the next sign-in needs no approval");
}

#[test]
fn a_denied_push_ends_the_login_with_its_status_and_a_cancelled_one_is_forgotten() {
    let dir = tempfile::tempdir().expect("tempdir");
    let laptop = online_primary(dir.path(), "dave");
    let phone = remote("phone", &laptop.server_url(), memory());

    assert_eq!(phone.login("dave")["screen"], "WAIT_FOR_PUSH");
    laptop.answer(&laptop.next_push(), "DENY", json!({})).expect("denied");
    let refused = phone.ok("poll_push", json!({}));
    assert_eq!(refused["screen"], "REFUSED");
    assert_eq!(refused["status"], 1014, "{refused}");
    assert!(
        refused["description"].as_str().is_some_and(|d| d.contains("denied")),
        "the words say it was denied: {refused}"
    );
    assert_eq!(phone.error_code("poll_push", json!({})), "no_login_in_progress", "a finished login is forgotten");

    assert_eq!(phone.login("dave")["screen"], "WAIT_FOR_PUSH");
    phone.ok("cancel_login", json!({}));
    assert_eq!(phone.error_code("poll_push", json!({})), "no_login_in_progress");
}

#[test]
fn wrong_inputs_reach_the_ui_as_a_stable_code_and_plain_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = embedded("laptop", dir.path(), memory());
    let bad_password =
        app.ok("login", json!({"request": {"username": "alice", "password": "nope", "pairingKey": null}}));
    assert_eq!(bad_password["status"], 1010, "{bad_password}");
    let malformed = json!({"request": {"username": "carol", "password": PASSWORD, "pairingKey": "abc"}});
    assert_eq!(app.error_code("login", malformed), "invalid_input");
    let empty = json!({"request": {"username": " ", "password": "", "pairingKey": null}});
    assert_eq!(app.error_code("login", empty), "invalid_input");
    assert_eq!(app.error_code("submit_otp", json!({"request": {"code": "123456"}})), "no_login_in_progress");
    assert_eq!(app.error_code("offline_code", json!({})), "not_paired");
    let nowhere = json!({"request": {"profile": "laptop", "serverUrl": "not a server"}});
    assert_eq!(app.error_code("connect", nowhere), "invalid_server_url");
    let bad_profile = json!({"request": {"profile": "a b/c", "serverUrl": null}});
    assert_eq!(app.error_code("connect", bad_profile), "invalid_input");

    assert_eq!(app.login("alice")["screen"], "CHOOSE_TRUST_LEVEL");
    let zero = json!({"request": {"level": "IGNORE", "ignoreFor": {"value": 0, "unit": "DAYS"}, "nickname": null}});
    assert_eq!(app.error_code("choose_trust_level", zero), "invalid_selection");
    let error = app.invoke::<serde_json::Value>("submit_otp", json!({"request": {"code": "12"}})).expect_err("refused");
    assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()), "an error has words for people: {error}");
}

#[test]
fn a_wrong_pairing_key_asks_for_the_key_again_and_the_right_one_in_any_format_pairs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = embedded("tablet", dir.path(), memory());
    let wrong = json!({"request": {"username": "carol", "password": PASSWORD, "pairingKey": "BCDF-GHJK-LMNP"}});
    let asked = app.ok("login", wrong);
    assert_eq!(asked, json!({"screen": "PAIRING_KEY", "invalid": true}));
    let key = pairing_key_from_the_web_page(&app.server_url(), "carol");
    let messy = format!("{} {}", key[..7].to_lowercase(), &key[7..]);
    let offer = app.ok("submit_pairing_key", json!({"request": {"code": messy}}));
    assert_eq!(offer["screen"], "CHOOSE_TRUST_LEVEL", "{offer}");
}

#[test]
fn commands_outside_the_capability_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = embedded("laptop", dir.path(), memory());
    let refused = app.invoke::<serde_json::Value>("plugin:notification|notify", json!({"options": {"title": "x"}}));
    assert!(refused.is_err(), "the window may not call the notification plugin directly");
    let remote_page = app.invoke_from::<serde_json::Value>("https://example.com", "connection", json!({}));
    assert!(remote_page.is_err(), "a remote page may not call the app's commands");
    assert!(app.invoke::<serde_json::Value>("connection", json!({})).is_ok(), "the app's own page may");
}

/// What a person does in a browser: log in on the customer server's page and read the key.
fn pairing_key_from_the_web_page(server: &str, user: &str) -> String {
    let page = tauri::async_runtime::block_on(async {
        let client = reqwest::Client::builder().no_proxy().build().expect("client");
        let form = [("username", user), ("password", PASSWORD)];
        client.post(format!("{server}/pairing-key")).form(&form).send().await.expect("page").text().await.expect("text")
    });
    let start =
        page.find("class=\"key\"").and_then(|i| page[i..].find('>').map(|j| i + j + 1)).expect("a key on the page");
    page[start..].split('<').next().expect("key text").to_string()
}

#[test]
fn a_paired_device_is_told_when_another_joins_the_account() {
    let dir = tempfile::tempdir().expect("tempdir");
    let laptop = embedded("laptop", dir.path(), memory());
    laptop.login("alice");
    laptop.choose("PRIMARY");
    assert_eq!(laptop.ok("device_notices", json!({"request": {"waitSeconds": 0}})), json!([]));
    laptop.ok("incoming_pushes", json!({"request": {"waitSeconds": 0}}));
    let tablet = remote("tablet", &laptop.server_url(), memory());
    let waiting = tablet.login("alice");
    assert_eq!(waiting["screen"], "WAIT_FOR_PUSH");
    laptop.answer(&laptop.next_push(), "TRUST", json!({})).expect("trusted");
    assert_eq!(tablet.ok("poll_push", json!({}))["role"], "TRUSTED");
    let state = laptop.ok("device_state", json!({}));
    let rows = state["userDevices"].as_array().expect("devices");
    let (mine, other): (Vec<_>, Vec<_>) = rows.iter().partition(|d| d["id"] == state["device"]["id"]);
    assert_eq!(
        (mine[0]["canMakePrimary"].clone(), mine[0]["canRemove"].clone()),
        (json!(false), json!(false)),
        "{state}"
    );
    assert_eq!(
        (other[0]["canMakePrimary"].clone(), other[0]["canRemove"].clone()),
        (json!(true), json!(true)),
        "the primary manages the tablet"
    );
    let notices = laptop.ok("device_notices", json!({"request": {"waitSeconds": 5}}));
    let text = notices[0]["text"].as_str().unwrap_or_default();
    assert!(text.starts_with("alice's devices:") && text.ends_with("was added as TRUSTED"), "{notices}");
    assert_eq!(laptop.ok("device_notices", json!({"request": {"waitSeconds": 0}})), json!([]), "told once");
}
