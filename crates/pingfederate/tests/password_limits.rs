//! The HTML Form adapter's password check under attack, over loopback HTTP: back-off between
//! failures and lockout (the security numbers: Kanidm's curve from the third consecutive failure,
//! NIST 800-63B's 100), parallel guesses that cannot slip past either (Zitadel's advisory
//! GHSA-7h8m-vrxx-vr4m), and names that are no account answered alike. PingFederate's own Account
//! Locking counts failures per user too
//! (https://docs.pingidentity.com/pingfederate/latest/administrators_reference_guide/pf_account_lockout_protection.html);
//! it publishes no answer of the authentication API for a locked user, so a throttled attempt is
//! refused as a wrong password is (400 VALIDATION_ERROR, detail CREDENTIAL_VALIDATION_FAILED) with
//! words that say to wait.

// Tests fail loudly on the first surprise.
#![allow(clippy::unwrap_used)]

mod common;

use chrono::Duration;
use common::pf::{ApiClient, Stack, PASSWORD};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// alice's consecutive failures as PingFederate's database holds them.
fn failures(stack: &Stack, username: &str) -> u32 {
    let count = stack.count("SELECT count FROM password_failures WHERE username = ?1", username);
    u32::try_from(count).unwrap()
}

async fn sign_in(client: &ApiClient, flow: &str, username: &str, password: &str) -> (StatusCode, Value) {
    client.act(flow, "checkUsernamePassword", json!({"username": username, "password": password})).await
}

/// What an answer to `checkUsernamePassword` was.
#[derive(Debug, PartialEq, Eq)]
enum Answer {
    SignedIn,
    Wrong,
    BackingOff,
}

fn answer((status, body): &(StatusCode, Value)) -> Answer {
    if *status == StatusCode::OK {
        assert_eq!(body["status"], "AUTHENTICATION_REQUIRED", "{body}");
        return Answer::SignedIn;
    }
    assert_eq!(*status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["code"], "VALIDATION_ERROR", "{body}");
    assert_eq!(body["details"][0]["code"], "CREDENTIAL_VALIDATION_FAILED", "{body}");
    let words = body["details"][0]["userMessage"].as_str().unwrap();
    if words.starts_with("Too many failed sign-in attempts. Please wait") {
        Answer::BackingOff
    } else {
        assert!(words.starts_with("We didn't recognize the username or password"), "{body}");
        Answer::Wrong
    }
}

/// A client with a flow of its own waiting for the password.
async fn client_with_flow(stack: &Stack) -> (ApiClient, String) {
    let mut client = stack.client();
    let flow = client.start_flow().await["id"].as_str().unwrap().to_string();
    (client, flow)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_guesses_after_ninety_failures_check_one_and_no_success_erases_the_count() {
    let stack = Stack::start().await;
    let (serial, flow) = client_with_flow(&stack).await;
    for i in 0..90 {
        let refused = sign_in(&serial, &flow, "alice", &format!("guess-{i}")).await;
        assert_eq!(answer(&refused), Answer::Wrong, "guess {i} waited out its back-off");
        stack.clock.advance(Duration::seconds(10));
    }
    assert_eq!(failures(&stack, "alice"), 90);

    // 39 wrong guesses and the right password, each on a flow of its own, released together.
    let mut clients = Vec::new();
    for _ in 0..40 {
        clients.push(client_with_flow(&stack).await);
    }
    let attempts: Vec<_> = clients
        .into_iter()
        .enumerate()
        .map(|(i, (client, flow))| {
            let password = if i == 39 { PASSWORD.to_string() } else { format!("parallel-{i}") };
            tokio::spawn(async move { answer(&sign_in(&client, &flow, "alice", &password).await) })
        })
        .collect();
    let mut answers = Vec::new();
    for attempt in attempts {
        answers.push(attempt.await.unwrap());
    }
    let count = |kind: Answer| answers.iter().filter(|a| **a == kind).count();
    if count(Answer::SignedIn) == 1 {
        // The right password was checked first and started the count over: the two free
        // failures and the third, which starts the back-off, are checked after it; no more.
        assert_eq!(count(Answer::Wrong), 3, "{answers:?}");
        assert_eq!(failures(&stack, "alice"), 3, "the guesses after the success still count");
    } else {
        assert_eq!(count(Answer::SignedIn), 0, "{answers:?}");
        assert_eq!(count(Answer::Wrong), 1, "one guess checked, the others wait for its back-off: {answers:?}");
        assert_eq!(failures(&stack, "alice"), 91, "nothing erased the failures");
        let (_, right) = &sign_in(&serial, &flow, "alice", PASSWORD).await;
        assert_eq!(
            answer(&(StatusCode::BAD_REQUEST, right.clone())),
            Answer::BackingOff,
            "the right password waits like the rest"
        );
        assert_eq!(
            right["details"][0]["userMessage"],
            "Too many failed sign-in attempts. Please wait 10 seconds and try again."
        );
        stack.clock.advance(Duration::seconds(10));
        assert_eq!(
            answer(&sign_in(&serial, &flow, "alice", PASSWORD).await),
            Answer::SignedIn,
            "after the wait it passes"
        );
        assert_eq!(failures(&stack, "alice"), 0, "a success starts the count over");
    }
}

/// A double click, or a person signing in from several windows: no right password is counted as
/// a failure or held back by a back-off.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_parallel_right_passwords_all_pass() {
    let stack = Stack::start().await;
    let mut clients = Vec::new();
    for _ in 0..10 {
        clients.push(client_with_flow(&stack).await);
    }
    let attempts: Vec<_> = clients
        .into_iter()
        .map(|(client, flow)| tokio::spawn(async move { answer(&sign_in(&client, &flow, "alice", PASSWORD).await) }))
        .collect();
    for attempt in attempts {
        assert_eq!(attempt.await.unwrap(), Answer::SignedIn);
    }
    assert_eq!(failures(&stack, "alice"), 0);
}

