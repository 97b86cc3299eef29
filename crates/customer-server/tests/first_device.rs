//! A user's first device: automatic pairing, manual pairing with a key from the web page, and the
//! answers around it — against the real emulated SDK server over loopback HTTP.

#![allow(clippy::unwrap_used)] // test harness code outside #[test] functions

mod common;

use common::{status, Options, Stack, TestDevice, PASSWORD};
use moderno_wire::payload::TrustLevel;
use moderno_wire::sdk::{PairingMode, UpdateUser, UserStatus};
use serde_json::json;

#[tokio::test]
async fn a_first_device_pairs_automatically_then_logs_in_as_a_trusted_device() {
    let stack = Stack::start().await;
    let mut desktop = TestDevice::new(1);

    let answer = stack.login("alice", &desktop).await;
    assert_eq!(status(&answer), 0, "{answer}");
    assert_eq!(answer["mfa"], "PAIRING");
    let token = answer["sessionToken"].as_str().expect("a session token");
    assert_eq!(stack.customer.session_user(token).await.unwrap().as_deref(), Some("alice"));
    let claims = desktop.server_payload(&stack, &answer).await;
    assert_eq!(claims.username, "alice");
    assert_eq!(claims.device_fingerprint, desktop.key.fingerprint());

    let completed = desktop.complete_pairing(&stack, &answer, TrustLevel::Primary).await;
    assert!(completed.device_id.is_some());

    let again = stack.login("alice", &desktop).await;
    assert_eq!(status(&again), 0, "{again}");
    assert_eq!(again["mfa"], "TRUSTED_DEVICE");
    assert!(again.get("pingIdPayload").is_none(), "nothing to pair: {again}");
    assert!(again["sessionToken"].is_string());
}

#[tokio::test]
/// Without a payload: 1024 for a user with no device; once paired, Ping's authentication
/// without a payload asks the trusted device (offline here: 1015, and no payload to pair).
async fn a_web_login_without_a_payload_is_refused_with_1024_then_asks_the_device_once_paired() {
    let stack = Stack::start().await;
    let web = json!({"operation": "auth_user", "user": "bob", "password": PASSWORD});
    let answer = stack.moderno(web.clone()).await;
    assert_eq!(status(&answer), 1024, "{answer}");

    let mut desktop = TestDevice::new(2);
    stack.pair_first_device("bob", &mut desktop, TrustLevel::Primary).await;
    let answer = stack.moderno(web).await;
    assert_eq!(status(&answer), 1015, "{answer}");
    assert!(answer.get("pingIdPayload").is_none(), "no device to pair from a web page: {answer}");
}

#[tokio::test]
async fn manual_pairing_needs_the_key_from_the_web_page_and_takes_it_in_any_case() {
    let stack = Stack::start().await;
    stack.settings(|s| s.pairing_mode = PairingMode::Manual).await;
    let mut desktop = TestDevice::new(3);

    let answer = stack.login("carol", &desktop).await;
    assert_eq!(status(&answer), 1030, "{answer}");

    let (http, html) = stack.web_pairing_key("carol", PASSWORD).await;
    assert_eq!(http, 200, "{html}");
    assert!(html.contains("I have a pairing key"), "{html}");
    let key = extract_key(&html);
    assert_eq!(key.len(), 14, "XXXX-XXXX-XXXX: {key}");

    let wrong = stack
        .moderno(json!({"operation": "auth_user", "user": "carol", "password": PASSWORD,
            "pingIdPayload": desktop.payload(&stack.clock), "pairingKey": "BBBB-BBBB-BBBB"}))
        .await;
    assert_eq!(status(&wrong), 1031, "{wrong}");

    let typed = key.replace('-', " ").to_lowercase();
    let answer = stack
        .moderno(json!({"operation": "auth_user", "user": "carol", "password": PASSWORD,
            "pingIdPayload": desktop.payload(&stack.clock), "pairingKey": typed}))
        .await;
    assert_eq!(status(&answer), 0, "{answer}");
    assert_eq!(answer["mfa"], "PAIRING");
    desktop.complete_pairing(&stack, &answer, TrustLevel::Primary).await;

    let (http, html) = stack.web_pairing_key("carol", PASSWORD).await;
    assert_eq!(http, 200);
    assert!(html.contains("already has a paired device"), "{html}");
    assert!(!html.contains("class=\"key\""), "no second key: {html}");
}

fn extract_key(html: &str) -> String {
    let start = html.find("class=\"key\"").expect("a key on the page");
    let rest = &html[start..];
    let open = rest.find('>').unwrap() + 1;
    let close = rest.find("</div>").unwrap();
    rest[open..close].to_owned()
}

