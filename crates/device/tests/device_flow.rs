//! The facade against an in-process fake of the SDK server's device API: pairing, restart,
//! pushes, device notices, offline passcode, unpairing, and the refusals on the way.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::DateTime;
use data_encoding::BASE32_NOPAD;
use moderno_ambient::{Clock, Entropy};
use moderno_crypto::device_key::{DeviceKey, DevicePublicKey};
use moderno_crypto::device_signature::{DeviceSignature, SignedRequest};
use moderno_crypto::payload::{open_mobile_payload, seal};
use moderno_crypto::totp;
use moderno_device::{
    Device, DeviceOptions, FlowState, KeyStore, KeyStoreError, MemoryKeyStore, StoredIdentity, UserSelection,
};
use moderno_wire::device_api::{
    CompletePairing, DeviceNotice, DeviceNoticeKind, DeviceState, IgnoreInterval, IntervalUnit, NoticeDevice,
    PairingCompleted, PairingOutcome, PushRequest, ServerKey, DEVICE_SIGNATURE_HEADER,
};
use moderno_wire::payload::{ServerFlow, ServerPayloadClaims, TrustLevel};
use moderno_wire::sdk::{Device as SdkDevice, DeviceRole, DeviceType};

const NOW: i64 = 1_700_000_000;
const OTP_SECRET: &[u8; 20] = b"12345678901234567890";

#[derive(Default)]
struct Seen {
    server_key_fetches: usize,
    pairings: Vec<CompletePairing>,
    answers: Vec<(String, String)>,
    unpaired: bool,
}

struct FakeDeviceApi {
    clock: Clock,
    payload_key: DeviceKey,
    devices: Mutex<HashMap<String, DevicePublicKey>>,
    seen: Mutex<Seen>,
}

struct Harness {
    api: Arc<FakeDeviceApi>,
    url: String,
    clock: Clock,
}

