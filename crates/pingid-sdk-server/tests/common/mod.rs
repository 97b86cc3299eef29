//! A real server on loopback with a manual clock, a signing client, and test devices.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use moderno_ambient::{Clock, Entropy};
use moderno_crypto::device_key::{DeviceKey, DevicePublicKey};
use moderno_crypto::device_signature::{self, SignedRequest};
use moderno_crypto::payload::{open_server_payload, seal};
use moderno_crypto::pingid_hmac::{ApiCredentials, RequestParts};
use moderno_sql::Location;
use moderno_wire::device_api::{CompletePairing, PairingCompleted, PushAnswer, ServerKey, DEVICE_SIGNATURE_HEADER};
use moderno_wire::payload::{MobilePayloadClaims, ServerFlow, ServerPayloadClaims, TrustLevel, PAYLOAD_VERSION};
use moderno_wire::sdk::{DetailCode, DeviceType, ErrorBody, ErrorCode};
use pingid_sdk_server::{SdkConfig, SdkState, DEMO_APPLICATION_ID};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

pub const APP: &str = DEMO_APPLICATION_ID;

pub fn start_time() -> DateTime<Utc> {
    DateTime::from_timestamp(1_893_456_000, 0).expect("a valid time") // 2030-01-01T00:00:00Z
}

pub struct Server {
    pub base: String,
    pub clock: Clock,
    pub creds: ApiCredentials,
    pub client: reqwest::Client,
    pub state: SdkState,
    pub config: SdkConfig,
    /// Where the state is: a SQLite file, or with MODERNO_TEST_STORE=postgres a database of this
    /// test's own. Every instance of one test shares it.
    pub location: Location,
    request_ids: AtomicU64,
    dir: Arc<tempfile::TempDir>,
    /// The test's own look into the database (opened on first use).
    look: std::sync::OnceLock<moderno_sql::Database>,
}

#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("expected JSON ({e}), got {} {}", self.status, self.text()))
    }

    pub fn value(&self) -> Value {
        self.json()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The error body, after checking the status.
    pub fn error(&self, status: StatusCode, code: ErrorCode) -> ErrorBody {
        assert_eq!(self.status, status, "expected {status}, got {}: {}", self.status, self.text());
        let body: ErrorBody = self.json();
        assert_eq!(body.code, code, "expected code {code:?}: {}", self.text());
        assert_eq!(body.id.len(), 36, "an error id is a UUID: {}", self.text());
        body
    }

    /// Checks a 400 refusal with this detail code.
    pub fn refused(&self, detail: DetailCode) -> ErrorBody {
        assert_eq!(
            self.status,
            StatusCode::BAD_REQUEST,
            "expected 400 {detail:?}, got {}: {}",
            self.status,
            self.text()
        );
        let body: ErrorBody = self.json();
        assert!(body.details.iter().any(|d| d.code == detail), "expected detail {detail:?}: {}", self.text());
        body
    }

    /// Checks a 400 with this top-level code and a detail naming `target` (Ping's error body,
    /// [D-ERR]: the detail's `target` is the field or resource it is about).
    pub fn refused_on(&self, code: ErrorCode, detail: DetailCode, target: &str) -> ErrorBody {
        let body = self.error(StatusCode::BAD_REQUEST, code);
        let found = body.details.iter().any(|d| d.code == detail && d.target.as_deref() == Some(target));
        assert!(found, "expected detail {detail:?} on {target}: {}", self.text());
        body
    }

    /// A registration token the device API will not complete: 400 `INVALID_DATA` detail
    /// `INVALID_VALUE` on `registrationToken` (Ping's codes, [S-MODEL] InternalErrorCode.java).
    pub fn token_refused(&self) -> ErrorBody {
        self.refused_on(ErrorCode::InvalidData, DetailCode::InvalidValue, "registrationToken")
    }

    pub fn expect(&self, status: StatusCode) -> &Self {
        assert_eq!(self.status, status, "expected {status}, got {}: {}", self.status, self.text());
        self
    }
}

