//! What every end-to-end test needs: the whole stack on loopback with a manual clock, and
//! headless devices that log in through the Moderno protocol exactly as the app does.
//!
//! Servers are real (HTTP on 127.0.0.1, SQLite files in a temporary directory); devices keep
//! their keys in `MemoryKeyStore` (the OS keyring has its own tests in `crates/device`). With
//! `MODERNO_TEST_STORE=postgres` every test runs on two instances over one PostgreSQL database
//! instead, each request to the next instance in turn ([`two_instances`]).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use moderno_ambient::{Clock, Entropy};
use moderno_crypto::Secret;
use moderno_customer_server::sdk_client::SdkClient;
use moderno_customer_server::PasswordCost;
use moderno_device::{Device, FlowState, KeyStore, MemoryKeyStore, ModernoClient, UserSelection};
use moderno_stack::{RunningStack, Stack, StackConfig};
use moderno_wire::device_api::{PairingCompleted, PushAnswer};
use moderno_wire::moderno::{ModernoResponse, Status};
use moderno_wire::payload::{PayloadSelection, TrustLevel};
use moderno_wire::sdk::{ApplicationSettings, PairingMode};
use tokio::task::JoinHandle;

pub mod admin;
pub mod bench;
pub mod proxy;
pub mod soak;
pub mod stack_process;
pub mod two_instances;

pub use moderno_wire;

/// The demo password of the seeded users.
pub const PASSWORD: &str = "moderno-demo";

/// A fixed start for manual clocks, so runs repeat.
pub fn epoch() -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default()
}

/// True when a PostgreSQL cluster is there (`scripts/with-postgres.sh`); false when the test
/// should skip; panics when there is none and one is required (`MODERNO_REQUIRE_POSTGRES`).
pub fn postgres_or_skip() -> bool {
    if std::env::var_os("MODERNO_TEST_DATABASE_URL").is_some() {
        return true;
    }
    assert!(
        std::env::var_os("MODERNO_REQUIRE_POSTGRES").is_none(),
        "PostgreSQL is required: MODERNO_TEST_DATABASE_URL is not set"
    );
    eprintln!("skipped: no PostgreSQL (run under scripts/with-postgres.sh)");
    false
}

/// Where the stack keeps its state.
pub enum Store {
    /// A SQLite file per service in the test's temporary folder (the app's default).
    Sqlite,
    /// One instance on this PostgreSQL database.
    Postgres(Secret<String>),
    /// Two instances on this PostgreSQL database behind the round-robin proxies.
    TwoOnPostgres(Secret<String>),
}

impl Store {
    /// How a table row names it.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Sqlite => "SQLite",
            Self::Postgres(_) => "PostgreSQL",
            Self::TwoOnPostgres(_) => "PostgreSQL, 2 instances",
        }
    }
}

pub struct TestStack {
    /// The stack the tests reach; on two instances, instance A with the proxies' URLs.
    pub stack: RunningStack,
    /// Instance B and the proxies, on two instances ([`two_instances::two_instances`]).
    pub pair: Option<two_instances::Pair>,
    /// The PostgreSQL database the services keep their state in; `None`: SQLite files.
    pub database_url: Option<Secret<String>>,
    pub clock: Clock,
    pub entropy: Entropy,
    _dir: tempfile::TempDir,
}

impl TestStack {
    /// A raw request to the SDK server signed with `creds` the way Ping's customer server signs
    /// ([D-SIG]): `(HTTP status, body text)`.
    pub async fn sdk_signed_by(
        &self,
        creds: &moderno_crypto::pingid_hmac::ApiCredentials,
        method: reqwest::Method,
        path: &str,
        body: &[u8],
        content_type: &str,
    ) -> (u16, String) {
        let parts = moderno_crypto::pingid_hmac::RequestParts {
            method: method.as_str(),
            host: "127.0.0.1",
            path,
            query: None,
            body,
        };
        let auth = creds.authorize(&parts, self.clock.now(), &self.entropy.uuid());
        let response = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("a client")
            .request(method, format!("{}{path}", self.stack.sdk_url))
            .header("authorization", auth)
            .header("content-type", content_type)
            .body(body.to_vec())
            .send()
            .await
            .expect("the SDK server answers");
        (response.status().as_u16(), response.text().await.expect("a body"))
    }