/// The answers do not tell which names are accounts: a name that is none gets the same answers,
/// word for word, at every step of the back-off and at the lock.
#[tokio::test]
async fn a_name_that_is_no_account_backs_off_and_locks_like_an_account() {
    let stack = Stack::start().await;
    let (client, flow) = client_with_flow(&stack).await;
    let mut answers: Vec<Vec<(StatusCode, Value)>> = vec![Vec::new(), Vec::new()];
    for (name, seen) in ["alice", "nobody"].into_iter().zip(answers.iter_mut()) {
        for _ in 0..4 {
            seen.push(sign_in(&client, &flow, name, "wrong-password").await);
        }
        seen.push(sign_in(&client, &flow, name, PASSWORD).await);
    }
    assert_eq!(answers[0], answers[1], "alice and nobody are answered alike");
    let kinds: Vec<Answer> = answers[0].iter().map(answer).collect();
    use Answer::{BackingOff, Wrong};
    assert_eq!(
        kinds,
        [Wrong, Wrong, Wrong, BackingOff, BackingOff],
        "two failures are free, the third makes the next wait"
    );
    assert_eq!(
        answers[0][3].1["details"][0]["userMessage"],
        "Too many failed sign-in attempts. Please wait 3 seconds and try again."
    );
    assert_eq!(failures(&stack, "alice"), 3, "attempts refused by the back-off are not counted");

    for _ in 3..100 {
        stack.clock.advance(Duration::seconds(10));
        for name in ["alice", "nobody"] {
            assert_eq!(answer(&sign_in(&client, &flow, name, "wrong-password").await), Wrong, "{name}");
        }
    }
    stack.clock.advance(Duration::days(2));
    let (client, flow) = client_with_flow(&stack).await;
    let locked = [sign_in(&client, &flow, "alice", PASSWORD).await, sign_in(&client, &flow, "nobody", PASSWORD).await];
    assert_eq!(locked[0], locked[1], "locked alike");
    assert_eq!(locked[0].0, StatusCode::BAD_REQUEST);
    assert_eq!(locked[0].1["details"][0]["message"], "locked after too many failed attempts");
    assert_eq!(failures(&stack, "alice"), 100);
    assert_eq!(failures(&stack, "nobody"), 100, "a locked name that is no account is kept past a day");
    assert_eq!(
        client.get(&flow).await.1["status"],
        "USERNAME_PASSWORD_REQUIRED",
        "the flow still waits for a password"
    );
}