impl Server {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(adjust: impl FnOnce(&mut SdkConfig)) -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let location = moderno_sql::testing::location(dir.path().join("sdk.sqlite3"));
        Self::start_at(Arc::new(dir), location, Clock::manual(start_time()), 0, adjust).await
    }

    /// Another instance on this one's database (its own port, connections, entropy and request
    /// ids: the database remembers every instance's; the same clock), as a QA server's instances
    /// behind one address are.
    pub async fn another_instance(&self, adjust: impl FnOnce(&mut SdkConfig)) -> Self {
        static INSTANCES: AtomicU64 = AtomicU64::new(1);
        let instance = INSTANCES.fetch_add(1, Ordering::Relaxed);
        Self::start_at(self.dir.clone(), self.location.clone(), self.clock.clone(), instance, adjust).await
    }

    async fn start_at(
        dir: Arc<tempfile::TempDir>,
        location: Location,
        clock: Clock,
        instance: u64,
        adjust: impl FnOnce(&mut SdkConfig),
    ) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
        let base = format!("http://{}", listener.local_addr().expect("a local address"));
        let mut config = SdkConfig::demo(dir.path().join("sdk.sqlite3"), base.clone());
        match &location {
            Location::File(path) => config.db_path = path.clone(),
            Location::Postgres(url) => config.database_url = Some(url.into()),
        }
        config.secrets_seed = Some([42u8; 32].into());
        adjust(&mut config);
        let state =
            SdkState::open(config.clone(), clock.clone(), Entropy::seeded(7 + instance)).expect("the state opens");
        let app = pingid_sdk_server::app(state.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let creds = ApiCredentials::new(&config.account_id, &config.account_token, &config.api_key_b64)
            .expect("demo credentials");
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(std::time::Duration::from_secs(60))
            .build()
            .expect("a client");
        Self {
            base,
            clock,
            creds,
            client,
            state,
            config,
            location,
            request_ids: AtomicU64::new(instance * 1_000_000 + 1),
            dir,
            look: Default::default(),
        }
    }

    /// One number the database answers to `sql` (a count), read beside the server.
    pub fn count(&self, sql: &str) -> i64 {
        self.look().blocking(|conn| conn.query_row(sql, (), |r| r.get::<_, i64>(0))).expect("a number")
    }

    /// Changes the database beside the server (what an operator or another release might do).
    pub fn execute(&self, sql: &str) {
        self.look().blocking(|conn| conn.execute_batch(sql)).expect("the statement runs");
    }

    fn look(&self) -> &moderno_sql::Database {
        self.look.get_or_init(|| {
            moderno_sql::Database::open(&self.location, &pingid_sdk_server::SCHEMAS).expect("the database opens")
        })
    }

    pub fn account_path(&self, rest: &str) -> String {
        format!("/pingid/v1/accounts/{}{rest}", self.config.account_id)
    }

    pub fn app_path(&self, rest: &str) -> String {
        self.account_path(&format!("/applications/{APP}{rest}"))
    }

    pub fn user_path(&self, username: &str, rest: &str) -> String {
        self.app_path(&format!("/users/{username}{rest}"))
    }

    pub fn next_request_id(&self) -> String {
        format!("00000000-0000-4000-8000-{:012}", self.request_ids.fetch_add(1, Ordering::Relaxed))
    }

    /// The `Authorization` value for a request signed now with the server's credentials.
    pub fn authorization(&self, method: &Method, path_and_query: &str, body: &[u8], request_id: &str) -> String {
        let (path, query) = split_query(path_and_query);
        let parts = RequestParts { method: method.as_str(), host: "127.0.0.1", path, query, body };
        self.creds.authorize(&parts, self.clock.now(), request_id)
    }

    /// Sends a request as given, checks that the answer is signed, and returns it.
    pub async fn raw(&self, method: Method, path_and_query: &str, headers: &[(&str, String)], body: Vec<u8>) -> Reply {
        let mut request = self.client.request(method, format!("{}{path_and_query}", self.base)).body(body);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let response = request.send().await.expect("the server answers");
        let reply = Reply {
            status: response.status(),
            headers: response.headers().clone(),
            body: response.bytes().await.expect("a body").to_vec(),
        };
        self.assert_signed(&reply);
        reply
    }

    /// Every answer carries a valid `X-PINGID-Signature` and the sample's `X-PINGID-Singature`.
    pub fn assert_signed(&self, reply: &Reply) {
        let signature = reply.headers.get("x-pingid-signature").and_then(|v| v.to_str().ok());
        let misspelt = reply.headers.get("x-pingid-singature").and_then(|v| v.to_str().ok());
        assert!(signature.is_some() && signature == misspelt, "both signature headers: {:?}", reply.headers);
        self.creds
            .verify_response(signature, &reply.body, self.clock.now())
            .unwrap_or_else(|e| panic!("the response signature verifies ({e}): {}", reply.text()));
    }

    /// A PINGID-HMAC signed JSON request.
    pub async fn api(&self, method: Method, path_and_query: &str, body: Option<Value>) -> Reply {
        let bytes = body.map(|b| serde_json::to_vec(&b).expect("JSON")).unwrap_or_default();
        let auth = self.authorization(&method, path_and_query, &bytes, &self.next_request_id());
        let mut headers = vec![("authorization", auth)];
        if !bytes.is_empty() {
            headers.push(("content-type", "application/json".to_string()));
        }
        self.raw(method, path_and_query, &headers, bytes).await
    }

    pub async fn create_user(&self, username: &str) -> Reply {
        self.api(
            Method::POST,
            &self.account_path("/users"),
            Some(json!({"username": username, "firstName": "Test", "lastName": "User"})),
        )
        .await
    }

    pub async fn settings(&self, change: Value) {
        let mut current = self.api(Method::GET, &self.app_path("/settings"), None).await.value();
        if let (Some(current), Some(change)) = (current.as_object_mut(), change.as_object()) {
            current.extend(change.clone());
        }
        self.api(Method::PUT, &self.app_path("/settings"), Some(current)).await.expect(StatusCode::OK);
    }

    pub async fn registration_token(&self, username: &str, body: Value) -> Reply {
        self.api(Method::POST, &self.user_path(username, "/registrationtokens"), Some(body)).await
    }

    pub async fn server_key(&self) -> DevicePublicKey {
        let reply = self.raw(Method::GET, "/pingid/v1/device/server-key", &[], Vec::new()).await;
        let key: ServerKey = reply.expect(StatusCode::OK).json();
        DevicePublicKey::from_b64(&key.public_key).expect("a server key")
    }

    /// Opens a registration token's server payload: (token id, secret, levels offered).
    pub async fn open_token(&self, reply: &Reply) -> (ServerPayloadClaims, String, String, Vec<TrustLevel>) {
        let value = reply.expect(StatusCode::CREATED).value();
        let payload = value["payload"].as_str().expect("a server payload");
        let claims = open_server_payload(payload, &self.server_key().await).expect("the server payload opens");
        let ServerFlow::TrustLevels { registration_token_id, registration_token_secret, trust_levels } =
            claims.flow.clone()
        else {
            panic!("expected TRUST_LEVELS: {claims:?}");
        };
        (claims, registration_token_id, registration_token_secret, trust_levels)
    }

    /// A new user and a registration token for `device`: (token id, token secret).
    pub async fn new_user_token(&self, username: &str, device: &TestDevice) -> (String, String) {
        self.create_user(username).await.expect(StatusCode::CREATED);
        let reply = self.registration_token(username, json!({"payload": device.payload(&self.clock)})).await;
        let (_, id, secret, _) = self.open_token(&reply).await;
        (id, secret)
    }

    /// Registration token then device completion; panics unless both succeed.
    pub async fn pair(&self, username: &str, device: &TestDevice, level: TrustLevel, body: Value) -> PairingCompleted {
        let mut request = json!({"payload": device.payload(&self.clock)});
        if let (Some(r), Some(extra)) = (request.as_object_mut(), body.as_object()) {
            r.extend(extra.clone());
        }
        let reply = self.registration_token(username, request).await;
        let (_, id, secret, _) = self.open_token(&reply).await;
        let completion = device.complete(self, &id, &secret, level, None).await;
        completion.expect(StatusCode::OK).json()
    }

    /// A user with a primary device (returns its id and TOTP secret).
    pub async fn user_with_primary(&self, username: &str, device: &TestDevice) -> PairingCompleted {
        self.create_user(username).await.expect(StatusCode::CREATED);
        self.pair(username, device, TrustLevel::Primary, json!({})).await
    }

    pub async fn start_authentication(&self, username: &str, payload: &str, extra: Value) -> Reply {
        let mut body = json!({"authenticationType": "AUTHENTICATE", "payload": payload});
        if let (Some(b), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(extra.clone());
        }
        self.api(Method::POST, &self.user_path(username, "/authentications"), Some(body)).await
    }

    pub async fn authentication(&self, username: &str, id: &str) -> Reply {
        self.api(Method::GET, &self.user_path(username, &format!("/authentications/{id}")), None).await
    }

    pub async fn otp(&self, username: &str, id: &str, otp: &str) -> Reply {
        self.api(
            Method::PUT,
            &self.user_path(username, &format!("/authentications/{id}/otp")),
            Some(json!({"otp": otp})),
        )
        .await
    }
}

