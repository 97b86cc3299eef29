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
    let key = sdk.create_pairing_key(&PairingKeyRequest { pairing_data: "user:alice".into() }).await.expect("a key").id;

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

    let api = reqwest::Url::parse(&claims.device_api_url).expect("the payload's device API URL");
    let mut racers = JoinSet::new();
    for _ in 0..RACERS {
        let (client, request, identity) = (client.clone(), request.clone(), laptop.device.identity());
        let api = api.clone();
        racers.spawn(async move { client.complete_pairing(&api, identity.key(), &request).await.is_ok() });
    }
    let successes = racers.join_all().await.into_iter().filter(|ok| *ok).count();
    assert_eq!(successes, 1, "exactly one of {RACERS} completions may succeed");
    let user = t.sdk().get_user("alice", true).await.expect("alice");
    assert_eq!(user.devices.unwrap_or_default().len(), 1, "one device, not several");
}

/// Security numbers: parallel attempts must not bypass a limit (Zitadel's advisory
/// GHSA-7h8m-vrxx-vr4m). Ping: wrong offline passcodes lock the user after the application's
/// `otpMaxFailures` (3) [D-AUTH] [RN-2019]. Forty wrong passcodes and the right one, released
/// together at the customer server: at most three are checked, whatever the order.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forty_parallel_wrong_passcodes_and_the_right_one_get_at_most_three_checks() {
    use moderno_wire::moderno::Status;
    let t = TestStack::start().await;
    let primary = t.device("primary").await;
    primary.pair_first("alice", TrustLevel::Primary).await;
    let tablet = Arc::new(t.device("tablet").await);
    let first = tablet.login("alice").await;
    assert_eq!(first.status, Status::OtpRequired, "{first:?}");
    let session = first.session_id.clone().expect("a session");
    let right = primary.device.offline_otp().expect("a code");
    let wrong = if right == "000000" { "111111".to_owned() } else { "000000".to_owned() };

    let mut racers = JoinSet::new();
    for n in 0..41 {
        let (tablet, session) = (Arc::clone(&tablet), session.clone());
        let code = if n == 20 { right.clone() } else { wrong.clone() };
        racers.spawn(async move {
            tablet.moderno.auth_offline_user(&session, &code, None).await.expect("an answer").status
        });
    }
    let mut answers = Vec::new();
    while let Some(answer) = racers.join_next().await {
        answers.push(answer.expect("a racer"));
    }
    let wrong_and_counted = answers.iter().filter(|s| **s == Status::InvalidOtp).count();
    let signed_in = answers.iter().filter(|s| **s == Status::Ok).count();
    assert!(wrong_and_counted <= 2, "the third wrong passcode locks: {answers:?}");
    assert!(signed_in <= 1, "{answers:?}");
    if signed_in == 0 {
        // The lock came first: it holds for the right code too, on a new login.
        let again = tablet.login("alice").await;
        let still = tablet
            .moderno
            .auth_offline_user(&again.session_id.clone().unwrap_or_default(), &right, None)
            .await
            .expect("an answer");
        assert_ne!(still.status, Status::Ok, "locked: {still:?}");
    }
}
