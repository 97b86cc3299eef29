//! `transfer`, as Ping's Moderno sample has it ([S-MOD] `TransferHandler`, `Transactions.jsp`):
//! the signed-in user's transfer is an authentication without a mobile payload carrying the
//! transfer in `clientContext` and the push's title and body; the answer comes once the trusted
//! device answered (0 approved, 1014 denied, 1016 timed out); an offline approver asks for its
//! passcode (1015), which comes back in `transfer` itself with `otp`. Ping's page sends
//! `{operation: "transfer", sum, otp?}` with its signed-in session (here in `sessionId`) and moves
//! money between the user's own accounts. Beyond Ping: `sessionToken` names the signed-in user,
//! `recipient` the payee, and then `sessionId` the transfer a passcode is for.

#![allow(clippy::unwrap_used)] // test harness code outside #[test] functions

mod common;

use chrono::Duration;
use common::{match_number, session_id, status, Stack, TestDevice};
use moderno_wire::device_api::{PushAnswer, PushRequest};
use moderno_wire::payload::TrustLevel;
use serde_json::{json, Value};

/// alice with a paired primary, signed in on it (its payload is the second factor): the stack,
/// the primary and the session token. `online`: the primary has polled for pushes.
async fn alice_signed_in(online: bool) -> (Stack, TestDevice, String) {
    let stack = Stack::start().await;
    let mut primary = TestDevice::new(40);
    stack.pair_first_device("alice", &mut primary, TrustLevel::Primary).await;
    let login = stack.login("alice", &primary).await;
    assert_eq!(login["mfa"], "TRUSTED_DEVICE", "{login}");
    assert_eq!(login["sum"], "10,000.00", "the opening checking balance, as Ping's sample answers a login: {login}");
    let token = login["sessionToken"].as_str().unwrap().to_owned();
    if online {
        assert!(primary.pushes(&stack).await.is_empty());
    }
    (stack, primary, token)
}

fn transfer(token: &str, sum: &str, recipient: &str) -> Value {
    json!({"operation": "transfer", "sessionToken": token, "sum": sum, "recipient": recipient})
}

/// Sends `request` while the primary answers the push it gets with `answer`; returns the
/// transfer's answer and the push the primary saw.
async fn answered(stack: &Stack, primary: &TestDevice, request: Value, answer: PushAnswer) -> (Value, PushRequest) {
    let approve = async {
        let push = primary.next_push(stack).await;
        primary.answer(stack, &push.authentication_id, answer).await;
        push
    };
    tokio::join!(stack.moderno(request), approve)
}

#[tokio::test]
async fn a_transfer_approved_on_the_primary_answers_0_with_the_sum_and_the_push_says_what_it_approves() {
    let (stack, primary, token) = alice_signed_in(true).await;
    let (approved, push) =
        answered(&stack, &primary, transfer(&token, "1,250.5", "Bob"), PushAnswer::approve(None)).await;

    assert_eq!(status(&approved), 0, "{approved}");
    assert_eq!(approved["sum"], "8,749.50", "`sum` is the checking balance after it, as Ping's sample formats money");
    assert_eq!(approved["isPingIdAuthenticated"], true);
    assert_eq!(approved["mfa"], "PUSH_APPROVED");
    assert_eq!(approved["currentAuthenticatingDeviceData"]["deviceRole"], "PRIMARY", "{approved}");
    assert!(approved.get("sessionToken").is_none(), "a transfer is no login: {approved}");
    assert_eq!(push.username, "alice");
    assert_eq!(push.title, "Moderno transfer");
    assert_eq!(push.body, "Approve a transfer of €1,250.50 to Bob?");
    assert!(push.requesting_device.is_none() && push.trust_levels.is_empty(), "no new device asks: {push:?}");
    let context: Value = serde_json::from_str(push.client_context.as_deref().unwrap()).unwrap();
    assert_eq!(
        context,
        json!({"msg": "1,250.50", "transactionType": "STEP_UP", "amount": "1250.50", "currency": "EUR", "recipient": "Bob"}),
        "Ping's clientContext keys, and the transfer"
    );
}

/// Ping's page's request: the sum, the signed-in session in `sessionId`, no recipient.
fn pings_transfer(session: &str, sum: &str) -> Value {
    json!({"operation": "transfer", "sessionId": session, "sum": sum})
}

