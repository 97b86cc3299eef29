//! Web sign-in approved by the device, against the real emulated SDK server: the customer
//! server's web page takes the password, then starts an authentication *without* a payload —
//! Ping's `payload` is optional ([D-AUTH] "null if the call is not from the mobile
//! application"; Ping's sample customer server authenticates a web caller without one and the
//! user's trusted device gets the push, [S-MOD] `AuthenticateOnlineWithPingIDSdk`). The page
//! waits, shows what the device shows, and lands on a signed-in page.

#![allow(clippy::unwrap_used)] // test harness code outside #[test] functions

mod common;
mod web_browser;

use chrono::Duration;
use common::{Options, Stack, TestDevice, PASSWORD};
use moderno_wire::device_api::PushAnswer;
use moderno_wire::payload::TrustLevel;
use moderno_wire::sdk::{DeviceSelection, UpdateUser, UserStatus};
use serde_json::Value;
use web_browser::{alice_with_offline_primary, alice_with_online_primary, waiting_for_device, Browser, FIREFOX};

#[tokio::test]
async fn a_web_sign_in_waits_for_the_trusted_device_and_lands_signed_in_when_it_approves() {
    let stack = Stack::start().await;
    let primary = alice_with_online_primary(&stack).await;
    let mut browser = Browser::new(&stack);

    let waiting = waiting_for_device(&mut browser).await;
    assert!(waiting.html.contains("Approve on your trusted device"), "{}", waiting.html);
    assert!(waiting.html.contains("Test desktop"), "the device the push went to: {}", waiting.html);
    assert!(!waiting.html.contains("match-number"), "no number: number matching is off by default (Ping has none)");
    assert!(waiting.html.contains("<script src=\"/sign-in.js\"></script>"));
    let status = browser.status().await;
    assert_eq!(status["state"], "waiting", "{status}");
    assert_eq!(status["secondsLeft"], 40, "{status}");

    let push = primary.next_push(&stack).await;
    assert_eq!(push.username, "alice");
    assert_eq!(push.requesting_device, None, "no device asks: a web page does");
    assert!(push.trust_levels.is_empty(), "nothing to trust: {push:?}");
    let context: Value = serde_json::from_str(push.client_context.as_deref().expect("a client context")).unwrap();
    assert_eq!(context["kind"], "web_sign_in");
    assert_eq!(context["browser"], FIREFOX);
    assert!(push.body.contains("web browser"), "{}", push.body);
    primary.answer(&stack, &push.authentication_id, PushAnswer::approve(None)).await;

    assert_eq!(browser.status().await["state"], "decided");
    let signed_in = browser.get("/sign-in/wait").await;
    assert_eq!(signed_in.status, 200, "{}", signed_in.html);
    assert!(signed_in.html.contains("Signed in as alice — approved on Test desktop."), "{}", signed_in.html);
    assert!(browser.cookie("moderno_sign_in").is_none(), "the waiting sign-in's cookie is gone");
    let token = browser.cookie("moderno_web").expect("a web session").to_owned();
    assert_eq!(stack.customer.session_user(&token).await.unwrap().as_deref(), Some("alice"));

    let again = browser.get("/sign-in/wait").await;
    assert!(again.html.contains("Signed in as alice."), "a reload stays signed in: {}", again.html);
    let out = browser.post("/sign-in/sign-out", &[]).await;
    assert!(out.html.contains("You are signed out."), "{}", out.html);
    assert_eq!(stack.customer.session_user(&token).await.unwrap(), None, "the server forgot the session");
}

#[tokio::test]
async fn under_number_matching_the_page_shows_the_number_the_device_must_pick() {
    let stack = Stack::start().await;
    stack.settings(|s| s.number_matching = true).await;
    let primary = alice_with_online_primary(&stack).await;
    let mut browser = Browser::new(&stack);

    let waiting = waiting_for_device(&mut browser).await;
    let status = browser.status().await;
    let number = status["matchNumber"].as_u64().unwrap_or_else(|| panic!("a number: {status}"));
    assert!(waiting.html.contains(&format!("aria-label=\"the number to pick\">{number}</div>")), "{}", waiting.html);
    let push = primary.next_push(&stack).await;
    assert!(push.number_choices.contains(&u8::try_from(number).unwrap()), "{push:?}");
    primary.answer(&stack, &push.authentication_id, PushAnswer::approve(u8::try_from(number).ok())).await;
    let signed_in = browser.get("/sign-in/wait").await;
    assert!(signed_in.html.contains("Signed in as alice — approved on Test desktop."), "{}", signed_in.html);
}