pub fn split_query(path_and_query: &str) -> (&str, Option<&str>) {
    match path_and_query.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (path_and_query, None),
    }
}

/// The current TOTP code for a base32 secret.
pub fn totp_now(secret_b32: &str, clock: &Clock) -> String {
    let secret = data_encoding::BASE32_NOPAD.decode(secret_b32.as_bytes()).expect("a base32 secret");
    moderno_crypto::totp::code_at(&secret, clock.unix())
}

/// A device with its own key, making payloads and signed device-API calls.
pub struct TestDevice {
    pub key: DeviceKey,
    pub name: String,
    nonces: AtomicU64,
}

impl TestDevice {
    pub fn new(seed: u8) -> Self {
        Self { key: DeviceKey::from_seed(&[seed; 32]), name: format!("Desktop {seed}"), nonces: AtomicU64::new(1) }
    }

    pub fn fingerprint(&self) -> String {
        self.key.fingerprint()
    }

    fn fresh_nonce(&self) -> String {
        format!("{:016x}{:016x}", u64::from(self.key.seed().expose()[0]), self.nonces.fetch_add(1, Ordering::Relaxed))
    }

    pub fn claims(&self, clock: &Clock) -> MobilePayloadClaims {
        MobilePayloadClaims {
            v: PAYLOAD_VERSION,
            device_fingerprint: self.key.fingerprint(),
            public_key: self.key.public_key_b64(),
            device_type: DeviceType::Desktop,
            device_name: self.name.clone(),
            os_version: "Linux 6.8".into(),
            app_version: "0.1.0".into(),
            rooted: false,
            nonce: self.fresh_nonce(),
            issued_at: clock.unix(),
            user_selection: None,
        }
    }

