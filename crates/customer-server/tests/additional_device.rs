//! A user's additional device, the Ping way ([D-NET], Ping's Moderno sample and apps): the
//! primary decides about the new device (trust it, let it in once, ignore it, deny, block), the
//! answer carries the authentication's server payload as `pingIdPayload`; the offline passcode
//! with the app's folded-in TRUSTED choice; device selection; retry — against the real emulated
//! SDK server. `auth_user` waits for the push's final status, as Ping's sample does ([S-HELP]
//! `pollPingIDSdkUntilFinalStatus`); the asynchronous 1012 + `auth_status` / `cancel` answers
//! are the number-matching extension's (beyond Ping), tested with number matching on.

#![allow(clippy::unwrap_used)] // test harness code outside #[test] functions

mod common;

use chrono::Duration;
use common::{match_number, session_id, status, trust_shown, Options, Stack, TestDevice};
use moderno_wire::device_api::{IgnoreInterval, IntervalUnit, PushAnswer};
use moderno_wire::payload::{GrantedAccess, ServerFlow, TrustLevel};
use moderno_wire::sdk::{UpdateUser, UserStatus};
use serde_json::{json, Value};

/// alice with a paired primary that has polled for pushes (so it counts as online).
async fn alice_with_online_primary() -> (Stack, TestDevice) {
    alice_with_online_primary_on(Stack::start().await).await
}

async fn alice_with_online_primary_on(stack: Stack) -> (Stack, TestDevice) {
    let mut primary = TestDevice::new(10);
    stack.pair_first_device("alice", &mut primary, TrustLevel::Primary).await;
    assert!(primary.pushes(&stack).await.is_empty());
    (stack, primary)
}

#[tokio::test]
async fn auth_user_waits_for_the_push_and_pairs_the_new_device_when_the_primary_trusts_it() {
    let (stack, primary) = alice_with_online_primary().await;
    let mut laptop = TestDevice::new(11);

    let approved = stack.login_answered("alice", &laptop, &primary, PushAnswer::trust(None)).await;
    assert_eq!(status(&approved), 0, "Ping's auth_user answers once the push is answered: {approved}");
    assert_eq!(approved["mfa"], "PUSH_APPROVED");
    assert_eq!(approved["isPingIdAuthenticated"], true);
    assert_eq!(approved["currentAuthenticatingDeviceData"]["deviceRole"], "PRIMARY", "{approved}");
    assert!(approved.get("matchNumber").is_none(), "no number matching at the PingID SDK by default");
    assert!(approved["sessionToken"].is_string());
    assert!(approved.get("registrationToken").is_none(), "no registration token for an active user [D-RT]");
    laptop.complete_pairing(&stack, &approved, TrustLevel::Trusted).await;

    let trusted = stack.login("alice", &laptop).await;
    assert_eq!(trusted["mfa"], "TRUSTED_DEVICE", "{trusted}");
    assert!(trusted.get("pingIdPayload").is_none(), "{trusted}");
}

#[tokio::test]
async fn with_number_matching_on_auth_user_answers_1012_at_once_and_the_app_polls() {
    let (stack, primary) = alice_with_online_primary().await;
    stack.settings(|s| s.number_matching = true).await;
    let mut laptop = TestDevice::new(34);
    let waiting = stack.login("alice", &laptop).await;
    assert_eq!(status(&waiting), 1012, "{waiting}");
    assert_eq!(waiting["pushExpiresIn"], 40);
    assert_eq!(waiting["isPingIdAuthenticated"], false);
    let session = session_id(&waiting);
    stack.clock.advance(Duration::seconds(5));
    let still = stack.poll(&session).await;
    assert_eq!((status(&still), &still["pushExpiresIn"]), (1012, &json!(35)));
    assert_eq!(still["matchNumber"], waiting["matchNumber"], "the number stays while the push waits");
    primary.answer_the_push(&stack, trust_shown(&waiting)).await;
    let approved = stack.poll(&session).await;
    assert_eq!(status(&approved), 0, "{approved}");
    laptop.complete_pairing(&stack, &approved, TrustLevel::Trusted).await;
}

