//! The QA panel's commands on Tauri's mock runtime: the embedded stack's clock and fault
//! switches, as the window's panel changes them, and what a login then does.

mod common;

use common::{embedded, embedded_with_admin, memory, remote};
use moderno_customer_server::PasswordCost;
use moderno_desktop::{AdminAccess, Backend};
use moderno_stack::{Stack, StackConfig};
use serde_json::{json, Value};

fn change(app: &common::TestApp, change: Value) -> Value {
    app.ok("qa_change", json!({"request": change}))
}

#[test]
fn a_fault_switched_on_the_panel_changes_the_next_login_and_reset_undoes_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let laptop = embedded_with_admin("laptop", dir.path(), memory());
    let fresh = laptop.ok("qa_state", json!({}));
    assert_eq!(fresh["tampered"], false, "{fresh}");
    assert!(fresh["faults"].as_array().is_some_and(|f| f.len() == 9 && f.iter().all(|f| f["on"] == false)));
    assert_eq!(fresh["numberMatching"], false, "number matching at the PingID SDK is beyond Ping: off");

    laptop.login("alice");
    laptop.choose("PRIMARY");
    laptop.ok("incoming_pushes", json!({"request": {"waitSeconds": 0}}));
    let on = change(&laptop, json!({"change": "SWITCH_FAULT", "name": "approver-offline", "on": true}));
    assert_eq!(on["tampered"], true);

    let tablet = remote("tablet", &laptop.server_url(), memory());
    let fallback = tablet.login("alice");
    assert_eq!(
        fallback["screen"], "ENTER_OTP",
        "the laptop counts as offline: the passcode instead of a push: {fallback}"
    );
    tablet.ok("cancel_login", json!({}));

    let moved = change(&laptop, json!({"change": "ADVANCE_CLOCK", "seconds": 3600}));
    assert_eq!(moved["advancedSeconds"], 3600);
    let reset = change(&laptop, json!({"change": "RESET"}));
    assert_eq!((reset["tampered"].clone(), reset["advancedSeconds"].clone()), (json!(false), json!(0)));
    assert_eq!(tablet.login("alice")["screen"], "WAIT_FOR_PUSH", "switched off: the push goes out again");
}

#[test]
fn the_panel_says_plainly_what_the_admin_api_refused_and_where_it_does_not_work() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = embedded_with_admin("laptop", dir.path(), memory());
    let unknown =
        app.invoke::<Value>("qa_change", json!({"request": {"change": "SWITCH_FAULT", "name": "meteor", "on": true}}));
    let error = unknown.expect_err("refused");
    assert_eq!((error["code"].as_str(), error["status"].as_u64()), (Some("admin_refused"), Some(404)));
    assert!(error["message"].as_str().is_some_and(|m| m.contains("push-denied")), "{error}");
    let nobody = json!({"request": {"change": "USER_STATUS", "username": "nobody", "status": "SUSPENDED"}});
    assert_eq!(app.invoke::<Value>("qa_change", nobody).expect_err("refused")["status"], 404);
    assert_eq!(
        app.error_code("qa_change", json!({"request": {"change": "ADVANCE_CLOCK", "seconds": 0}})),
        "admin_refused"
    );
    assert_eq!(app.ok("qa_state", json!({}))["tampered"], false, "refusals changed nothing");

    let suspended = change(&app, json!({"change": "APPLICATION", "mfaEnabled": false}));
    assert_eq!(suspended["tampered"], false, "MFA off is the application's state, not a fault");
    assert_eq!(app.login("bob")["mfa"], "SKIPPED_APPLICATION_DISABLED");
    change(&app, json!({"change": "APPLICATION", "mfaEnabled": true}));

    let without = embedded("other", tempfile::tempdir().expect("tempdir").path(), memory());
    assert_eq!(without.error_code("qa_state", json!({})), "no_admin_api", "a stack without its admin API");
}

#[test]
fn the_inspector_shows_the_hops_of_a_login_and_exports_them_without_secrets() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = embedded_with_admin("laptop", dir.path(), memory());
    app.login("alice");
    app.choose("PRIMARY");
    let seen = app.ok("inspector_hops", json!({"request": {"after": 0}}));
    let hops = seen["hops"].as_array().expect("hops");
    let lanes: Vec<(String, String)> = hops.iter().map(|h| (h["from"].to_string(), h["to"].to_string())).collect();
    assert!(lanes.contains(&("\"App\"".into(), "\"Customer server\"".into())), "{lanes:?}");
    assert!(
        lanes.contains(&("\"Customer server\"".into(), "\"PingID SDK\"".into())),
        "server-to-server too: {lanes:?}"
    );
    assert!(hops
        .iter()
        .any(|h| h["decoded"].as_array().is_some_and(|d| d.iter().any(|d| d["label"] == "PINGID-HMAC signature"))));
    let last = seen["last"].as_u64().expect("last");
    assert_eq!(app.ok("inspector_hops", json!({"request": {"after": last}}))["hops"], json!([]), "only newer ones");

    let export = app.ok("inspector_export", json!({}));
    let html = std::fs::read_to_string(export["htmlPath"].as_str().expect("a path")).expect("the report");
    let json_text = std::fs::read_to_string(export["jsonPath"].as_str().expect("a path")).expect("the JSON");
    assert!(html.contains("<svg") && html.contains(">Customer server<"), "the sequence diagram");
    for text in [&html, &json_text] {
        assert!(!text.contains(common::PASSWORD), "no password in an export");
    }
    assert_eq!(app.ok("inspector_clear", json!({}))["hops"], json!([]));
    let without = embedded("other", tempfile::tempdir().expect("tempdir").path(), memory());
    assert_eq!(without.error_code("inspector_hops", json!({"request": {"after": 0}})), "no_admin_api");
}