#[tokio::test]
async fn a_denied_web_sign_in_ends_on_a_page_saying_so_without_a_session() {
    let stack = Stack::start().await;
    let primary = alice_with_online_primary(&stack).await;
    let mut browser = Browser::new(&stack);
    waiting_for_device(&mut browser).await;

    primary.answer_the_push(&stack, PushAnswer::deny()).await;
    let denied = browser.get("/sign-in/wait").await;
    assert_eq!(denied.status, 403);
    assert!(denied.html.contains("Sign-in denied"), "{}", denied.html);
    assert!(denied.html.contains("denied on Test desktop"), "{}", denied.html);
    assert!(browser.cookie("moderno_web").is_none(), "not signed in");
    assert!(browser.cookie("moderno_sign_in").is_none(), "the sign-in is over");
    let after = browser.get("/sign-in/wait").await;
    assert!(after.html.contains("No sign-in is waiting"), "{}", after.html);
    assert_eq!(browser.status().await["state"], "ended");
}

#[tokio::test]
async fn a_timed_out_push_offers_another_push_which_the_device_then_approves() {
    let stack = Stack::start().await;
    let primary = alice_with_online_primary(&stack).await;
    let mut browser = Browser::new(&stack);
    waiting_for_device(&mut browser).await;
    primary.next_push(&stack).await;

    stack.clock.advance(Duration::seconds(41));
    assert_eq!(browser.status().await["state"], "decided");
    let timed_out = browser.get("/sign-in/wait").await;
    assert_eq!(timed_out.status, 200);
    assert!(timed_out.html.contains("No answer in time"), "{}", timed_out.html);
    assert!(timed_out.html.contains("action=\"/sign-in/retry\""), "{}", timed_out.html);
    assert!(timed_out.html.contains("action=\"/sign-in/passcode\""), "a passcode works too");

    primary.pushes(&stack).await;
    let waiting = browser.submit("/sign-in/retry", &[]).await;
    assert!(waiting.html.contains("Approve on your trusted device"), "{}", waiting.html);
    primary.answer_the_push(&stack, PushAnswer::approve(None)).await;
    let signed_in = browser.get("/sign-in/wait").await;
    assert!(signed_in.html.contains("Signed in as alice — approved on Test desktop."), "{}", signed_in.html);
}

#[tokio::test]
async fn an_offline_device_gives_way_to_its_passcode_and_a_malformed_one_costs_no_try() {
    let stack = Stack::start().await;
    let primary = alice_with_offline_primary(&stack).await;
    let mut browser = Browser::new(&stack);

    let offline = waiting_for_device(&mut browser).await;
    assert!(offline.html.contains("Your device is offline"), "{}", offline.html);
    assert!(offline.html.contains("Test desktop"), "{}", offline.html);
    assert!(offline.html.contains("action=\"/sign-in/passcode\""));
    assert_eq!(browser.status().await["state"], "decided", "nothing to wait for");

    let malformed = browser.post("/sign-in/passcode", &[("otp", "12ab")]).await;
    assert_eq!(malformed.status, 400);
    assert!(malformed.html.contains("The offline passcode is 6 digits."), "{}", malformed.html);
    let wrong_code = if primary.otp(&stack.clock) == "000000" { "111111" } else { "000000" };
    let wrong = browser.submit("/sign-in/passcode", &[("otp", wrong_code)]).await;
    assert!(
        wrong.html.contains("That passcode was wrong. 2 tries left."),
        "the malformed one cost nothing: {}",
        wrong.html
    );

    let code = primary.otp(&stack.clock);
    let spaced = format!("{} {}", &code[..3], &code[3..]);
    let signed_in = browser.submit("/sign-in/passcode", &[("otp", &spaced)]).await;
    assert!(
        signed_in.html.contains("Signed in as alice — approved with the offline passcode of Test desktop."),
        "{}",
        signed_in.html
    );
    assert!(browser.cookie("moderno_web").is_some());
}