    /// The stack with a manual clock and cheap password hashing (tests only).
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// One stack as `adjust` says, or two behind proxies with `MODERNO_TEST_STORE=postgres`.
    pub async fn start_with(adjust: impl FnOnce(&mut StackConfig)) -> Self {
        let store = if two_instances::two_instances() {
            Store::TwoOnPostgres(moderno_sql::testing::fresh_database().expect("a fresh PostgreSQL database"))
        } else {
            Store::Sqlite
        };
        Self::start_on(store, adjust).await
    }

    /// Two instances on one fresh PostgreSQL database behind the proxies, whatever the suite's
    /// mode; `None` (the test skips) when there is no PostgreSQL and none is required.
    pub async fn start_two_instances(adjust: impl FnOnce(&mut StackConfig)) -> Option<Self> {
        if !postgres_or_skip() {
            return None;
        }
        let database = moderno_sql::testing::fresh_database().expect("a fresh PostgreSQL database");
        Some(Self::start_on(Store::TwoOnPostgres(database), adjust).await)
    }

    /// The stack (or two) on `store`, with the tests' manual clock and cheap password hashing
    /// unless `adjust` says otherwise.
    pub async fn start_on(store: Store, adjust: impl FnOnce(&mut StackConfig)) -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let mut config = StackConfig::loopback(dir.path().to_path_buf());
        config.clock = Clock::manual(epoch());
        config.push_poll_interval = Duration::from_millis(25);
        config.password_cost = PasswordCost::TestOnlyCheap;
        adjust(&mut config);
        let (clock, entropy) = (config.clock.clone(), config.entropy.clone());
        let database = match store {
            Store::Sqlite => None,
            Store::Postgres(database) => Some(database),
            Store::TwoOnPostgres(database) => {
                let (stack, pair) = two_instances::start(config, database.clone(), dir.path()).await;
                return Self { stack, pair: Some(pair), database_url: Some(database), clock, entropy, _dir: dir };
            }
        };
        config.database_url.clone_from(&database);
        let stack = Stack::start(config).await.expect("the stack starts");
        Self { stack, pair: None, database_url: database, clock, entropy, _dir: dir }
    }

    /// Where the services keep their database files.
    pub fn data_dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    /// The signed PingID SDK client the customer server uses: tests use it as Ping's admin portal.
    pub fn sdk(&self) -> &SdkClient {
        self.stack.customer.sdk()
    }

    pub async fn settings(&self) -> ApplicationSettings {
        self.sdk().get_settings().await.expect("settings can be read")
    }

    pub async fn change_settings(&self, change: impl FnOnce(&mut ApplicationSettings)) {
        let mut settings = self.settings().await;
        change(&mut settings);
        self.sdk().put_settings(&settings).await.expect("settings can be written");
    }

    pub async fn use_manual_pairing(&self) {
        self.change_settings(|s| s.pairing_mode = PairingMode::Manual).await;
    }

    pub fn advance(&self, by: TimeDelta) {
        self.clock.advance(by);
    }

    /// A new headless device with its own (in-memory) key.
    pub async fn device(&self, profile: &str) -> TestDevice {
        let store: Arc<dyn KeyStore> = Arc::new(MemoryKeyStore::new());
        self.device_with_store(profile, store).await
    }

    pub async fn device_with_store(&self, profile: &str, store: Arc<dyn KeyStore>) -> TestDevice {
        let device = Device::open(profile, Arc::clone(&store), self.clock.clone(), self.entropy.clone())
            .await
            .expect("the device opens");
        let moderno = device.moderno_client(&self.stack.customer_url).expect("a customer-server client");
        TestDevice { device: Arc::new(device), moderno, store }
    }
}

/// A headless device: the SDK component plus the app's customer-server client.
pub struct TestDevice {
    pub device: Arc<Device>,
    pub moderno: ModernoClient,
    pub store: Arc<dyn KeyStore>,
}

impl TestDevice {
    /// `auth_user` with a fresh payload.
    pub async fn login(&self, user: &str) -> ModernoResponse {
        self.login_with(user, PASSWORD, None).await
    }

    pub async fn login_with(&self, user: &str, password: &str, pairing_key: Option<&str>) -> ModernoResponse {
        self.moderno
            .auth_user(user, password, &self.device.payload(), pairing_key)
            .await
            .expect("the customer server answers")
    }