/// Push timeouts are set per application at the PingID SDK since 2021 ([RN-2021]
/// `pid_sdk_package_march_31_2021`); the customer server waits for, and reports, the one set.
#[tokio::test]
async fn a_longer_push_timeout_set_for_the_application_is_the_one_the_login_waits_for() {
    let options = Options { push_timeout: Some(std::time::Duration::from_secs(90)), ..Options::default() };
    let (stack, primary) = alice_with_online_primary_on(Stack::start_with(options).await).await;
    stack.settings(|s| s.number_matching = true).await;
    let waiting = stack.login("alice", &TestDevice::new(35)).await;
    assert_eq!((status(&waiting), &waiting["pushExpiresIn"]), (1012, &json!(90)), "{waiting}");
    let session = session_id(&waiting);
    stack.clock.advance(Duration::seconds(50));
    let still = stack.poll(&session).await;
    assert_eq!((status(&still), &still["pushExpiresIn"]), (1012, &json!(40)), "past 40 s, still waiting: {still}");
    primary.answer_the_push(&stack, trust_shown(&waiting)).await;
    assert_eq!(status(&stack.poll(&session).await), 0);
}

#[tokio::test]
async fn a_sign_in_allowed_once_pairs_nothing_and_the_next_one_asks_again() {
    let (stack, primary) = alice_with_online_primary().await;
    let laptop = TestDevice::new(12);
    let approved = stack.login_answered("alice", &laptop, &primary, PushAnswer::approve(None)).await;
    assert_eq!(status(&approved), 0, "{approved}");
    let flow = laptop.server_payload(&stack, &approved).await.flow;
    assert_eq!(flow, ServerFlow::Done { granted: Some(GrantedAccess::OneTime) });
    let devices = stack.sdk().get_user("alice", true).await.unwrap().devices.unwrap_or_default();
    assert_eq!(devices.len(), 1, "nothing was paired");
    let again = stack.login_answered("alice", &laptop, &primary, PushAnswer::deny()).await;
    assert_eq!(status(&again), 1014, "asked again (and denied this time): {again}");
}

#[tokio::test]
async fn a_device_the_primary_ignores_signs_in_without_mfa_until_the_interval_ends() {
    let (stack, primary) = alice_with_online_primary().await;
    let laptop = TestDevice::new(33);
    let hour = IgnoreInterval { value: 1, unit: IntervalUnit::Hours };
    let approved = stack.login_answered("alice", &laptop, &primary, PushAnswer::ignore(hour, None)).await;
    assert_eq!(status(&approved), 0, "{approved}");
    let flow = laptop.server_payload(&stack, &approved).await.flow;
    assert!(matches!(flow, ServerFlow::Done { granted: Some(GrantedAccess::Ignored { until: Some(_) }) }), "{flow:?}");
    let ignored = stack.login("alice", &laptop).await;
    assert_eq!(status(&ignored), 1023, "{ignored}");
    assert_eq!(ignored["mfa"], "SKIPPED_IGNORED_DEVICE");
    stack.clock.advance(Duration::minutes(61));
    primary.pushes(&stack).await;
    let asked = stack.login_answered("alice", &laptop, &primary, PushAnswer::deny()).await;
    assert_eq!(status(&asked), 1014, "asked again after the hour: {asked}");
}

#[tokio::test]
async fn a_web_sign_in_without_a_payload_is_approved_on_the_trusted_device() {
    let (stack, primary) = alice_with_online_primary().await;
    let login = stack.moderno(json!({"operation": "auth_user", "user": "alice", "password": common::PASSWORD}));
    let approve = async {
        let push = primary.next_push(&stack).await;
        assert!(
            push.trust_levels.is_empty() && push.requesting_device.is_none(),
            "[S-HELP]: no device to trust: {push:?}"
        );
        primary.answer(&stack, &push.authentication_id, PushAnswer::approve(None)).await;
    };
    let (approved, ()) = tokio::join!(login, approve);
    assert_eq!((status(&approved), &approved["isPingIdAuthenticated"]), (0, &json!(true)), "{approved}");
    assert!(approved.get("pingIdPayload").is_none(), "no device to tell: {approved}");
}

#[tokio::test]
async fn an_unknown_operation_is_ping_s_1000_invalid_request_type() {
    let stack = Stack::start().await;
    let answer = stack.moderno(json!({"operation": "fly_to_the_moon"})).await;
    assert_eq!(status(&answer), 1000, "[S-MOD] HostingServerServlet: {answer}");
    assert!(answer["description"].as_str().unwrap().starts_with("invalid request type"), "{answer}");
}

