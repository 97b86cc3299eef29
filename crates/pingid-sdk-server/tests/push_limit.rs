//! Push bombing: at most 5 pushes per user in 10 minutes; logins that send no push are free. The
//! refusal is in Ping's words: 400 `REQUEST_FAILED` detail `RETRY_LIMIT_EXCEEDED` ([S-MODEL]
//! `ErrorCode.java`, `InternalErrorCode.java`; Ping has no 429).

mod common;

use std::sync::Arc;

use chrono::Duration;
use common::{advance, Server, TestDevice};
use moderno_wire::sdk::{Authentication, AuthenticationStatus, DetailCode, ErrorCode};
use reqwest::StatusCode;
use serde_json::json;

/// alice with an online primary.
async fn alice_online(server: &Server) -> TestDevice {
    let primary = TestDevice::new(1);
    server.user_with_primary("alice", &primary).await;
    primary.poll(server).await;
    primary
}

async fn start_from(server: &Server, device: &TestDevice) -> common::Reply {
    server.start_authentication("alice", &device.payload(&server.clock), json!({})).await
}

async fn push_started(server: &Server, device: &TestDevice) -> Authentication {
    let auth: Authentication = start_from(server, device).await.expect(StatusCode::CREATED).json();
    assert_eq!(auth.status, AuthenticationStatus::InProgress, "a push is sent");
    auth
}

fn assert_push_limited(reply: &common::Reply, retry_after: &str) {
    let body = reply.error(StatusCode::BAD_REQUEST, ErrorCode::RequestFailed);
    assert_eq!(body.details[0].code, DetailCode::RetryLimitExceeded, "{body:?}");
    assert!(body.message.contains(&format!("try again after {retry_after}")), "says when: {}", body.message);
}

#[tokio::test]
async fn a_sixth_push_within_ten_minutes_is_refused_with_retry_limit_exceeded_and_queues_nothing() {
    let server = Server::start().await;
    let primary = alice_online(&server).await;
    let laptop = TestDevice::new(2);
    for _ in 0..5 {
        push_started(&server, &laptop).await;
    }
    advance(&server, Duration::seconds(30));
    let refused = start_from(&server, &laptop).await;
    assert_push_limited(&refused, "2030-01-01T00:10:00Z");
    assert_eq!(primary.poll(&server).await.len(), 5, "no push queued by the refusal");
}

#[tokio::test]
async fn a_push_is_allowed_again_once_the_oldest_leaves_the_window() {
    let server = Server::start().await;
    let primary = alice_online(&server).await;
    let laptop = TestDevice::new(2);
    push_started(&server, &laptop).await;
    advance(&server, Duration::minutes(5));
    primary.poll(&server).await;
    for _ in 0..4 {
        push_started(&server, &laptop).await;
    }
    assert_push_limited(&start_from(&server, &laptop).await, "2030-01-01T00:10:00Z");
    advance(&server, Duration::minutes(5));
    primary.poll(&server).await;
    push_started(&server, &laptop).await;
    assert_push_limited(&start_from(&server, &laptop).await, "2030-01-01T00:15:00Z");
}

#[tokio::test]
async fn logins_that_send_no_push_are_not_counted() {
    let server = Server::start().await;
    let primary = alice_online(&server).await;
    for _ in 0..6 {
        let auth: Authentication = start_from(&server, &primary).await.expect(StatusCode::CREATED).json();
        assert_eq!(auth.status, AuthenticationStatus::Approved, "the paired device approves itself");
    }
    advance(&server, Duration::minutes(2));
    let laptop = TestDevice::new(2);
    for _ in 0..6 {
        let auth: Authentication = start_from(&server, &laptop).await.expect(StatusCode::CREATED).json();
        assert_eq!(auth.status, AuthenticationStatus::Otp, "an offline primary means an offline OTP, no push");
    }
    primary.poll(&server).await;
    for _ in 0..5 {
        push_started(&server, &laptop).await;
    }
    assert_push_limited(&start_from(&server, &laptop).await, "2030-01-01T00:12:00Z");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_parallel_starts_send_exactly_five_pushes() {
    let server = Arc::new(Server::start().await);
    let primary = alice_online(&server).await;
    let tasks: Vec<_> = (0..20u8)
        .map(|i| {
            let server = server.clone();
            tokio::spawn(async move { start_from(&server, &TestDevice::new(100 + i)).await })
        })
        .collect();
    let mut pushes = 0;
    for task in tasks {
        let reply = task.await.expect("a task");
        if reply.status == StatusCode::CREATED {
            assert_eq!(reply.json::<Authentication>().status, AuthenticationStatus::InProgress);
            pushes += 1;
        } else {
            assert_push_limited(&reply, "2030-01-01T00:10:00Z");
        }
    }
    assert_eq!(pushes, 5, "exactly the limit");
    assert_eq!(primary.poll(&server).await.len(), 5, "five pushes queued");
}