    /// Reads the server payload of a status-0 answer into the trust levels on offer.
    pub async fn offered_levels(&self, answer: &ModernoResponse) -> Vec<TrustLevel> {
        assert_eq!(answer.status, Status::Ok, "expected status 0, got {answer:?}");
        let payload = answer.ping_id_payload.as_deref().expect("a server payload");
        match self.device.set_server_payload(payload).await.expect("the server payload verifies") {
            FlowState::TrustLevels { levels, .. } => levels,
            other => panic!("expected a trust-level offer, got {other:?}"),
        }
    }

    /// Hands an answer's server payload to the SDK component (Ping's `setServerPayload`) and
    /// returns the flow state: DEVICE_IS_TRUSTED is paired by then.
    pub async fn read_payload(&self, answer: &ModernoResponse) -> FlowState {
        let payload = answer.ping_id_payload.as_deref().unwrap_or_else(|| panic!("a server payload in {answer:?}"));
        self.device.set_server_payload(payload).await.expect("the server payload verifies")
    }

    /// A fresh payload choosing TRUSTED, as Ping's apps send with an offline passcode.
    pub fn payload_trusting(&self) -> String {
        self.device.payload_with_selection(PayloadSelection { trust_level: TrustLevel::Trusted, ignore_interval: None })
    }

    pub async fn choose(&self, selection: UserSelection) -> PairingCompleted {
        self.device.set_user_selection(selection, None).await.expect("pairing completes with the SDK server")
    }

    /// Logs in and pairs with `level`, asserting the answer offered it.
    pub async fn pair_first(&self, user: &str, level: TrustLevel) -> PairingCompleted {
        let answer = self.login(user).await;
        let levels = self.offered_levels(&answer).await;
        assert!(levels.contains(&level), "{level:?} not offered: {levels:?}");
        self.choose(UserSelection::Trust(level)).await
    }

    /// `auth_user` while `approver` (brought online first) answers every push with `answer`:
    /// Ping's `auth_user` answers once the push is answered.
    pub async fn login_answered_by(&self, user: &str, approver: &TestDevice, answer: PushAnswer) -> ModernoResponse {
        approver.go_online().await;
        let answering = approver.answer_pushes(answer);
        let answered = self.login(user).await;
        answering.abort();
        answered
    }

    /// `auth_user` while nobody answers the push `approver` gets, until the virtual clock passes
    /// the push's 40 seconds: Ping's `auth_user` then answers 1016.
    pub async fn login_unanswered(&self, t: &TestStack, user: &str, approver: &TestDevice) -> ModernoResponse {
        approver.go_online().await;
        let expire = async {
            for _ in 0..200 {
                let waiting = approver.device.pending_pushes(Duration::ZERO).await.expect("pushes");
                if !waiting.is_empty() {
                    t.advance(TimeDelta::seconds(41));
                    return;
                }
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            panic!("no push reached {}", approver.device.profile());
        };
        tokio::join!(self.login(user), expire).0
    }

    /// Polls `auth_status` until the session leaves 1012 (at most `tries` times, 50 ms apart).
    pub async fn wait_for_push_answer(&self, session_id: &str, tries: usize) -> ModernoResponse {
        let mut last = None;
        for _ in 0..tries {
            let answer = self.moderno.auth_status(session_id).await.expect("auth_status answers");
            if answer.status != Status::InProgress {
                return answer;
            }
            last = Some(answer);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the push was not answered in time; last answer {last:?}")
    }

    /// Answers every push this device receives with `answer`, until the task is aborted. An
    /// approval under number matching carries the number the waiting device showed, so log that
    /// device in (after [`Self::go_online`]) before starting the approver.
    pub fn answer_pushes(&self, answer: PushAnswer) -> JoinHandle<()> {
        let device = Arc::clone(&self.device);
        tokio::spawn(async move {
            loop {
                match device.pending_pushes(Duration::from_secs(2)).await {
                    Ok(pushes) => {
                        for push in pushes {
                            let _ = device.answer_push(&push.authentication_id, answer).await;
                        }
                    }
                    Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                }
            }
        })
    }

    /// One long-poll, to mark the device online with the SDK server.
    pub async fn go_online(&self) {
        self.device.pending_pushes(Duration::from_millis(0)).await.expect("the device API answers a poll");
    }
}