#[tokio::test]
async fn parallel_polls_of_an_approved_login_log_in_exactly_once() {
    let (stack, primary) = alice_with_online_primary().await;
    stack.settings(|s| s.number_matching = true).await;
    let laptop = TestDevice::new(13);
    let waiting = stack.login("alice", &laptop).await;
    let session = session_id(&waiting);
    primary.answer_the_push(&stack, trust_shown(&waiting)).await;
    let polls: Vec<_> = (0..8)
        .map(|_| {
            let (http, url) = (stack.http.clone(), format!("{}/pingidsdk", stack.customer_url));
            let body = json!({"operation": "auth_status", "sessionId": session});
            tokio::spawn(async move { http.post(url).json(&body).send().await.unwrap().json::<Value>().await.unwrap() })
        })
        .collect();
    let mut answers = Vec::new();
    for poll in polls {
        answers.push(poll.await.unwrap());
    }
    let logged_in = answers.iter().filter(|a| status(a) == 0).count();
    assert_eq!(logged_in, 1, "{answers:?}");
    assert!(answers.iter().all(|a| [0, 1000].contains(&status(a))), "{answers:?}");
}

#[tokio::test]
/// [S-MOD] `PingIdAuthenticationUtils`: every rejection but a rooted device is 1014; the words
/// say denied or blocked.
async fn a_denied_push_and_a_blocked_one_both_answer_1014_and_the_block_stays() {
    let (stack, primary) = alice_with_online_primary().await;
    let laptop = TestDevice::new(14);

    let denied = stack.login_answered("alice", &laptop, &primary, PushAnswer::deny()).await;
    assert_eq!(status(&denied), 1014, "{denied}");
    assert!(denied.get("sessionToken").is_none());

    let blocked = stack.login_answered("alice", &laptop, &primary, PushAnswer::block()).await;
    assert_eq!(status(&blocked), 1014, "{blocked}");
    assert!(blocked["description"].as_str().unwrap().contains("blocked"), "{blocked}");
    let again = stack.login("alice", &laptop).await;
    assert_eq!(status(&again), 1014, "the device stays blocked: {again}");
    assert!(again["description"].as_str().unwrap().contains("blocked"), "{again}");
}

#[tokio::test]
async fn a_wrong_number_on_the_primary_ends_the_login_with_1014_and_pairs_nothing() {
    let (stack, primary) = alice_with_online_primary().await;
    stack.settings(|s| s.number_matching = true).await;
    let laptop = TestDevice::new(32);
    let waiting = stack.login("alice", &laptop).await;
    assert_eq!(status(&waiting), 1012, "{waiting}");
    let shown = match_number(&waiting);
    assert!((10..=99).contains(&shown), "a two-digit number: {waiting}");

    let pushes = primary.pushes(&stack).await;
    assert_eq!(pushes.len(), 1, "{pushes:?}");
    let wrong = pushes[0].number_choices.iter().copied().find(|n| *n != shown).expect("another number on offer");
    primary.answer(&stack, &pushes[0].authentication_id, PushAnswer::approve(Some(wrong))).await;

    let refused = stack.poll_with_payload(&session_id(&waiting), &laptop).await;
    assert_eq!(status(&refused), 1014, "{refused}");
    assert_eq!(
        refused["description"],
        "the approving device picked a number other than the one shown here, so the login was refused"
    );
    assert!(refused.get("sessionToken").is_none() && refused.get("pingIdPayload").is_none(), "{refused}");
    assert!(refused.get("matchNumber").is_none(), "no number once the push is answered: {refused}");
    let devices = stack.sdk().get_user("alice", true).await.unwrap().devices.unwrap_or_default();
    assert_eq!(devices.len(), 1, "nothing was paired");
}

