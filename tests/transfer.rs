//! A transfer end to end ([S-MOD] `TransferHandler`): the signed-in app sends money with
//! `moderno_device::transfer`, the customer server asks the PingID SDK server, and alice's primary
//! device gets a push that says what it approves (the amount and the recipient, in the push's
//! text and its `clientContext`); approving sends the money, denying does not, and an offline
//! primary's passcode approves it instead.

use std::time::Duration;

use moderno_device::transfer::{enter_passcode, send_transfer, TransferOrder, TransferOutcome};
use moderno_e2e::{TestDevice, TestStack};
use moderno_wire::device_api::{PushAnswer, PushRequest};
use moderno_wire::moderno::{MfaOutcome, Status};
use moderno_wire::payload::TrustLevel;
use moderno_wire::sdk::DeviceRole;
use serde_json::{json, Value};

/// alice's laptop, paired as her primary and signed in (its payload is the second factor), with
/// its session token.
async fn alice_on_her_laptop(stack: &TestStack) -> (TestDevice, String) {
    let laptop = stack.device("laptop").await;
    laptop.pair_first("alice", TrustLevel::Primary).await;
    let login = laptop.login("alice").await;
    assert_eq!((login.status, login.mfa), (Status::Ok, Some(MfaOutcome::TrustedDevice)), "{login:?}");
    let token = login.session_token.expect("a signed-in answer carries a session token");
    (laptop, token)
}

/// Waits for the next push on `approver`, answers it, and returns it.
async fn answer_next_push(approver: &TestDevice, answer: PushAnswer) -> PushRequest {
    for _ in 0..20 {
        let pushes = approver.device.pending_pushes(Duration::from_secs(2)).await.expect("the device API answers");
        if let Some(push) = pushes.into_iter().next() {
            approver.device.answer_push(&push.authentication_id, answer).await.expect("the answer is taken");
            return push;
        }
    }
    panic!("no push reached the approving device");
}

fn client_context(push: &PushRequest) -> Value {
    serde_json::from_str(push.client_context.as_deref().expect("a transfer push carries a client context"))
        .expect("the client context is JSON")
}

#[tokio::test]
async fn the_primary_sees_the_amount_and_recipient_and_its_approval_sends_the_money() {
    let stack = TestStack::start().await;
    let (laptop, token) = alice_on_her_laptop(&stack).await;
    laptop.go_online().await;
    let order = TransferOrder::new(25_000, "Bob").expect("a good order");

    let (outcome, push) = tokio::join!(
        send_transfer(&laptop.moderno, &token, &order, None),
        answer_next_push(&laptop, PushAnswer::approve(None)),
    );
    assert_eq!(push.body, "Approve a transfer of €250.00 to Bob?", "{push:?}");
    assert_eq!(
        client_context(&push),
        json!({"msg": "250.00", "transactionType": "STEP_UP", "amount": "250.00", "currency": "EUR", "recipient": "Bob"})
    );
    match outcome.expect("the customer server answers") {
        TransferOutcome::Approved { sum, mfa, approver } => {
            assert_eq!((sum.as_str(), mfa), ("250.00", Some(MfaOutcome::PushApproved)));
            assert_eq!(approver.map(|d| d.device_role), Some(DeviceRole::Primary));
        }
        other => panic!("expected the transfer approved, got {other:?}"),
    }
}

#[tokio::test]
async fn a_transfer_the_primary_denies_is_not_made() {
    let stack = TestStack::start().await;
    let (laptop, token) = alice_on_her_laptop(&stack).await;
    laptop.go_online().await;
    let order = TransferOrder::new(999_900, "Mallory").expect("a good order");

    let (outcome, push) = tokio::join!(
        send_transfer(&laptop.moderno, &token, &order, None),
        answer_next_push(&laptop, PushAnswer::deny()),
    );
    assert_eq!(client_context(&push)["amount"], "9999.00");
    assert_eq!(client_context(&push)["recipient"], "Mallory");
    assert_eq!(push.body, "Approve a transfer of €9,999.00 to Mallory?");
    assert!(
        matches!(outcome.expect("the customer server answers"), TransferOutcome::Denied { .. }),
        "a denied transfer is not made"
    );
}

#[tokio::test]
async fn an_offline_primarys_passcode_approves_the_transfer() {
    let stack = TestStack::start().await;
    let (laptop, token) = alice_on_her_laptop(&stack).await;
    // The laptop has not polled for pushes: the SDK server counts it offline.
    let order = TransferOrder::new(4_250, "Bob").expect("a good order");
    let outcome = send_transfer(&laptop.moderno, &token, &order, None).await.expect("the customer server answers");
    let TransferOutcome::NeedsPasscode { pending, wrong: false, .. } = outcome else {
        panic!("expected a passcode to be asked for, got {outcome:?}");
    };
    let otp = laptop.device.offline_otp().expect("a paired device shows a passcode");
    let approved = enter_passcode(&laptop.moderno, &token, &pending, &otp).await.expect("the customer server answers");
    assert!(
        matches!(&approved, TransferOutcome::Approved { sum, mfa: Some(MfaOutcome::OfflineOtp), .. } if sum == "42.50"),
        "{approved:?}"
    );
}
