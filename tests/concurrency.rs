//! Single-use secrets under concurrency: 50 parallel redeemers, exactly one success.

use std::sync::Arc;

use moderno_crypto::payload::open_unverified;
use moderno_device::SdkDeviceClient;
use moderno_e2e::TestStack;
use moderno_wire::device_api::CompletePairing;
use moderno_wire::payload::{ServerFlow, ServerPayloadClaims, TrustLevel};
use moderno_wire::sdk::{CreateUser, PairingKeyRequest, RegistrationTokenRequest};
use tokio::task::JoinSet;

const RACERS: usize = 50;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_pairing_key_redeemed_by_fifty_parallel_requests_succeeds_exactly_once() {
    let t = TestStack::start().await;
    t.use_manual_pairing().await;
    let sdk = t.sdk().clone();
    sdk.create_user(&CreateUser { username: "alice".into(), first_name: String::new(), last_name: String::new() })
        .await
        .expect("user");
    let key = sdk
        .create_pairing_key(&PairingKeyRequest { pairing_data: "user:alice".into() })
        .await
        .expect("a key")
        .id;

    let mut racers = JoinSet::new();
    for i in 0..RACERS {
        let device = t.device(&format!("racer-{i}")).await;
        let (sdk, key) = (sdk.clone(), key.clone());
        racers.spawn(async move {
            let request = RegistrationTokenRequest {
                payload: Some(device.device.payload()),
                pairing_key: Some(key),
                ignore_validation: false,
            };
            sdk.registration_token("alice", &request).await.is_ok()
        });
    }
    let successes = racers.join_all().await.into_iter().filter(|ok| *ok).count();
    assert_eq!(successes, 1, "exactly one of {RACERS} redemptions may succeed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_registration_token_completed_by_fifty_parallel_requests_pairs_exactly_once() {
    let t = TestStack::start().await;
    let laptop = t.device("laptop").await;
    let answer = laptop.login("alice").await;
    let payload = answer.ping_id_payload.expect("a server payload");
    let (claims, _, _): (ServerPayloadClaims, _, _) = open_unverified(&payload).expect("claims");
    let ServerFlow::TrustLevels { registration_token_id, registration_token_secret, .. } = claims.flow else {
        panic!("expected a trust-level offer");
    };
    let request = Arc::new(CompletePairing {
        registration_token_id,
        registration_token_secret,
        trust_level: TrustLevel::Primary,
        ignore_interval: None,
        device_nickname: None,
    });
    let http = moderno_device::http_client().expect("client");
    let client = Arc::new(SdkDeviceClient::new(http, t.clock.clone(), t.entropy.clone()));

    let mut racers = JoinSet::new();
    for _ in 0..RACERS {
        let (client, request, identity) = (client.clone(), request.clone(), laptop.device.identity());
        let api = claims.device_api_url.clone();
        racers.spawn(async move { client.complete_pairing(&api, identity.key(), &request).await.is_ok() });
    }
    let successes = racers.join_all().await.into_iter().filter(|ok| *ok).count();
    assert_eq!(successes, 1, "exactly one of {RACERS} completions may succeed");
    let user = t.sdk().get_user("alice", true).await.expect("alice");
    assert_eq!(user.devices.unwrap_or_default().len(), 1, "one device, not several");
}