#[tokio::test]
async fn an_offline_primary_means_a_passcode_and_a_wrong_one_counts_down() {
    let stack = Stack::start().await;
    let mut primary = TestDevice::new(15);
    stack.pair_first_device("bob", &mut primary, TrustLevel::Primary).await;
    let mut laptop = TestDevice::new(16);

    let answer = stack.login("bob", &laptop).await;
    assert_eq!(status(&answer), 1015, "the primary never polled: {answer}");
    let offer = laptop.server_payload(&stack, &answer).await.flow;
    assert!(
        matches!(offer, ServerFlow::OneTimePasscode { .. }),
        "1015 carries Ping's OneTimePasscode state: {offer:?}"
    );
    let session = session_id(&answer);

    let malformed = stack.moderno(json!({"operation": "auth_offline_user", "sessionId": session, "otp": "12ab"})).await;
    assert_eq!(status(&malformed), 1020, "{malformed}");

    let right = primary.otp(&stack.clock);
    let wrong = if right == "000000" { "111111" } else { "000000" };
    let refused = stack.offline_otp(&session, wrong, None).await;
    assert_eq!(status(&refused), 1025, "{refused}");
    assert_eq!(refused["otpAttemptsLeft"], 2);
    assert_eq!(session_id(&refused), session);

    // LoginViewController.m: TRUSTED folded into the payload sent with auth_offline_user.
    let approved = stack
        .moderno(json!({"operation": "auth_offline_user", "sessionId": session, "otp": right,
            "pingIdPayload": laptop.payload_choosing(&stack.clock, TrustLevel::Trusted)}))
        .await;
    assert_eq!(status(&approved), 0, "{approved}");
    assert_eq!(approved["mfa"], "OFFLINE_OTP");
    laptop.complete_pairing(&stack, &approved, TrustLevel::Trusted).await;
    assert_eq!(stack.login("bob", &laptop).await["mfa"], "TRUSTED_DEVICE");
}

/// Ping: LOCKED after the application's limit of wrong passcodes, mapped to 1027 by the sample.
#[tokio::test]
async fn three_wrong_passcodes_lock_the_user_with_1027() {
    let stack = Stack::start().await;
    let mut primary = TestDevice::new(17);
    stack.pair_first_device("carol", &mut primary, TrustLevel::Primary).await;
    let session = session_id(&stack.login("carol", &TestDevice::new(18)).await);
    let right = primary.otp(&stack.clock);
    let wrong = if right == "000000" { "111111" } else { "000000" };
    let mut last = json!(null);
    for _ in 0..3 {
        last = stack.offline_otp(&session, wrong, None).await;
    }
    assert_eq!(status(&last), 1027, "{last}");
    let after = stack.offline_otp(&session, &right, None).await;
    assert_eq!(status(&after), 1000, "the blocked login is over: {after}");
}

#[tokio::test]
async fn a_push_nobody_answers_times_out_then_retry_sends_another() {
    let (stack, primary) = alice_with_online_primary().await;
    let laptop = TestDevice::new(19);
    let timed_out = stack.login_timed_out("alice", &laptop, &primary).await;
    assert_eq!(status(&timed_out), 1016, "{timed_out}");
    let session = session_id(&timed_out);

    primary.pushes(&stack).await;
    let retry = stack
        .moderno(json!({"operation": "retry", "sessionId": session, "pingIdPayload": laptop.payload(&stack.clock)}));
    let approve = async {
        let push = primary.next_push(&stack).await;
        primary.answer(&stack, &push.authentication_id, PushAnswer::approve(None)).await;
    };
    let (retried, ()) = tokio::join!(retry, approve);
    assert_eq!(status(&retried), 0, "[S-MOD] RetryHandler: a new push, answered: {retried}");
}

#[tokio::test]
async fn a_timed_out_push_can_be_replaced_by_the_passcode() {
    let (stack, primary) = alice_with_online_primary().await;
    let laptop = TestDevice::new(20);
    let session = session_id(&stack.login_timed_out("alice", &laptop, &primary).await);
    let otp = primary.otp(&stack.clock);
    let approved = stack.offline_otp(&session, &otp, Some(&laptop)).await;
    assert_eq!(status(&approved), 0, "{approved}");
    assert_eq!(approved["mfa"], "OFFLINE_OTP");
}

#[tokio::test]
async fn a_passcode_while_the_push_still_waits_answers_1021() {
    let (stack, primary) = alice_with_online_primary().await;
    stack.settings(|s| s.number_matching = true).await;
    let session = session_id(&stack.login("alice", &TestDevice::new(21)).await);
    let otp = primary.otp(&stack.clock);
    let answer = stack.offline_otp(&session, &otp, None).await;
    assert_eq!(status(&answer), 1021, "{answer}");
    let still = stack.poll(&session).await;
    assert_eq!(status(&still), 1012, "nothing changed: {still}");
}