#[test]
fn a_shipped_scenario_plays_step_by_step_from_the_window_and_a_wrong_name_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = embedded("presenter", dir.path(), memory());
    let list = app.ok("scenarios_list", json!({}));
    assert!(list.as_array().is_some_and(|l| l.len() >= 14), "{list}");
    let started = app.ok("scenario_start", json!({"request": {"file": "pf-pairing-error"}}));
    assert_eq!((started["finished"].clone(), started["outcomes"].clone()), (json!(false), json!([])));
    let steps = started["steps"].as_array().map(Vec::len).expect("steps");
    let mut now = started;
    for _ in 0..steps {
        now = app.ok("scenario_step", json!({}));
    }
    assert_eq!((now["finished"].clone(), now["passed"].clone()), (json!(true), json!(true)), "{now}");
    assert_eq!(now["outcomes"][2]["screen"], "SIGNED_IN");
    assert!(now["outcomes"][2]["shown"].as_str().is_some_and(|s| s.contains("pairing_error")));
    app.ok("scenario_stop", json!({}));
    assert_eq!(app.error_code("scenario_step", json!({})), "no_scenario");
    assert_eq!(app.error_code("scenario_start", json!({"request": {"file": "../etc/passwd"}})), "invalid_input");
}

/// A shared QA server: its own stack with the admin API behind a token, the app pointed at it
/// as `--server URL --admin-url URL` with MODERNO_ADMIN_TOKEN would.
#[test]
fn a_shared_server_given_its_admin_api_and_token_gets_the_qa_panel_inspector_and_outbox() {
    const TOKEN: &str = "shared-qa-token";
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = StackConfig::loopback(dir.path().to_path_buf());
    config.password_cost = PasswordCost::TestOnlyCheap;
    config.admin_listen = Some(([127, 0, 0, 1], 0).into());
    config.admin_token = moderno_stack::admin::AdminToken::new(TOKEN);
    config.inspector = true;
    config.demo_devices = true;
    let shared = tauri::async_runtime::block_on(Stack::start(config)).expect("the shared stack starts");
    let admin_url = shared.admin_url.clone().expect("an admin API");
    let unused = StackConfig::loopback(dir.path().join("unused"));
    let window = |backend, server: &str, token: &str| {
        let admin = AdminAccess::new(&admin_url, Some(token.to_string()));
        common::launch_shared("qa", backend, Some(server.to_string()), Some(admin), unused.clone(), memory())
    };

    let qa = window(Backend::ModernoPingidSdk, &shared.customer_url, TOKEN);
    let connection = qa.ok("connection", json!({}));
    assert_eq!(
        (connection["embedded"].clone(), connection["adminUrl"].clone()),
        (json!(false), json!(admin_url)),
        "{connection}"
    );
    assert_eq!(qa.ok("qa_state", json!({}))["tampered"], false);
    let on = change(&qa, json!({"change": "SWITCH_FAULT", "name": "push-denied", "on": true}));
    assert_eq!(on["tampered"], true);
    assert!(shared.faults.is_on(moderno_ambient::Fault::PushDenied), "the switch acts on the shared server");

    let intruder = window(Backend::ModernoPingidSdk, &shared.customer_url, "guessed");
    let refused = intruder
        .invoke::<Value>("qa_change", json!({"request": {"change": "RESET"}}))
        .expect_err("a wrong token is refused");
    assert_eq!((refused["code"].as_str(), refused["status"].as_u64()), (Some("admin_refused"), Some(401)), "{refused}");
    assert!(shared.faults.is_on(moderno_ambient::Fault::PushDenied), "the refused reset changed nothing");
    change(&qa, json!({"change": "RESET"}));

    qa.login("alice");
    let hops = qa.ok("inspector_hops", json!({"request": {"after": 0}}));
    assert!(hops["hops"].as_array().is_some_and(|h| !h.is_empty()), "the shared server's hops: {hops}");

    let carol = window(Backend::PingfederatePingoneMfa, &shared.pingfederate_url, TOKEN);
    let otp = carol.login("carol");
    assert_eq!(otp["screen"], "ENTER_OTP", "carol's only device is her SMS: {otp}");
    let messages = carol.ok("demo_messages", json!({}));
    assert_eq!(messages[0]["channel"], "SMS", "the shared server's outbox, through its admin API: {messages}");
    tauri::async_runtime::block_on(shared.shutdown());
}

#[test]
fn the_inspector_opens_in_a_window_of_its_own_that_may_only_read_the_hops() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = embedded_with_admin("laptop", dir.path(), memory());
    app.login("alice");
    app.choose("PRIMARY");
    app.ok("open_inspector_window", json!({}));
    app.ok("open_inspector_window", json!({}));
    let seen: Value = app
        .invoke_in("inspector", "inspector_hops", json!({"request": {"after": 0}}))
        .expect("the window reads the hops");
    assert!(seen["hops"].as_array().is_some_and(|h| !h.is_empty()), "the same record as the main window: {seen}");
    let login = json!({"request": {"username": "alice", "password": common::PASSWORD, "pairingKey": null}});
    let refused =
        app.invoke_in::<Value>("inspector", "login", login).expect_err("the inspector's window cannot sign in");
    assert!(refused.to_string().contains("not allowed"), "{refused}");
    let answer = json!({"request": {"authenticationId": "x", "choice": "TRUST", "number": 10}});
    assert!(app.invoke_in::<Value>("inspector", "answer_push", answer).is_err(), "nor answer pushes");
}