#[tokio::test]
async fn three_wrong_passcodes_end_the_sign_in() {
    let stack = Stack::start().await;
    let primary = alice_with_offline_primary(&stack).await;
    let mut browser = Browser::new(&stack);
    waiting_for_device(&mut browser).await;
    let wrong_code = if primary.otp(&stack.clock) == "000000" { "111111" } else { "000000" };
    browser.submit("/sign-in/passcode", &[("otp", wrong_code)]).await;
    browser.submit("/sign-in/passcode", &[("otp", wrong_code)]).await;
    let over = browser.submit("/sign-in/passcode", &[("otp", wrong_code)]).await;
    assert_eq!(over.status, 403, "{}", over.html);
    assert!(over.html.contains("Too many wrong offline passcodes"), "{}", over.html);
    assert!(browser.cookie("moderno_web").is_none());
}

#[tokio::test]
async fn a_wrong_password_shows_the_form_again_and_nothing_happens() {
    let stack = Stack::start().await;
    let primary = alice_with_online_primary(&stack).await;
    let mut browser = Browser::new(&stack);

    let wrong = browser.sign_in("alice", "<b>not-the-password</b>").await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.html.contains("Wrong username or password."), "{}", wrong.html);
    assert!(!wrong.html.contains("<b>not-the-password</b>"), "nothing typed comes back unescaped");
    assert!(wrong.set_cookies.is_empty(), "no session: {:?}", wrong.set_cookies);
    assert!(primary.pushes(&stack).await.is_empty(), "no push went out");

    let unknown = browser.sign_in("nobody", PASSWORD).await;
    assert_eq!(unknown.status, 401, "an unknown user reads the same");
    assert!(unknown.html.contains("Wrong username or password."));
    let empty = browser.post("/sign-in", &[("username", "alice")]).await;
    assert_eq!(empty.status, 400);
    assert!(empty.html.contains("Enter your username and password."));
    let garbage = browser.send(browser.http.post(browser.url("/sign-in")).body(vec![0xff, 0xfe, b'%', b'='])).await;
    assert_eq!(garbage.status, 400, "a body that is no form is a clear page: {}", garbage.html);

    // A user without a device at PingID is not even created by a failed attempt.
    let dave = browser.sign_in("dave", "wrong-password").await;
    assert_eq!(dave.status, 401);
    assert!(stack.sdk().get_user("dave", false).await.unwrap_err().is_not_found(), "dave unknown to PingID");

    for _ in 0..2 {
        browser.sign_in("alice", "wrong-password").await;
    }
    let backing_off = browser.sign_in("alice", PASSWORD).await;
    assert_eq!(backing_off.status, 429, "the protocol's back-off holds on the web too");
    assert!(backing_off.html.contains("Try again in 3 seconds."), "{}", backing_off.html);
    assert!(primary.pushes(&stack).await.is_empty(), "still no push");
}

#[tokio::test]
async fn a_user_without_devices_gets_the_pairing_key_page() {
    let stack = Stack::start().await;
    let mut browser = Browser::new(&stack);
    let page = browser.sign_in("bob", PASSWORD).await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert!(page.html.contains("Your pairing key"), "{}", page.html);
    assert!(page.html.contains("I have a pairing key"));
    let cookie = page.set_cookies.iter().find(|c| c.starts_with("moderno_web=")).expect("the pairing page's session");
    assert!(cookie.contains("Path=/pairing-key"), "{cookie}");
    assert!(browser.cookie("moderno_sign_in").is_none(), "no sign-in waits");
}

