//! The server's configuration: one account, its credentials, its applications, and the lifetimes
//! the emulator chose where Ping publishes none (see `docs/api/pingid-sdk-server.md`).

use std::path::PathBuf;

use chrono::Duration;
use moderno_ambient::Faults;
use moderno_crypto::Secret;

/// The demo account (README): fine for a laptop demo, never for production.
pub const DEMO_ACCOUNT_ID: &str = "00000000-1111-2222-3333-444444444444";
pub const DEMO_APPLICATION_ID: &str = "moderno-app";
pub const DEMO_ACCOUNT_TOKEN: &str = "moderno-demo-token";
/// base64 of `moderno-demo-api-key-not-for-production`.
pub const DEMO_API_KEY_B64: &str = "bW9kZXJuby1kZW1vLWFwaS1rZXktbm90LWZvci1wcm9kdWN0aW9u";

/// Bodies larger than this are refused: 400 `INVALID_DATA` detail `SIZE_LIMIT_EXCEEDED` (Ping has no 413).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The account token, the API key and the secrets seed are secrets: `Debug` prints them `[redacted]`.
#[derive(Clone, Debug)]
pub struct SdkConfig {
    pub account_id: String,
    pub account_token: Secret<String>,
    pub api_key_b64: Secret<String>,
    pub application_ids: Vec<String>,
    /// The SQLite file holding the state, unless `database_url` is set.
    pub db_path: PathBuf,
    /// A PostgreSQL database (`postgres://…`) to keep the state in instead of `db_path`, shared
    /// with every other instance configured with it (schema `pingid_sdk`). May carry a password:
    /// printed `[redacted]`, never logged.
    pub database_url: Option<Secret<String>>,
    /// How clients reach this server, e.g. `http://127.0.0.1:7001`. Server payloads point devices
    /// at `public_url + "/pingid/v1/device"`.
    pub public_url: String,
    /// How long a push waits for its answer.
    pub push_timeout: Duration,
    /// A device that polled for pushes within this window counts as online.
    pub online_window: Duration,
    pub pairing_key_lifetime: Duration,
    pub registration_token_lifetime: Duration,
    /// Push bombing (ASVS 5 V6.6.4): at most this many push authentications started per user in
    /// `push_limit_window`; beyond it, starting one that would push is refused
    /// (`RETRY_LIMIT_EXCEEDED`). Beyond Ping; 0 switches the limit off.
    pub push_limit: u32,
    pub push_limit_window: Duration,
    /// Derives the payload signing key, the pepper for stored secrets and the OTP master key.
    /// `None`: random at first start, then kept in the database so restarts keep them.
    pub secrets_seed: Option<Secret<[u8; 32]>>,
    /// QA fault switches (all off outside a demo or a test): see [`moderno_ambient::Fault`].
    pub faults: Faults,
    /// How long authentications, registration tokens and pairing keys are kept after they ended
    /// or expired before they are purged (`docs/security.md`, "Retention"; Ping publishes none).
    pub retention: Duration,
    /// How often the purge runs, in real time (the first run one interval after start); zero: never.
    pub purge_interval: std::time::Duration,
    /// How often a waiting long poll looks again on its own, in case a wake-up from another
    /// instance was lost (real time; [`DEFAULT_POLL_RECHECK`]). On PostgreSQL only: on SQLite
    /// only this process writes, and its writes wake its long polls.
    pub poll_recheck: std::time::Duration,
}

/// [`SdkConfig::poll_recheck`] unless set otherwise: a lost wake-up delays a push by at most this.
pub const DEFAULT_POLL_RECHECK: std::time::Duration = std::time::Duration::from_secs(1);
/// [`SdkConfig::retention`] unless set otherwise.
pub const DEFAULT_RETENTION: Duration = Duration::hours(24);
/// [`SdkConfig::purge_interval`] unless set otherwise.
pub const DEFAULT_PURGE_INTERVAL: std::time::Duration = std::time::Duration::from_secs(600);

impl SdkConfig {
    /// The demo account with the documented defaults.
    pub fn demo(db_path: impl Into<PathBuf>, public_url: impl Into<String>) -> Self {
        Self {
            account_id: DEMO_ACCOUNT_ID.into(),
            account_token: DEMO_ACCOUNT_TOKEN.into(),
            api_key_b64: DEMO_API_KEY_B64.into(),
            application_ids: vec![DEMO_APPLICATION_ID.into()],
            db_path: db_path.into(),
            database_url: None,
            public_url: public_url.into(),
            push_timeout: Duration::seconds(40),
            online_window: Duration::seconds(60),
            pairing_key_lifetime: Duration::minutes(10),
            registration_token_lifetime: Duration::minutes(10),
            push_limit: 5,
            push_limit_window: Duration::minutes(10),
            secrets_seed: None,
            faults: Faults::none(),
            retention: DEFAULT_RETENTION,
            purge_interval: DEFAULT_PURGE_INTERVAL,
            poll_recheck: DEFAULT_POLL_RECHECK,
        }
    }

    /// Where devices reach the device API.
    pub fn device_api_url(&self) -> String {
        format!("{}{}", self.public_url.trim_end_matches('/'), moderno_wire::device_api::DEVICE_API_PREFIX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_names_the_account_but_never_its_secrets() {
        let mut config = SdkConfig::demo("/tmp/x.sqlite3", "http://127.0.0.1:7001");
        config.secrets_seed = Some([0xAB; 32].into());
        config.database_url = Some(Secret::new("postgres://moderno:hunter2@db.example:5432/qa".to_string()));
        let text = format!("{config:?} {config:#?}");
        assert!(text.contains(DEMO_ACCOUNT_ID) && text.contains(DEMO_APPLICATION_ID), "{text}");
        assert!(text.contains("[redacted]"), "{text}");
        assert!(!text.contains(DEMO_ACCOUNT_TOKEN) && !text.contains(DEMO_API_KEY_B64), "{text}");
        assert!(!text.contains("171"), "the seed's bytes (0xAB = 171) are not printed: {text}");
        assert!(!text.contains("hunter2") && !text.contains("db.example"), "the database URL is not printed: {text}");
    }
}
