//! Two customer-server instances over one database behave as one server (issue 14): a device's
//! requests may alternate between them, and each single-use step — a login session's end, a
//! pairing key the customer server hands out, a transfer's approval — is taken once however many
//! requests race for it over both. On a SQLite file the two states share the file; with
//! `MODERNO_TEST_STORE=postgres`, a PostgreSQL database.

#![allow(clippy::unwrap_used)] // test harness code outside #[test] functions

mod common;

use common::{match_number, session_id, status, trust_shown, Options, Stack, TestDevice, PASSWORD};
use moderno_wire::device_api::PushAnswer;
use moderno_wire::payload::TrustLevel;
use moderno_wire::sdk::{PairingKeyRequest, PairingKeyStatus, PairingMode};
use serde_json::{json, Value};

const RACERS: usize = 50;

async fn two_instances() -> Stack {
    Stack::start_with(Options { instances: 2, ..Options::default() }).await
}

/// alice with a paired primary; `online`: it has polled for pushes.
async fn alice_with_primary(stack: &Stack, online: bool) -> TestDevice {
    let mut primary = TestDevice::new(60);
    stack.pair_first_device("alice", &mut primary, TrustLevel::Primary).await;
    if online {
        assert!(primary.pushes(stack).await.is_empty());
    }
    primary
}

/// alice signed in on instance `instance` with her primary's payload: her session token.
async fn signed_in_at(stack: &Stack, instance: usize, primary: &TestDevice) -> String {
    let login = stack
        .moderno_at(
            instance,
            json!({"operation": "auth_user", "user": "alice", "password": PASSWORD,
                "pingIdPayload": primary.payload(&stack.clock)}),
        )
        .await;
    login["sessionToken"].as_str().unwrap_or_else(|| panic!("signed in: {login}")).to_owned()
}

/// `requests[i]` sent to instance `i % 2`, all at once; the answers in the same order.
async fn race(stack: &Stack, requests: Vec<Value>) -> Vec<Value> {
    let calls: Vec<_> = requests
        .into_iter()
        .enumerate()
        .map(|(i, body)| {
            let url = format!("{}/pingidsdk", stack.customer_urls[i % stack.customer_urls.len()]);
            let http = stack.http.clone();
            tokio::spawn(async move {
                let response = http.post(url).json(&body).send().await.unwrap();
                assert_eq!(response.status(), 200, "the protocol answers 200");
                response.json::<Value>().await.unwrap()
            })
        })
        .collect();
    let mut answers = Vec::new();
    for call in calls {
        answers.push(call.await.unwrap());
    }
    answers
}

#[tokio::test]
async fn a_login_started_on_one_instance_is_polled_and_finished_on_the_other() {
    let stack = two_instances().await;
    let primary = alice_with_primary(&stack, true).await;
    stack.settings(|s| s.number_matching = true).await;
    let laptop = TestDevice::new(61);
    let waiting = stack
        .moderno_at(
            0,
            json!({"operation": "auth_user", "user": "alice", "password": PASSWORD,
            "pingIdPayload": laptop.payload(&stack.clock)}),
        )
        .await;
    assert_eq!(status(&waiting), 1012, "{waiting}");
    let session = session_id(&waiting);
    let still = stack.moderno_at(1, json!({"operation": "auth_status", "sessionId": session})).await;
    assert_eq!(status(&still), 1012, "the other instance knows the login: {still}");
    assert_eq!(still["matchNumber"], waiting["matchNumber"], "{still}");

    primary.answer_the_push(&stack, trust_shown(&waiting)).await;
    let done = stack.moderno_at(1, json!({"operation": "auth_status", "sessionId": session})).await;
    assert_eq!(status(&done), 0, "{done}");
    let token = done["sessionToken"].as_str().unwrap().to_owned();
    for instance in &stack.customers {
        assert_eq!(instance.session_user(&token).await.unwrap().as_deref(), Some("alice"), "every instance knows it");
    }
    let over = stack.moderno_at(0, json!({"operation": "auth_status", "sessionId": session})).await;
    assert_eq!(status(&over), 1000, "the first instance sees the login over: {over}");
}