#[tokio::test]
async fn with_several_devices_the_page_asks_which_one_approves() {
    let stack = Stack::start_with(Options { ignore_validation: true, ..Options::default() }).await;
    let mut laptop = TestDevice::new(62);
    stack.pair_first_device("carol", &mut laptop, TrustLevel::Primary).await;
    let mut tablet = TestDevice::new(63);
    let answer = stack.login("carol", &tablet).await;
    tablet.complete_pairing(&stack, &answer, TrustLevel::Trusted).await;
    stack.settings(|s| s.device_selection = DeviceSelection::PromptUserToSelect).await;
    tablet.pushes(&stack).await;
    let mut browser = Browser::new(&stack);

    browser.sign_in("carol", PASSWORD).await;
    let choose = browser.get("/sign-in/wait").await;
    assert!(choose.html.contains("Which device should approve?"), "{}", choose.html);
    assert!(choose.html.contains("(primary)"));

    let forged = browser.post("/sign-in/device", &[("deviceId", "not-a-device")]).await;
    assert_eq!(forged.status, 400);
    assert!(forged.html.contains("Choose one of your devices below."), "{}", forged.html);
    assert!(forged.html.contains("Which device should approve?"), "the same choice again");

    let tablet_id = tablet.device_id.clone().unwrap();
    let waiting = browser.submit("/sign-in/device", &[("deviceId", &tablet_id)]).await;
    assert!(waiting.html.contains("Approve on your trusted device"), "{}", waiting.html);
    tablet.answer_the_push(&stack, PushAnswer::approve(None)).await;
    let signed_in = browser.get("/sign-in/wait").await;
    assert!(signed_in.html.contains("Signed in as carol — approved on Test desktop."), "{}", signed_in.html);
}

#[tokio::test]
async fn canceling_withdraws_the_push_and_buttons_of_an_ended_sign_in_change_nothing() {
    let stack = Stack::start().await;
    let primary = alice_with_online_primary(&stack).await;
    let mut browser = Browser::new(&stack);
    waiting_for_device(&mut browser).await;
    let push = primary.next_push(&stack).await;

    let canceled = browser.post("/sign-in/cancel", &[]).await;
    assert_eq!(canceled.status, 200);
    assert!(canceled.html.contains("The sign-in was canceled."), "{}", canceled.html);
    assert!(browser.cookie("moderno_sign_in").is_none());
    // The authentication is over at PingID: an approval now changes nothing.
    let auth = stack.sdk().get_authentication("alice", &push.authentication_id).await.unwrap();
    assert_eq!(serde_json::to_value(auth.status).unwrap(), "CANCELED");

    for path in ["/sign-in/passcode", "/sign-in/retry", "/sign-in/device"] {
        let page = browser.post(path, &[("otp", "123456"), ("deviceId", "x")]).await;
        assert_eq!(page.status, 401, "{path}");
        assert!(page.html.contains("This sign-in has ended or expired."), "{path}: {}", page.html);
    }
    browser.cookies.push(("moderno_sign_in".into(), "forged".into()));
    assert_eq!(browser.status().await["state"], "ended");
    let forged = browser.get("/sign-in/wait").await;
    assert!(forged.html.contains("No sign-in is waiting"), "{}", forged.html);
    assert!(primary.pushes(&stack).await.is_empty(), "no push came of any of it");
}

/// [S-API] `isApplicationDisabled`: with MFA off for the application, Ping's sample lets the
/// user in on the password, as the protocol does.
#[tokio::test]
async fn with_mfa_off_for_the_application_the_password_signs_in_and_no_push_goes_out() {
    let stack = Stack::start().await;
    let primary = alice_with_online_primary(&stack).await;
    stack.settings(|s| s.enabled = false).await;
    let mut browser = Browser::new(&stack);
    let page = browser.sign_in("alice", PASSWORD).await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert!(page.html.contains("multi-factor authentication is turned off"), "{}", page.html);
    assert!(browser.cookie("moderno_web").is_some());
    assert!(primary.pushes(&stack).await.is_empty());
}

#[tokio::test]
async fn a_suspended_user_is_told_so_and_no_push_goes_out() {
    let stack = Stack::start().await;
    let primary = alice_with_online_primary(&stack).await;
    let suspend = UpdateUser { status: Some(UserStatus::Suspended), bypass_expiration: None };
    stack.sdk().update_user("alice", &suspend).await.unwrap();
    let mut browser = Browser::new(&stack);
    let page = browser.sign_in("alice", PASSWORD).await;
    assert_eq!(page.status, 403, "{}", page.html);
    assert!(page.html.contains("Account suspended"), "{}", page.html);
    assert!(page.set_cookies.is_empty());
    assert!(primary.pushes(&stack).await.is_empty());
}