impl Harness {
    async fn start() -> Self {
        let clock = Clock::manual(DateTime::from_timestamp(NOW, 0).expect("time"));
        let api = Arc::new(FakeDeviceApi {
            clock: clock.clone(),
            payload_key: DeviceKey::from_seed(&[42u8; 32]),
            devices: Mutex::new(HashMap::new()),
            seen: Mutex::new(Seen::default()),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let app = axum::Router::new().fallback(handle).with_state(Arc::clone(&api));
        tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
        Self { api, url: format!("http://{addr}/pingid/v1/device"), clock }
    }

    /// What the SDK server would put in a registration token for this device's payload.
    fn claims_for(&self, device: &Device, levels: Vec<TrustLevel>) -> ServerPayloadClaims {
        let (claims, public) = open_mobile_payload(&device.payload()).expect("the device's payload opens");
        self.api.devices.lock().expect("lock").insert(claims.device_fingerprint.clone(), public);
        ServerPayloadClaims {
            v: 1,
            account_id: "acct".into(),
            application_id: "app".into(),
            username: "alice".into(),
            device_fingerprint: claims.device_fingerprint,
            device_api_url: self.url.clone(),
            flow: ServerFlow::TrustLevels {
                registration_token_id: "tok-1".into(),
                registration_token_secret: "tok-secret".into(),
                trust_levels: levels,
            },
            expires_at: NOW + 600,
        }
    }

    fn offer(&self, device: &Device, levels: Vec<TrustLevel>) -> String {
        self.sealed(&self.claims_for(device, levels))
    }

    fn sealed(&self, claims: &ServerPayloadClaims) -> String {
        seal(claims, &self.api.payload_key)
    }

    async fn open(&self, store: Arc<dyn KeyStore>) -> Device {
        self.open_with(store, DeviceOptions::default()).await
    }

    async fn open_with(&self, store: Arc<dyn KeyStore>, options: DeviceOptions) -> Device {
        Device::open_with("alice", store, self.clock.clone(), Entropy::seeded(9), options).await.expect("device opens")
    }

    fn seen(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.api.seen.lock().expect("lock")
    }
}

/// An error in Ping's words ([S-MODEL] ErrorCode.java, InternalErrorCode.java): a 401 carries no
/// detail; a refused value names its field.
fn ping_error(status: StatusCode, detail_on: Option<(&str, &str)>) -> Response {
    let code = match status {
        StatusCode::UNAUTHORIZED => "UNAUTHORIZED_REQ",
        StatusCode::NOT_FOUND => "NOT_FOUND",
        _ => "INVALID_DATA",
    };
    let details: Vec<_> = detail_on
        .map(|(detail, target)| serde_json::json!({"code": detail, "message": "m", "target": target}))
        .into_iter()
        .collect();
    let body = serde_json::json!({"id": "e1", "code": code, "message": "refused by the fake", "details": details});
    (status, Json(body)).into_response()
}

fn sdk_device(id: &str) -> SdkDevice {
    SdkDevice {
        id: id.into(),
        device_type: DeviceType::Desktop,
        device_fingerprint: "f".repeat(32),
        device_name: "Moderno Desktop on test".into(),
        device_nickname: String::new(),
        device_role: DeviceRole::Primary,
        enrollment_time: "2023-11-14T22:13:20Z".into(),
        application_id: "app".into(),
        bypass_expiration: None,
        bypassed: false,
        rooted: false,
        last_used: None,
    }
}

async fn handle(
    State(api): State<Arc<FakeDeviceApi>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    let route = path.strip_prefix("/pingid/v1/device").unwrap_or_default().to_string();
    if route == "/server-key" {
        api.seen.lock().expect("lock").server_key_fetches += 1;
        return Json(ServerKey { public_key: api.payload_key.public_key_b64() }).into_response();
    }
    let header = headers.get(DEVICE_SIGNATURE_HEADER).and_then(|v| v.to_str().ok());
    let Ok(signature) = DeviceSignature::parse(header) else {
        return ping_error(StatusCode::UNAUTHORIZED, None);
    };
    let key = api.devices.lock().expect("lock").get(&signature.fingerprint).cloned();
    let request = SignedRequest { method: method.as_str(), path: &path, query: uri.query().unwrap_or(""), body: &body };
    if key.is_none_or(|key| signature.verify(&key, &request, api.clock.unix()).is_err()) {
        return ping_error(StatusCode::UNAUTHORIZED, None);
    }
    let mut seen = api.seen.lock().expect("lock");
    match (method.as_str(), route.as_str()) {
        ("POST", "/pairings") => {
            let pairing: CompletePairing = serde_json::from_slice(&body).expect("pairing body");
            seen.pairings.push(pairing.clone());
            if pairing.registration_token_secret != "tok-secret" {
                return ping_error(StatusCode::BAD_REQUEST, Some(("INVALID_VALUE", "registrationToken")));
            }
            let answer = match pairing.trust_level {
                TrustLevel::Ignore => PairingCompleted {
                    outcome: PairingOutcome::Ignored,
                    device_id: None,
                    device_role: None,
                    otp_secret: None,
                    ignored_until: Some("2023-11-21T22:13:20Z".into()),
                },
                level => PairingCompleted {
                    outcome: PairingOutcome::Success,
                    device_id: Some("dev-1".into()),
                    device_role: Some(if level == TrustLevel::Primary {
                        DeviceRole::Primary
                    } else {
                        DeviceRole::Trusted
                    }),
                    otp_secret: Some(BASE32_NOPAD.encode(OTP_SECRET)),
                    ignored_until: None,
                },
            };
            Json(answer).into_response()
        }
        ("GET", "/pushes") => {
            assert_eq!(uri.query(), Some("waitSeconds=5"), "the long poll names its wait");
            Json(vec![PushRequest {
                authentication_id: "auth-1".into(),
                username: "alice".into(),
                title: "Sign in?".into(),
                body: "alice is signing in".into(),
                client_context: None,
                ip_address: Some("10.0.0.2".into()),
                requesting_device: None,
                trust_levels: vec![],
                number_choices: vec![37, 12, 85],
                expires_at: "2023-11-14T22:14:00Z".into(),
            }])
            .into_response()
        }
        ("POST", r) if r.starts_with("/pushes/") => {
            let answer: serde_json::Value = serde_json::from_slice(&body).expect("answer body");
            seen.answers.push((r["/pushes/".len()..].to_string(), answer["action"].as_str().unwrap_or("").to_string()));
            // The server answers with the authentication as the answer left it.
            Json(serde_json::json!({
                "id": "auth-1", "authenticationType": "AUTHENTICATE", "status": "REJECTED", "reason": "DENIED_BY_USER",
                "level": "NONE", "requiredLevel": "PUSH", "expiresAt": "2023-11-14T22:43:20Z"
            }))
            .into_response()
        }
        ("GET", "/notices") => {
            assert_eq!(uri.query(), Some("waitSeconds=0"), "the long poll names its wait");
            Json(vec![DeviceNotice {
                id: "n-1".into(),
                kind: DeviceNoticeKind::DeviceAdded,
                device: NoticeDevice {
                    device_name: "Moderno Desktop on vm".into(),
                    device_type: DeviceType::Desktop,
                    device_role: Some(DeviceRole::Trusted),
                },
                at: "2023-11-14T22:13:20Z".into(),
            }])
            .into_response()
        }
        ("GET", "/me") => Json(DeviceState {
            username: "alice".into(),
            device: sdk_device("dev-1"),
            user_devices: vec![sdk_device("dev-1")],
        })
        .into_response(),
        ("DELETE", "/me") => {
            seen.unpaired = true;
            StatusCode::NO_CONTENT.into_response()
        }
        _ => ping_error(StatusCode::NOT_FOUND, None),
    }
}

#[tokio::test]
async fn a_first_device_pairs_as_primary_survives_a_restart_answers_pushes_and_unpairs() {
    let harness = Harness::start().await;
    let store: Arc<dyn KeyStore> = Arc::new(MemoryKeyStore::new());
    let device = harness.open(Arc::clone(&store)).await;
    assert!(!device.is_paired());
    assert_eq!(store.load("alice").expect("load"), None, "a key is not saved before it pairs");

    let offer = harness.offer(&device, vec![TrustLevel::Primary, TrustLevel::Trusted, TrustLevel::Ignore]);
    let state = device.set_server_payload(&offer).await.expect("a genuine payload is read");
    assert!(
        matches!(&state, FlowState::TrustLevels { levels, username, .. } if levels.len() == 3 && username == "alice")
    );

    let completed = device
        .set_user_selection(UserSelection::Trust(TrustLevel::Primary), Some("laptop".into()))
        .await
        .expect("pairs");
    assert_eq!(completed.outcome, PairingOutcome::Success);
    assert_eq!(completed.device_role, Some(DeviceRole::Primary));
    assert_eq!(completed.otp_secret, None, "the OTP secret never leaves the SDK component");
    assert_eq!(harness.seen().pairings[0].device_nickname.as_deref(), Some("laptop"));
    let saved = store.load("alice").expect("load").expect("saved at pairing");
    assert_eq!(saved.device_id.as_deref(), Some("dev-1"));
    assert_eq!(saved.otp_secret.as_ref().map(|s| s.expose().as_slice()), Some(&OTP_SECRET[..]));

    let fingerprint = device.identity().fingerprint();
    drop(device);
    let restarted = harness.open(Arc::clone(&store)).await;
    assert!(restarted.is_paired(), "the pairing survives a restart");
    assert_eq!(restarted.identity().fingerprint(), fingerprint, "with the same key");
    assert_eq!(restarted.offline_otp(), Some(totp::code_at(OTP_SECRET, NOW)));

    let pushes = restarted.pending_pushes(Duration::from_secs(5)).await.expect("pushes");
    assert_eq!(pushes.len(), 1);
    assert_eq!(pushes[0].number_choices, [37, 12, 85], "the numbers on offer reach the device");
    let result = restarted
        .answer_push(&pushes[0].authentication_id, moderno_wire::device_api::PushAnswer::deny())
        .await
        .expect("answers");
    assert_eq!(result, moderno_device::PushResult::Refused, "read from the server's answer");
    assert_eq!(harness.seen().answers, vec![("auth-1".to_string(), "DENY".to_string())]);
    assert_eq!(restarted.state().await.expect("state").username, "alice");
    let notices = restarted.notices(Duration::ZERO).await.expect("notices");
    assert_eq!(
        moderno_device::notice_text("alice", &notices[0]),
        "alice's devices: 'Moderno Desktop on vm' (Desktop) was added as TRUSTED"
    );

    restarted.unpair().await.expect("unpairs");
    assert!(harness.seen().unpaired);
    assert!(!restarted.is_paired());
    assert_eq!(restarted.offline_otp(), None);
    assert_eq!(store.load("alice").expect("load"), None, "the key is removed on unpair");
    assert_ne!(restarted.identity().fingerprint(), fingerprint, "a later pairing uses a new key");
    assert_eq!(restarted.state().await.err().map(|e| e.code().as_str()), Some("not_paired"));
}

#[tokio::test]
async fn ignoring_keeps_the_key_so_the_ignore_applies_to_this_device_but_does_not_pair() {
    let harness = Harness::start().await;
    let store: Arc<dyn KeyStore> = Arc::new(MemoryKeyStore::new());
    let device = harness.open(Arc::clone(&store)).await;
    device
        .set_server_payload(&harness.offer(&device, vec![TrustLevel::Trusted, TrustLevel::Ignore]))
        .await
        .expect("read");
    let week = IgnoreInterval { value: 1, unit: IntervalUnit::Weeks };
    let completed = device.set_user_selection(UserSelection::Ignore(week), None).await.expect("ignored");
    assert_eq!(completed.outcome, PairingOutcome::Ignored);
    assert_eq!(harness.seen().pairings[0].ignore_interval, Some(week));
    assert!(!device.is_paired());
    let saved = store.load("alice").expect("load").expect("the key is kept");
    assert_eq!(saved.device_id, None);
    assert_eq!(harness.open(store).await.identity().fingerprint(), device.identity().fingerprint());
}

#[tokio::test]
async fn forged_payloads_and_unoffered_levels_are_refused_before_anything_is_sent() {
    let harness = Harness::start().await;
    let device = harness.open(Arc::new(MemoryKeyStore::new())).await;
    let forged = seal(&harness.claims_for(&device, vec![TrustLevel::Primary]), &DeviceKey::from_seed(&[66u8; 32]));
    assert_eq!(
        device.set_server_payload(&forged).await.err().map(|e| e.code().as_str()),
        Some("invalid_server_payload")
    );
    assert_eq!(
        device
            .set_user_selection(UserSelection::Trust(TrustLevel::Primary), None)
            .await
            .err()
            .map(|e| e.code().as_str()),
        Some("no_pairing_in_progress")
    );

    device
        .set_server_payload(&harness.offer(&device, vec![TrustLevel::Trusted, TrustLevel::Ignore]))
        .await
        .expect("read");
    let err =
        device.set_user_selection(UserSelection::Trust(TrustLevel::Primary), None).await.expect_err("not offered");
    assert_eq!(err.code(), "trust_level_not_offered");
    assert!(err.to_string().contains("no primary device"), "{err}");
    assert!(harness.seen().pairings.is_empty(), "nothing reached the server");
    assert_eq!(harness.seen().server_key_fetches, 1, "the server key is fetched once per URL");
}

#[tokio::test]
async fn a_payload_naming_another_device_api_than_the_pinned_one_is_refused() {
    let harness = Harness::start().await;
    let options = DeviceOptions {
        device_api_url: Some(url::Url::parse("https://sdk.example/pingid/v1/device").expect("url")),
        ..DeviceOptions::default()
    };
    let device = harness.open_with(Arc::new(MemoryKeyStore::new()), options).await;
    let err = device.set_server_payload(&harness.offer(&device, vec![TrustLevel::Trusted])).await.expect_err("refused");
    assert_eq!(err.code(), "invalid_server_payload");
    assert_eq!(harness.seen().server_key_fetches, 0, "no key is fetched from an untrusted URL");
}

#[tokio::test]
async fn an_sdk_refusal_arrives_with_pings_codes_and_uses_the_offer_up() {
    let harness = Harness::start().await;
    let device = harness.open(Arc::new(MemoryKeyStore::new())).await;
    let mut claims = harness.claims_for(&device, vec![TrustLevel::Trusted]);
    if let ServerFlow::TrustLevels { registration_token_secret, .. } = &mut claims.flow {
        *registration_token_secret = "stale".into();
    }
    device.set_server_payload(&harness.sealed(&claims)).await.expect("read");
    let err = device.set_user_selection(UserSelection::Trust(TrustLevel::Trusted), None).await.expect_err("refused");
    let sdk = err.sdk().expect("an SDK error");
    assert_eq!((err.code().as_str(), sdk.http_status), ("sdk_error", 400));
    assert!(sdk.has_detail(moderno_wire::sdk::DetailCode::InvalidValue), "Ping's INVALID_VALUE on registrationToken");
    assert!(!device.is_paired());
    assert_eq!(
        device
            .set_user_selection(UserSelection::Trust(TrustLevel::Trusted), None)
            .await
            .err()
            .map(|e| e.code().as_str()),
        Some("no_pairing_in_progress")
    );
}

/// Loads fine, refuses to save: a keyring that locked between start and pairing.
struct LockedOnSave;

impl KeyStore for LockedOnSave {
    fn load(&self, _: &str) -> Result<Option<StoredIdentity>, KeyStoreError> {
        Ok(None)
    }
    fn save(&self, _: &str, _: &StoredIdentity) -> Result<(), KeyStoreError> {
        Err(KeyStoreError::Unavailable("the OS keyring is locked".into()))
    }
    fn delete(&self, _: &str) -> Result<(), KeyStoreError> {
        Ok(())
    }
}

#[tokio::test]
async fn a_locked_keyring_stops_pairing_before_the_server_pairs_a_key_that_would_be_lost() {
    let harness = Harness::start().await;
    let device = harness.open(Arc::new(LockedOnSave)).await;
    device.set_server_payload(&harness.offer(&device, vec![TrustLevel::Trusted])).await.expect("read");
    let err = device.set_user_selection(UserSelection::Trust(TrustLevel::Trusted), None).await.expect_err("refused");
    assert_eq!(err.code(), "keyring_unavailable");
    assert!(harness.seen().pairings.is_empty(), "the server never saw the pairing");
}

#[tokio::test]
async fn an_unreachable_sdk_server_reads_as_such() {
    let harness = Harness::start().await;
    let device = harness.open(Arc::new(MemoryKeyStore::new())).await;
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let dead_url = format!("http://{}/pingid/v1/device", closed.local_addr().expect("addr"));
    drop(closed);
    let claims = harness.claims_for(&device, vec![TrustLevel::Trusted]);
    let offer_elsewhere = harness.sealed(&ServerPayloadClaims { device_api_url: dead_url, ..claims });
    assert_eq!(
        device.set_server_payload(&offer_elsewhere).await.err().map(|e| e.code().as_str()),
        Some("server_unreachable")
    );
}