#[tokio::test]
async fn the_web_page_refuses_a_wrong_password_with_401_and_issues_no_key() {
    let stack = Stack::start().await;
    stack.settings(|s| s.pairing_mode = PairingMode::Manual).await;
    let (http, html) = stack.web_pairing_key("dave", "not-the-password").await;
    assert_eq!(http, 401);
    assert!(html.contains("Wrong username or password."));
    assert!(!html.contains("class=\"key\""));
}

#[tokio::test]
async fn a_disabled_application_lets_the_login_through_and_says_mfa_was_skipped() {
    let stack = Stack::start().await;
    stack.settings(|s| s.enabled = false).await;
    let answer = stack.login("alice", &TestDevice::new(4)).await;
    assert_eq!(status(&answer), 0, "{answer}");
    assert_eq!(answer["mfa"], "SKIPPED_APPLICATION_DISABLED");
    assert!(answer["description"].as_str().unwrap().contains("application is disabled"), "{answer}");
    assert!(answer["sessionToken"].is_string());
}

#[tokio::test]
async fn a_device_the_user_chose_to_ignore_logs_in_without_mfa_with_1023() {
    let stack = Stack::start().await;
    let mut desktop = TestDevice::new(5);
    stack.pair_first_device("alice", &mut desktop, TrustLevel::Ignore).await;
    let answer = stack.login("alice", &desktop).await;
    assert_eq!(status(&answer), 1023, "{answer}");
    assert_eq!(answer["mfa"], "SKIPPED_IGNORED_DEVICE");
    assert!(answer["sessionToken"].is_string());
}

#[tokio::test]
async fn a_rooted_device_cannot_pair_1028() {
    let stack = Stack::start().await;
    let mut rooted = TestDevice::new(6);
    rooted.rooted = true;
    let answer = stack.login("alice", &rooted).await;
    assert_eq!(status(&answer), 1028, "{answer}");
    assert!(answer.get("sessionToken").is_none());
}

#[tokio::test]
async fn a_suspended_user_is_refused_with_1000() {
    let stack = Stack::start().await;
    stack.login("bob", &TestDevice::new(7)).await;
    stack
        .sdk()
        .update_user("bob", &UpdateUser { status: Some(UserStatus::Suspended), bypass_expiration: None })
        .await
        .unwrap();
    let answer = stack.login("bob", &TestDevice::new(7)).await;
    assert_eq!(status(&answer), 1000, "{answer}");
    assert!(answer.get("sessionToken").is_none());
    let (http, html) = stack.web_pairing_key("bob", PASSWORD).await;
    assert_eq!(http, 403, "no pairing key for a suspended user: {html}");
    assert!(!html.contains("class=\"key\""));
}

#[tokio::test]
async fn a_replayed_payload_is_refused_with_1020_and_no_login() {
    let stack = Stack::start().await;
    let mut desktop = TestDevice::new(8);
    stack.pair_first_device("alice", &mut desktop, TrustLevel::Primary).await;
    let payload = desktop.payload(&stack.clock);
    let request = json!({"operation": "auth_user", "user": "alice", "password": PASSWORD, "pingIdPayload": payload});
    assert_eq!(status(&stack.moderno(request.clone()).await), 0);
    let replay = stack.moderno(request).await;
    assert_eq!(status(&replay), 1020, "a payload approves a login once: {replay}");
    assert!(replay["description"].as_str().unwrap().contains("fresh pingIdPayload"), "{replay}");
    assert!(replay.get("sessionToken").is_none());
}

#[tokio::test]
async fn answers_signed_with_another_key_read_as_an_unreachable_sdk_server() {
    let stack = Stack::start_with(Options { api_key_b64: Some("b3RoZXIta2V5".into()), ..Options::default() }).await;
    let answer = stack.login("alice", &TestDevice::new(9)).await;
    assert_eq!(status(&answer), 1000, "{answer}");
    assert_eq!(answer["description"], "the PingID SDK server could not be reached");
}

/// Parallel first logins of a user the SDK server does not know yet: one creates the user, the
/// others meet Ping's `RESOURCE_ALREADY_EXISTS` ([D-USERS], [D-ERR]) and go on with the user as
/// it is; every device is offered its pairing, none gets 1000.
#[tokio::test]
async fn parallel_first_logins_of_a_user_new_to_the_sdk_server_all_go_through() {
    let stack = std::sync::Arc::new(Stack::start().await);
    let logins = (0..24u8).map(|n| {
        let stack = std::sync::Arc::clone(&stack);
        tokio::spawn(async move { stack.login("carol", &TestDevice::new(70 + n)).await })
    });
    for login in logins.collect::<Vec<_>>() {
        let answer = login.await.unwrap();
        assert_eq!((status(&answer), &answer["mfa"]), (0, &json!("PAIRING")), "{answer}");
    }
}
