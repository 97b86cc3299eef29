//! Two PingFederate instances on one database behave as one server (issue 14): every single-use
//! secret redeemed 50 times at once, the requests split over the two, has exactly one success
//! (an authorization code; a code with its PKCE verifier; a flow's step), and a flow started on
//! one goes on on the other, its push state included. On PostgreSQL (MODERNO_TEST_STORE=postgres)
//! as deployed; on SQLite two states over one file, except where a flow's turn must cross
//! instances: on a SQLite file, which is one process's, a flow's turn is kept in memory
//! (`moderno_sql::turns`), and several instances need PostgreSQL (`docs/operations.md`).

// Tests fail loudly on the first surprise.
#![allow(clippy::unwrap_used)]

mod common;

use common::device::{approve_shown, TestDevice};
use common::pf::{token_claims, ApiClient, Stack};
use reqwest::StatusCode;
use serde_json::{json, Value};

const PARALLEL: usize = 50;

/// The first instance's client and one for each instance, alternating: request `i` goes to
/// `clients[i % 2]`.
fn split(client: &ApiClient, other: &str) -> [ApiClient; 2] {
    [client.on(&client.base), client.on(other)]
}

/// `PARALLEL` answers of `send(i, client)`, all sent at once, split over the two instances.
async fn all_at_once<'a, F, Fut>(clients: &'a [ApiClient; 2], send: F) -> Vec<(StatusCode, Value)>
where
    F: Fn(usize, &'a ApiClient) -> Fut,
    Fut: std::future::Future<Output = (StatusCode, Value)>,
{
    // Polled together on this task: every request is in flight before any answer is read.
    futures_util::future::join_all((0..PARALLEL).map(|i| send(i, &clients[i % 2]))).await
}

async fn exchange_with(client: &ApiClient, code: &str, verifier: &str) -> (StatusCode, Value) {
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("client_id", common::pf::CLIENT_ID),
        ("code_verifier", verifier),
        ("redirect_uri", common::pf::REDIRECT_URI),
    ];
    let response = client.http.post(format!("{}/as/token.oauth2", client.base)).form(&form).send().await.unwrap();
    (response.status(), response.json().await.unwrap())
}

fn invalid_grant(description: &str) -> Value {
    json!({"error": "invalid_grant", "error_description": description})
}