#[tokio::test]
async fn cancel_ends_the_login_and_the_push() {
    let (stack, primary) = alice_with_online_primary().await;
    stack.settings(|s| s.number_matching = true).await;
    let session = session_id(&stack.login("alice", &TestDevice::new(22)).await);
    let canceled = stack.moderno(json!({"operation": "cancel", "sessionId": session})).await;
    assert_eq!(status(&canceled), 1000, "{canceled}");
    assert!(canceled["description"].as_str().unwrap().contains("canceled"));
    assert!(primary.pushes(&stack).await.is_empty(), "the push is withdrawn");
    let after = stack.poll(&session).await;
    assert_eq!(status(&after), 1000);
}

#[tokio::test]
async fn with_ignore_validation_a_new_device_pairs_without_approval() {
    let stack = Stack::start_with(Options { ignore_validation: true, ..Options::default() }).await;
    let mut first = TestDevice::new(23);
    stack.pair_first_device("dave", &mut first, TrustLevel::Primary).await;
    let mut second = TestDevice::new(24);
    let answer = stack.login("dave", &second).await;
    assert_eq!(status(&answer), 0, "{answer}");
    assert_eq!(answer["mfa"], "PAIRING");
    second.complete_pairing(&stack, &answer, TrustLevel::Trusted).await;
    let trusted = stack.login("dave", &second).await;
    assert_eq!(trusted["mfa"], "TRUSTED_DEVICE", "a paired device still signs in with its payload: {trusted}");
}

#[tokio::test]
async fn select_device_sends_the_push_to_the_chosen_device() {
    let stack = Stack::start().await;
    let mut first = TestDevice::new(26);
    stack.pair_first_device("dave", &mut first, TrustLevel::Trusted).await;
    first.pushes(&stack).await;
    let mut second = TestDevice::new(27);
    let approved = stack.login_answered("dave", &second, &first, PushAnswer::trust(None)).await;
    second.complete_pairing(&stack, &approved, TrustLevel::Trusted).await;
    second.pushes(&stack).await;

    let third = TestDevice::new(28);
    let choose = stack.login("dave", &third).await;
    assert_eq!(status(&choose), 1018, "two trusted devices, no primary: {choose}");
    let devices = choose["availableDevicesForAuthentication"].as_array().unwrap();
    assert_eq!(devices.len(), 2, "{choose}");
    let second_id = second.device_id.clone().unwrap();
    assert!(devices.iter().any(|d| d["id"] == second_id.as_str()), "{choose}");

    let missing = stack.moderno(json!({"operation": "select_device", "sessionId": session_id(&choose)})).await;
    assert_eq!(status(&missing), 1020, "{missing}");
    // Ping's apps choose by sending auth_user again with the session and the device.
    let chosen = stack.moderno(json!({"operation": "auth_user", "user": "dave", "password": common::PASSWORD,
        "sessionId": session_id(&choose), "deviceId": second_id, "pingIdPayload": third.payload(&stack.clock)}));
    let approve = async {
        let push = second.next_push(&stack).await;
        assert!(first.pushes(&stack).await.is_empty(), "the other device is not asked");
        second.answer(&stack, &push.authentication_id, PushAnswer::approve(None)).await;
    };
    let (approved, ()) = tokio::join!(chosen, approve);
    assert_eq!(status(&approved), 0, "{approved}");
    assert_eq!(approved["mfa"], "PUSH_APPROVED");
}

#[tokio::test]
async fn a_payload_from_another_device_cannot_take_over_a_session() {
    let (stack, _primary) = alice_with_online_primary().await;
    stack.settings(|s| s.number_matching = true).await;
    let session = session_id(&stack.login("alice", &TestDevice::new(29)).await);
    let intruder = TestDevice::new(30);
    let answer = stack.poll_with_payload(&session, &intruder).await;
    assert_eq!(status(&answer), 1020, "{answer}");
    let still = stack.poll(&session).await;
    assert_eq!(status(&still), 1012, "the session is untouched: {still}");
}

#[tokio::test]
async fn a_bypassed_user_logs_in_on_a_new_device_without_mfa_with_1026() {
    let (stack, _primary) = alice_with_online_primary().await;
    let until = (stack.clock.now() + Duration::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let bypass = UpdateUser { status: Some(UserStatus::Bypass), bypass_expiration: Some(until) };
    stack.sdk().update_user("alice", &bypass).await.unwrap();
    let answer = stack.login("alice", &TestDevice::new(31)).await;
    assert_eq!(status(&answer), 1026, "{answer}");
    assert_eq!(answer["mfa"], "BYPASSED");
    assert!(answer["sessionToken"].is_string());
}
