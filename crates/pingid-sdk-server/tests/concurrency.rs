//! Single-use secrets under 50 parallel redeemers: exactly one wins.

mod common;

use std::sync::Arc;

use common::{Server, TestDevice};
use moderno_wire::payload::TrustLevel;
use moderno_wire::sdk::{DetailCode, ErrorBody, ErrorCode, PairingKey};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_parallel_redemptions_of_one_pairing_key_yield_exactly_one_token() {
    let server = Arc::new(Server::start().await);
    server.settings(json!({"pairingMode": "MANUAL"})).await;
    server.create_user("alice").await.expect(StatusCode::CREATED);
    let key: PairingKey = server
        .api(Method::POST, &server.app_path("/pairingkeys"), Some(json!({"pairingData": "user:alice"})))
        .await
        .expect(StatusCode::CREATED)
        .json();
    let tasks: Vec<_> = (0..50u8)
        .map(|i| {
            let (server, key) = (server.clone(), key.id.clone());
            tokio::spawn(async move {
                let device = TestDevice::new(100 + i);
                server
                    .registration_token("alice", json!({"payload": device.payload(&server.clock), "pairingKey": key}))
                    .await
            })
        })
        .collect();
    let mut wins = 0;
    for task in tasks {
        let reply = task.await.expect("a task");
        match reply.status {
            StatusCode::CREATED => wins += 1,
            StatusCode::BAD_REQUEST => {
                // The key is spent (INVALID_VALUE on pairingKey), or the user's failed guesses
                // reached the limit (RETRY_LIMIT_EXCEEDED): Ping's codes, [S-MODEL].
                let body: ErrorBody = reply.json();
                let detail = &body.details[0];
                let spent = body.code == ErrorCode::InvalidData
                    && detail.code == DetailCode::InvalidValue
                    && detail.target.as_deref() == Some("pairingKey");
                let limited = body.code == ErrorCode::RequestFailed && detail.code == DetailCode::RetryLimitExceeded;
                assert!(spent || limited, "{body:?}");
            }
            other => panic!("unexpected {other}: {}", reply.text()),
        }
    }
    assert_eq!(wins, 1, "exactly one redemption succeeds");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_parallel_completions_of_one_registration_token_pair_exactly_once() {
    let server = Arc::new(Server::start().await);
    let device = Arc::new(TestDevice::new(1));
    let (id, secret) = server.new_user_token("alice", &device).await;
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let (server, device, id, secret) = (server.clone(), device.clone(), id.clone(), secret.clone());
            let level = if i % 2 == 0 { TrustLevel::Primary } else { TrustLevel::Trusted };
            tokio::spawn(async move { device.complete(&server, &id, &secret, level, None).await })
        })
        .collect();
    let mut wins = 0;
    for task in tasks {
        let reply = task.await.expect("a task");
        if reply.status == StatusCode::OK {
            wins += 1;
        } else {
            reply.token_refused();
        }
    }
    assert_eq!(wins, 1, "exactly one completion pairs the device");
    let devices: Vec<moderno_wire::sdk::Device> =
        server.api(Method::GET, &server.user_path("alice", "/devices"), None).await.expect(StatusCode::OK).json();
    assert_eq!(devices.len(), 1, "one device row");
}