    pub fn payload(&self, clock: &Clock) -> String {
        seal(&self.claims(clock), &self.key)
    }

    pub fn payload_with(&self, clock: &Clock, change: impl FnOnce(&mut MobilePayloadClaims)) -> String {
        let mut claims = self.claims(clock);
        change(&mut claims);
        seal(&claims, &self.key)
    }

    /// The signature header for a device-API request at the server's clock.
    pub fn sign(&self, server: &Server, method: &Method, path_and_query: &str, body: &[u8]) -> String {
        let (path, query) = split_query(path_and_query);
        let request = SignedRequest { method: method.as_str(), path, query: query.unwrap_or(""), body };
        device_signature::sign(&self.key, &request, server.clock.unix(), &self.fresh_nonce())
    }

    /// A signed device-API call; `rest` is the path after `/pingid/v1/device`.
    pub async fn call(&self, server: &Server, method: Method, rest: &str, body: Option<Value>) -> Reply {
        let path = format!("/pingid/v1/device{rest}");
        let bytes = body.map(|b| serde_json::to_vec(&b).expect("JSON")).unwrap_or_default();
        let mut headers = vec![(DEVICE_SIGNATURE_HEADER, self.sign(server, &method, &path, &bytes))];
        if !bytes.is_empty() {
            headers.push(("content-type", "application/json".to_string()));
        }
        server.raw(method, &path, &headers, bytes).await
    }

    pub async fn complete(
        &self,
        server: &Server,
        token_id: &str,
        secret: &str,
        level: TrustLevel,
        interval: Option<Value>,
    ) -> Reply {
        let mut body = serde_json::to_value(CompletePairing {
            registration_token_id: token_id.into(),
            registration_token_secret: secret.into(),
            trust_level: level,
            ignore_interval: None,
            device_nickname: None,
        })
        .expect("JSON");
        if let Some(interval) = interval {
            body["ignoreInterval"] = interval;
        }
        self.call(server, Method::POST, "/pairings", Some(body)).await
    }

    /// Polls once without waiting: the device counts as online afterwards.
    pub async fn poll(&self, server: &Server) -> Vec<moderno_wire::device_api::PushRequest> {
        self.call(server, Method::GET, "/pushes?waitSeconds=0", None).await.expect(StatusCode::OK).json()
    }

    pub async fn answer(&self, server: &Server, authentication_id: &str, answer: PushAnswer) -> Reply {
        let body = serde_json::to_value(answer).expect("JSON");
        self.call(server, Method::POST, &format!("/pushes/{authentication_id}"), Some(body)).await
    }
}

pub fn advance(server: &Server, by: Duration) {
    server.clock.advance(by);
}