#[tokio::test]
async fn fifty_polls_of_an_approved_login_over_two_instances_log_in_exactly_once() {
    let stack = two_instances().await;
    let primary = alice_with_primary(&stack, true).await;
    stack.settings(|s| s.number_matching = true).await;
    let laptop = TestDevice::new(62);
    let waiting = stack.login("alice", &laptop).await;
    assert_eq!(status(&waiting), 1012, "{waiting}");
    let session = session_id(&waiting);
    primary.answer_the_push(&stack, trust_shown(&waiting)).await;

    let answers = race(&stack, vec![json!({"operation": "auth_status", "sessionId": session}); RACERS]).await;
    let logged_in: Vec<_> = answers.iter().filter(|a| status(a) == 0).collect();
    assert_eq!(logged_in.len(), 1, "{answers:?}");
    assert!(logged_in[0]["sessionToken"].is_string(), "{answers:?}");
    for refused in answers.iter().filter(|a| status(a) != 0) {
        assert_eq!(
            (status(refused), refused["description"].as_str()),
            (1000, Some("the login session is unknown or expired; log in again")),
            "{refused}"
        );
        assert!(refused.get("sessionToken").is_none(), "{refused}");
    }
}

#[tokio::test]
async fn a_group_pairing_key_raced_by_fifty_users_over_two_instances_pairs_one_device() {
    let stack = two_instances().await;
    stack.settings(|s| s.pairing_mode = PairingMode::Manual).await;
    let users: Vec<String> = (0..RACERS).map(|i| format!("staff{i:02}")).collect();
    for user in &users {
        stack.customer.add_user(user, PASSWORD).await.unwrap();
    }
    let key =
        stack.sdk().create_pairing_key(&PairingKeyRequest { pairing_data: "group:staff".into() }).await.unwrap().id;
    let requests = users
        .iter()
        .enumerate()
        .map(|(i, user)| {
            let device = TestDevice::new(100 + u8::try_from(i).unwrap());
            json!({"operation": "auth_user", "user": user, "password": PASSWORD,
                "pingIdPayload": device.payload(&stack.clock), "pairingKey": key})
        })
        .collect();

    let answers = race(&stack, requests).await;
    let paired: Vec<_> = answers.iter().filter(|a| status(a) == 0).collect();
    assert_eq!(paired.len(), 1, "{answers:?}");
    assert_eq!(paired[0]["mfa"], "PAIRING", "{answers:?}");
    for refused in answers.iter().filter(|a| status(a) != 0) {
        assert_eq!(
            (status(refused), refused["description"].as_str()),
            (1031, Some("the pairing key is wrong, used or expired")),
            "{refused}"
        );
    }
    assert_eq!(stack.sdk().get_pairing_key(&key).await.unwrap().status, PairingKeyStatus::Used);
}

#[tokio::test]
async fn a_transfer_passcode_sent_fifty_times_over_two_instances_approves_it_once() {
    let stack = two_instances().await;
    let primary = alice_with_primary(&stack, false).await;
    let token = signed_in_at(&stack, 1, &primary).await;
    let transfer = json!({"operation": "transfer", "sessionToken": token, "sum": "250", "recipient": "Bob"});
    let offline = stack.moderno_at(0, transfer.clone()).await;
    assert_eq!(status(&offline), 1015, "{offline}");
    let mut with_otp = transfer;
    with_otp["sessionId"] = json!(session_id(&offline));
    with_otp["otp"] = json!(primary.otp(&stack.clock));

    let answers = race(&stack, vec![with_otp; RACERS]).await;
    let approved: Vec<_> = answers.iter().filter(|a| status(a) == 0).collect();
    assert_eq!(approved.len(), 1, "{answers:?}");
    assert_eq!(approved[0]["sum"], "9,750.00", "{answers:?}");
    let over = [
        "the transfer is already over",
        "the transfer is unknown, expired or already over; start it again",
        "the transfer is not waiting for a one-time passcode",
    ];
    for refused in answers.iter().filter(|a| status(a) != 0) {
        let description = refused["description"].as_str().unwrap_or_default();
        assert!([1000, 1021].contains(&status(refused)) && over.contains(&description), "{refused}");
    }
    let again = stack
        .moderno_at(
            1,
            json!({"operation": "auth_user", "user": "alice", "password": PASSWORD,
        "pingIdPayload": primary.payload(&stack.clock)}),
        )
        .await;
    assert_eq!(again["sum"], "9,750.00", "the money moved once: {again}");
}