#[tokio::test]
async fn one_authorization_code_redeemed_50_times_over_two_instances_gives_one_token() {
    let stack = Stack::start().await;
    let other = stack.second_instance().await;
    let (client, completed) = stack.login_from_paired_device("alice", 61).await;
    assert_eq!(completed["status"], "COMPLETED", "{completed}");
    let code = completed["authorizeResponse"]["code"].as_str().unwrap().to_string();
    let clients = split(&client, &other);

    let answers = all_at_once(&clients, |_, c| c.exchange(&code)).await;
    let issued: Vec<_> = answers.iter().filter(|(status, _)| *status == StatusCode::OK).collect();
    assert_eq!(issued.len(), 1, "one token for one code: {answers:?}");
    stack.verified_claims(issued[0].1["access_token"].as_str().unwrap()).await;
    for (status, body) in answers.iter().filter(|(status, _)| *status != StatusCode::OK) {
        assert_eq!(*status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(*body, invalid_grant("the code is unknown, used or expired"));
    }
    assert_eq!(stack.count("SELECT COUNT(*) FROM codes WHERE used = 1", ""), 1);
}

#[tokio::test]
async fn a_code_with_wrong_verifiers_sent_alongside_the_right_one_over_two_instances_redeems_once_for_the_right_one() {
    let stack = Stack::start().await;
    let other = stack.second_instance().await;
    let (client, completed) = stack.login_from_paired_device("bob", 62).await;
    let code = completed["authorizeResponse"]["code"].as_str().unwrap().to_string();
    let clients = split(&client, &other);
    let right = client.verifier.clone();

    // Request 17 carries the verifier; the 49 others a verifier of their own, each wrong.
    let answers = all_at_once(&clients, |i, c| {
        let verifier = if i == 17 { right.clone() } else { format!("{right}-wrong-{i}") };
        let code = code.clone();
        async move { exchange_with(c, &code, &verifier).await }
    })
    .await;
    for (i, (status, body)) in answers.iter().enumerate() {
        if i == 17 {
            assert_eq!(*status, StatusCode::OK, "the right verifier redeems: {body}");
        } else {
            // Refused as a mismatch, or as used once the right one redeemed it.
            assert_eq!(*status, StatusCode::BAD_REQUEST, "{body}");
            let refusals = [
                invalid_grant("client, redirect_uri or code_verifier do not match the code"),
                invalid_grant("the code is unknown, used or expired"),
            ];
            assert!(refusals.contains(body), "{body}");
        }
    }
    // Used once: the right verifier again, on either instance, is refused.
    for c in &clients {
        let (status, body) = exchange_with(c, &code, &right).await;
        assert_eq!((status, body), (StatusCode::BAD_REQUEST, invalid_grant("the code is unknown, used or expired")));
    }
}

#[tokio::test]
async fn one_passcode_checked_50_times_over_two_instances_advances_the_flow_once() {
    if !moderno_sql::testing::on_postgres() {
        return; // the flow's turn crosses instances on a shared database only (above)
    }
    let stack = Stack::start().await;
    let other = stack.second_instance().await;
    stack.mfa.create_user("carol").await;
    stack.mfa.add_device("carol", "EMAIL").await;
    let mut client = stack.client();
    let (flow, _) = client.login("carol").await;
    assert_eq!(client.step(&flow, "authenticate", json!({})).await["status"], "OTP_REQUIRED");
    let code = stack.mfa.last_sent_code("carol").await;
    let clients = split(&client, &other);
    let version = stack.count("SELECT version FROM flows WHERE id = ?1", &flow);

    // Each body differs (an extra field), so none is a repeat of another: each waits for the
    // flow's turn and acts on the flow as the one before it left it.
    let answers =
        all_at_once(&clients, |i, c| c.act(&flow, "checkOtp", json!({"otp": code.clone(), "attempt": i}))).await;
    let advanced: Vec<_> = answers.iter().filter(|(status, _)| *status == StatusCode::OK).collect();
    assert_eq!(advanced.len(), 1, "{answers:?}");
    assert_eq!(advanced[0].1["status"], "MFA_COMPLETED");
    for (status, body) in answers.iter().filter(|(status, _)| *status != StatusCode::OK) {
        assert_eq!(*status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["code"], "INVALID_ACTION_ID", "{body}");
        assert_eq!(body["message"], "the action checkOtp is not allowed in status MfaCompleted", "{body}");
    }
    assert_eq!(stack.count("SELECT version FROM flows WHERE id = ?1", &flow), version + 1, "saved once");
    let completed = clients[1].step(&flow, "continueAuthentication", json!({})).await;
    token_claims(&stack, &clients[0], &completed).await;
}

#[tokio::test]
async fn one_continue_authentication_sent_50_times_over_two_instances_issues_one_code() {
    if !moderno_sql::testing::on_postgres() {
        return; // the flow's turn crosses instances on a shared database only (above)
    }
    let stack = Stack::start().await;
    let other = stack.second_instance().await;
    let phone = stack.paired_phone("dave", 63).await;
    let mut client = stack.client();
    let (flow, _) = client.login("dave").await;
    let done = client.step(&flow, "authenticate", json!({"mobilePayload": phone.mobile_payload()})).await;
    assert_eq!(done["status"], "MFA_COMPLETED", "{done}");
    let clients = split(&client, &other);

    // The same request 50 times (a client sending again): one is performed, those sent while
    // it ran answer what it left, those after it find the flow COMPLETED.
    let answers = all_at_once(&clients, |_, c| c.act(&flow, "continueAuthentication", json!({}))).await;
    let completed: Vec<_> = answers.iter().filter(|(status, _)| *status == StatusCode::OK).map(|(_, b)| b).collect();
    assert!(!completed.is_empty(), "{answers:?}");
    assert!(completed.iter().all(|body| *body == completed[0]), "one code, answered alike: {completed:?}");
    assert_eq!(completed[0]["status"], "COMPLETED");
    for (status, body) in answers.iter().filter(|(status, _)| *status != StatusCode::OK) {
        assert_eq!(*status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["code"], "INVALID_ACTION_ID", "{body}");
    }
    assert_eq!(stack.count("SELECT COUNT(*) FROM codes", ""), 1, "one code issued");
    token_claims(&stack, &clients[1], completed[0]).await;
}

#[tokio::test]
async fn a_push_answered_while_the_flow_ran_on_one_instance_is_seen_by_a_poll_on_the_other() {
    let stack = Stack::start().await;
    let other = stack.second_instance().await;
    // Five devices: PingOne has no room to pair the new one, so the adapter must remember, on
    // whichever instance sees the push approved, that a new device's payload started it.
    let phone = stack.paired_phone("alice", 64).await;
    for _ in 0..4 {
        stack.mfa.add_device("alice", "EMAIL").await;
    }
    let mut client = stack.client();
    let (flow, _) = client.login("alice").await;
    let laptop = TestDevice::new(65, "Alice's laptop", &stack.clock);
    client.step(&flow, "authenticate", json!({"mobilePayload": laptop.mobile_payload()})).await;
    let waiting =
        client.step(&flow, "selectDevice", json!({"deviceRef": {"id": phone.device_id.as_deref().unwrap()}})).await;
    assert_eq!(waiting["status"], "PUSH_CONFIRMATION_WAITING", "{waiting}");
    let on_b = client.on(&other);
    assert_eq!(on_b.step(&flow, "poll", json!({})).await["status"], "PUSH_CONFIRMATION_WAITING");

    let (status, _) = phone.answer_next_push(&stack.mfa.url, approve_shown(&waiting)).await;
    assert_eq!(status, StatusCode::OK);
    let seen = on_b.step(&flow, "poll", json!({})).await;
    assert_eq!(seen["status"], "MFA_COMPLETED", "{seen}");
    assert_eq!(client.get(&flow).await.1["status"], "MFA_COMPLETED", "the first instance reads the same");
    let done = client.step(&flow, "continueAuthentication", json!({})).await;
    let claims = token_claims(&stack, &on_b, &done).await;
    assert_eq!(claims["pingone.mfa.status"], "com.pingidentity.pingone.pairing_error");
}

#[tokio::test]
async fn both_instances_answer_the_heartbeat_and_the_health_check() {
    let stack = Stack::start().await;
    let other = stack.second_instance().await;
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    for base in [stack.pf_url.as_str(), other.as_str()] {
        let heartbeat = http.get(format!("{base}/pf/heartbeat.ping")).send().await.unwrap();
        assert_eq!(heartbeat.status(), StatusCode::OK);
        assert_eq!(heartbeat.text().await.unwrap(), "OK");
        let health = http.get(format!("{base}/health")).send().await.unwrap();
        assert_eq!(health.status(), StatusCode::OK);
        assert_eq!(health.json::<Value>().await.unwrap(), json!({"status": "UP"}));
    }
}

#[tokio::test]
async fn fifty_parallel_guesses_over_two_instances_are_checked_only_up_to_the_back_off() {
    let stack = Stack::start().await;
    let other = stack.second_instance().await;
    // Each guess on a flow of its own (the turn of one flow would queue them anyway).
    let mut flows = Vec::new();
    for i in 0..PARALLEL {
        let mut client = stack.client();
        let flow = client.start_flow().await["id"].as_str().unwrap().to_string();
        flows.push((if i % 2 == 0 { client } else { client.on(&other) }, flow));
    }
    let guesses = flows.iter().enumerate().map(|(i, (client, flow))| {
        client.act(flow, "checkUsernamePassword", json!({"username": "alice", "password": format!("guess-{i}")}))
    });
    let answers = futures_util::future::join_all(guesses).await;
    let words: Vec<&str> = answers
        .iter()
        .map(|(status, body)| {
            assert_eq!(*status, StatusCode::BAD_REQUEST, "{body}");
            assert_eq!(body["details"][0]["code"], "CREDENTIAL_VALIDATION_FAILED", "{body}");
            body["details"][0]["userMessage"].as_str().unwrap()
        })
        .collect();
    // The first two failures cost nothing, the third starts the back-off (3 s on a clock that
    // does not move here): every later guess, on either instance, is refused unchecked.
    let checked = words.iter().filter(|w| w.starts_with("We didn't recognize the username or password")).count();
    let held = words.iter().filter(|w| w.starts_with("Too many failed sign-in attempts. Please wait")).count();
    assert_eq!((checked, held), (3, PARALLEL - 3), "{words:?}");
    assert_eq!(stack.count("SELECT count FROM password_failures WHERE username = ?1", "alice"), 3);
}