#[tokio::test]
async fn pings_request_without_a_recipient_is_pings_transfer_between_accounts_with_pings_push() {
    let (stack, primary, token) = alice_signed_in(true).await;
    let (approved, push) =
        answered(&stack, &primary, pings_transfer(&token, "1,250.5"), PushAnswer::approve(None)).await;

    assert_eq!(status(&approved), 0, "{approved}");
    assert_eq!(approved["sum"], "8,749.50", "the checking balance: 10,000.00 less the transfer: {approved}");
    assert_eq!(approved["isPingIdAuthenticated"], true);
    assert_eq!(push.username, "alice");
    assert_eq!(push.title, "Transfer Between Accounts");
    assert_eq!(push.body, "Checking -> Savings\n1,250.50");
    assert_eq!(
        push.client_context.as_deref(),
        Some(r#"{"msg":"1,250.50","transactionType":"STEP_UP"}"#),
        "Ping's clientContext exactly"
    );

    // The same with the app's bearer session and no recipient.
    let request = json!({"operation": "transfer", "sessionToken": token, "sum": "3"});
    let (approved, push) = answered(&stack, &primary, request, PushAnswer::approve(None)).await;
    assert_eq!((status(&approved), approved["sum"].as_str()), (0, Some("8,746.50")), "{approved}");
    assert_eq!((push.title.as_str(), push.body.as_str()), ("Transfer Between Accounts", "Checking -> Savings\n3.00"));
}

#[tokio::test]
async fn pings_page_sends_the_passcode_with_its_session_and_it_approves_the_transfer_waiting_there_once() {
    let (stack, primary, token) = alice_signed_in(false).await;
    let offline = stack.moderno(pings_transfer(&token, "250")).await;
    assert_eq!(status(&offline), 1015, "{offline}");
    let with_otp = |sum: &str, otp: &str| json!({"operation": "transfer", "sessionId": token, "sum": sum, "otp": otp});

    let wrong = stack.moderno(with_otp("250", "000000")).await;
    assert_eq!((status(&wrong), wrong["otpAttemptsLeft"].as_u64()), (1025, Some(2)), "{wrong}");
    let other = stack.moderno(with_otp("9,999", &primary.otp(&stack.clock))).await;
    assert_eq!(status(&other), 1020, "a passcode approves the transfer it was asked for only: {other}");
    let approved = stack.moderno(with_otp("250.00", &primary.otp(&stack.clock))).await;
    assert_eq!(status(&approved), 0, "{approved}");
    assert_eq!((approved["sum"].as_str(), approved["mfa"].as_str()), (Some("9,750.00"), Some("OFFLINE_OTP")));
    let again = stack.moderno(with_otp("250.00", &primary.otp(&stack.clock))).await;
    assert_eq!(status(&again), 1000, "nothing waits in the session any more: {again}");
}

#[tokio::test]
async fn a_session_id_names_the_signed_in_user_only_when_it_is_a_session_token() {
    let (stack, primary, token) = alice_signed_in(false).await;
    let offline = stack.moderno(transfer(&token, "250", "Bob")).await;
    assert_eq!(status(&offline), 1015, "{offline}");
    let otp = primary.otp(&stack.clock);
    // A transfer's authSessionID is no signed-in session: without the sessionToken, 1000.
    let alone = json!({"operation": "transfer", "sessionId": session_id(&offline), "otp": otp});
    let refused = stack.moderno(alone).await;
    assert_eq!(status(&refused), 1000, "{refused}");
    // With the sessionToken, the sessionId is the transfer's, as before.
    let request =
        json!({"operation": "transfer", "sessionToken": token, "sessionId": session_id(&offline), "otp": otp});
    assert_eq!(status(&stack.moderno(request).await), 0);

    let unknown = stack.moderno(pings_transfer("not-a-session", "5")).await;
    assert_eq!(status(&unknown), 1000, "{unknown}");
    stack.clock.advance(Duration::minutes(31));
    let expired = stack.moderno(pings_transfer(&token, "5")).await;
    assert_eq!(status(&expired), 1000, "{expired}");
    assert!(primary.pushes(&stack).await.is_empty(), "no push was sent");
}

#[tokio::test]
async fn a_devices_own_payload_does_not_approve_a_transfer_the_primary_is_still_asked() {
    let (stack, primary, token) = alice_signed_in(true).await;
    let mut request = transfer(&token, "20", "carol");
    request["pingIdPayload"] = json!(primary.payload(&stack.clock));
    let (approved, push) = answered(&stack, &primary, request, PushAnswer::approve(None)).await;
    assert_eq!(status(&approved), 0, "{approved}");
    assert_eq!(push.body, "Approve a transfer of €20.00 to carol?");
}

#[tokio::test]
async fn a_transfer_denied_on_the_primary_answers_1014() {
    let (stack, primary, token) = alice_signed_in(true).await;
    let (denied, _) = answered(&stack, &primary, transfer(&token, "250", "Bob"), PushAnswer::deny()).await;
    assert_eq!(status(&denied), 1014, "{denied}");
    assert!(denied.get("sum").is_none(), "{denied}");
    assert!(denied.get("authSessionID").is_none(), "a denied transfer cannot be continued: {denied}");
}

#[tokio::test]
async fn an_unanswered_push_answers_1016_and_a_passcode_still_approves_the_transfer() {
    let (stack, primary, token) = alice_signed_in(true).await;
    let expire = async {
        primary.next_push(&stack).await;
        stack.clock.advance(Duration::seconds(41));
    };
    let (timed_out, ()) = tokio::join!(stack.moderno(transfer(&token, "250", "Bob")), expire);
    assert_eq!(status(&timed_out), 1016, "{timed_out}");

    let otp = primary.otp(&stack.clock);
    let request =
        json!({"operation": "transfer", "sessionToken": token, "sessionId": session_id(&timed_out), "otp": otp});
    let approved = stack.moderno(request).await;
    assert_eq!(status(&approved), 0, "{approved}");
    assert_eq!((approved["sum"].as_str(), approved["mfa"].as_str()), (Some("9,750.00"), Some("OFFLINE_OTP")));
}

#[tokio::test]
async fn an_offline_primary_asks_for_its_passcode_which_approves_the_transfer_once() {
    let (stack, primary, token) = alice_signed_in(false).await;
    let offline = stack.moderno(transfer(&token, "250", "Bob")).await;
    assert_eq!(status(&offline), 1015, "{offline}");
    assert_eq!(offline["isPingIdAuthenticated"], false);
    assert_eq!(offline["currentAuthenticatingDeviceData"]["deviceRole"], "PRIMARY", "{offline}");
    let session = session_id(&offline);
    let with_otp = |otp: &str| {
        // Ping's page sends the same transfer again with the passcode.
        let mut request = transfer(&token, "250.00", "Bob");
        request["sessionId"] = json!(session);
        request["otp"] = json!(otp);
        request
    };

    let wrong = stack.moderno(with_otp("000000")).await;
    assert_eq!(status(&wrong), 1025, "{wrong}");
    assert_eq!(wrong["otpAttemptsLeft"], 2, "{wrong}");
    let mut other = with_otp(&primary.otp(&stack.clock));
    other["sum"] = json!("9,999");
    let refused = stack.moderno(other).await;
    assert_eq!(status(&refused), 1020, "a passcode approves the transfer it was asked for only: {refused}");

    let approved = stack.moderno(with_otp(&primary.otp(&stack.clock))).await;
    assert_eq!(status(&approved), 0, "{approved}");
    assert_eq!(approved["sum"], "9,750.00");
    assert_eq!(approved["mfa"], "OFFLINE_OTP");
    let again = stack.moderno(with_otp(&primary.otp(&stack.clock))).await;
    assert_eq!(status(&again), 1000, "an approved transfer is answered 0 once: {again}");
}

#[tokio::test]
async fn bad_input_answers_1020_and_nothing_happens() {
    let (stack, primary, token) = alice_signed_in(true).await;
    let too_long = "x".repeat(65);
    for (sum, recipient) in [
        ("0", "Bob"),
        ("-5", "Bob"),
        ("12.345", "Bob"),
        ("abc", "Bob"),
        ("100,000.01", "Bob"),
        ("250", ""),
        ("250", "   "),
        ("250", too_long.as_str()),
        ("250", "Bob\nApprove anyway"),
    ] {
        let answer = stack.moderno(transfer(&token, sum, recipient)).await;
        assert_eq!(status(&answer), 1020, "{sum:?} to {recipient:?}: {answer}");
    }
    let no_sum = stack.moderno(json!({"operation": "transfer", "sessionToken": token, "recipient": "Bob"})).await;
    assert_eq!((status(&no_sum), no_sum["description"].as_str()), (1020, Some("the field `sum` is required")));
    let otp_alone = stack
        .moderno(
            json!({"operation": "transfer", "sessionToken": token, "sum": "5", "recipient": "Bob", "otp": "123456"}),
        )
        .await;
    assert_eq!(status(&otp_alone), 1020, "{otp_alone}");
    assert!(primary.pushes(&stack).await.is_empty(), "no push was sent");

    let (approved, _) = answered(&stack, &primary, transfer(&token, "5", "Bob"), PushAnswer::approve(None)).await;
    assert_eq!(status(&approved), 0, "the next good transfer goes through: {approved}");
}

#[tokio::test]
async fn without_a_signed_in_session_nothing_is_sent() {
    let (stack, primary, token) = alice_signed_in(true).await;
    let missing =
        stack.moderno(json!({"operation": "transfer", "user": "alice", "sum": "250", "recipient": "Bob"})).await;
    assert_eq!(
        (status(&missing), missing["description"].as_str()),
        (1020, Some("the field `sessionToken` is required"))
    );
    let unknown = stack.moderno(transfer("not-a-session-token", "250", "Bob")).await;
    assert_eq!(status(&unknown), 1000, "Ping's sample answers 1000 without a session: {unknown}");
    stack.clock.advance(Duration::minutes(31));
    let expired = stack.moderno(transfer(&token, "250", "Bob")).await;
    assert_eq!(status(&expired), 1000, "the session token is idle for 30 minutes: {expired}");
    assert!(primary.pushes(&stack).await.is_empty(), "no push was sent");
}

#[tokio::test]
async fn a_transfer_waiting_for_a_passcode_is_continued_by_its_user_only() {
    let (stack, primary, token) = alice_signed_in(false).await;
    let offline = stack.moderno(transfer(&token, "250", "Bob")).await;
    assert_eq!(status(&offline), 1015, "{offline}");
    let mut bobs_phone = TestDevice::new(41);
    stack.pair_first_device("bob", &mut bobs_phone, TrustLevel::Primary).await;
    let bobs_token = stack.login("bob", &bobs_phone).await["sessionToken"].as_str().unwrap().to_owned();
    let otp = primary.otp(&stack.clock);
    let request =
        json!({"operation": "transfer", "sessionToken": bobs_token, "sessionId": session_id(&offline), "otp": otp});
    let answer = stack.moderno(request).await;
    assert_eq!(status(&answer), 1000, "{answer}");
    // alice's passcode was not spent on bob's try: it still approves her transfer.
    let request =
        json!({"operation": "transfer", "sessionToken": token, "sessionId": session_id(&offline), "otp": otp});
    assert_eq!(status(&stack.moderno(request).await), 0);
}

#[tokio::test]
async fn under_number_matching_a_transfer_answers_1012_with_the_number_and_is_continued_by_its_session_id() {
    // Number matching is beyond Ping (off by default): the number must be shown before the
    // approving device can answer, so the first answer comes at once and the app waits on.
    let (stack, primary, token) = alice_signed_in(true).await;
    stack.settings(|s| s.number_matching = true).await;
    let waiting = stack.moderno(transfer(&token, "75", "Bob")).await;
    assert_eq!(status(&waiting), 1012, "{waiting}");
    assert_eq!(waiting["pushExpiresIn"], 40, "{waiting}");
    let number = match_number(&waiting);
    let wait_on = json!({"operation": "transfer", "sessionToken": token, "sessionId": session_id(&waiting)});
    let approve = async {
        let push = primary.next_push(&stack).await;
        assert!(push.number_choices.contains(&number), "{push:?}");
        primary.answer(&stack, &push.authentication_id, PushAnswer::approve(Some(number))).await;
    };
    let (approved, ()) = tokio::join!(stack.moderno(wait_on.clone()), approve);
    assert_eq!(status(&approved), 0, "{approved}");
    assert_eq!(approved["sum"], "9,925.00");
    let replayed = stack.moderno(wait_on).await;
    assert_eq!(status(&replayed), 1000, "an approved transfer is answered 0 once: {replayed}");
}

/// Ping's sample answers a login it lets in with the checking balance in `sum` ([S-MOD]
/// `AuthenticateOfflineWithPingIDSdk`), and moves a transfer's amount from checking only when
/// checking covers it (`TransferHandler`): the next login shows what is left.
#[tokio::test]
async fn a_login_answers_the_checking_balance_and_an_uncovered_transfer_moves_nothing() {
    let (stack, primary, token) = alice_signed_in(true).await;
    let (big, _) = answered(&stack, &primary, pings_transfer(&token, "10,000.01"), PushAnswer::approve(None)).await;
    assert_eq!((status(&big), big["sum"].as_str()), (0, Some("10,000.00")), "approved, not covered: {big}");
    let (paid, _) = answered(&stack, &primary, pings_transfer(&token, "9,999.50"), PushAnswer::approve(None)).await;
    assert_eq!(paid["sum"], ".50", "Java's #,###.00 writes no leading zero: {paid}");
    let again = stack.login("alice", &primary).await;
    assert_eq!((status(&again), again["sum"].as_str()), (0, Some(".50")), "{again}");
}