/// The push wait needs nothing of the instance that started the transfer: a transfer started
/// on one instance (number matching answers 1012 at once) is waited for on the other, which asks
/// the SDK server until the push is answered and approves it once.
#[tokio::test]
async fn a_transfer_started_on_one_instance_is_waited_for_and_approved_on_the_other() {
    let stack = two_instances().await;
    let primary = alice_with_primary(&stack, true).await;
    stack.settings(|s| s.number_matching = true).await;
    let token = signed_in_at(&stack, 0, &primary).await;
    let waiting = stack
        .moderno_at(0, json!({"operation": "transfer", "sessionToken": token, "sum": "75", "recipient": "Bob"}))
        .await;
    assert_eq!(status(&waiting), 1012, "{waiting}");
    let number = match_number(&waiting);
    let wait_on = json!({"operation": "transfer", "sessionToken": token, "sessionId": session_id(&waiting)});
    let approve = async {
        let push = primary.next_push(&stack).await;
        primary.answer(&stack, &push.authentication_id, PushAnswer::approve(Some(number))).await;
    };
    let (approved, ()) = tokio::join!(stack.moderno_at(1, wait_on.clone()), approve);
    assert_eq!(status(&approved), 0, "{approved}");
    assert_eq!(approved["sum"], "9,925.00");
    let replayed = stack.moderno_at(0, wait_on).await;
    assert_eq!(status(&replayed), 1000, "answered 0 once, on either instance: {replayed}");
}

/// Attempts on one account take turns across instances as within one: parallel right passwords
/// (a double click, a retry) sent to three instances all pass, none refused by a back-off the
/// others would have earned had they failed.
#[tokio::test]
async fn parallel_right_passwords_over_three_instances_all_pass_the_first_factor() {
    // Turns across instances are taken in a database several instances share; a SQLite file
    // belongs to one process, whose attempts queue in memory.
    if !moderno_sql::testing::on_postgres() {
        return;
    }
    let stack = Stack::start_with(Options { instances: 3, ..Options::default() }).await;
    // Two typos first: the next failure would earn a back-off, so an attempt checked while
    // another is under way on another instance would be refused.
    for _ in 0..2 {
        let wrong = stack.http.post(format!("{}/pairing-key", stack.customer_urls[0]));
        let wrong = wrong.form(&[("username", "bob"), ("password", "not-the-password")]).send().await.unwrap();
        assert_eq!(wrong.status(), 401);
    }
    // 18 keys: the SDK server keeps at most 20 unclaimed for one pairing data.
    let calls: Vec<_> = (0..18)
        .map(|i| {
            let url = format!("{}/pairing-key", stack.customer_urls[i % 3]);
            let http = stack.http.clone();
            tokio::spawn(async move {
                let response =
                    http.post(url).form(&[("username", "bob"), ("password", PASSWORD)]).send().await.unwrap();
                (response.status().as_u16(), response.text().await.unwrap())
            })
        })
        .collect();
    for call in calls {
        let (code, page) = call.await.unwrap();
        assert_eq!(code, 200, "every right password passes: {page}");
    }
}
