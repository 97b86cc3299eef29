//! The customer server's configuration: one typed struct, with demo defaults.

use std::path::PathBuf;

use moderno_ambient::Faults;
use moderno_crypto::Secret;

/// How expensive password hashing is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PasswordCost {
    /// Argon2id m=19456 KiB, t=2, p=1 (OWASP's first recommended setting).
    #[default]
    Production,
    /// Argon2id m=8 KiB, t=1, p=1: fast enough for test suites. Never for real passwords.
    TestOnlyCheap,
}

/// Everything the customer server needs to run. The account token and API key are secrets:
/// `Debug` prints them `[redacted]`.
#[derive(Clone, Debug)]
pub struct CustomerConfig {
    /// The SDK server API root, including `/pingid/v1`, e.g. `http://127.0.0.1:7001/pingid/v1`.
    pub sdk_base_url: String,
    pub account_id: String,
    pub account_token: Secret<String>,
    /// The API key as Ping's admin portal shows it (standard base64).
    pub api_key_b64: Secret<String>,
    pub application_id: String,
    /// The SQLite file holding users, login sessions and session tokens (unless `database_url`).
    pub db_path: PathBuf,
    /// A PostgreSQL database (`postgres://…`) to keep the state in instead of the file: several
    /// instances on one database behave as one server (schema `customer`). May carry a password.
    pub database_url: Option<Secret<String>>,
    /// Where this server is reachable, e.g. `http://127.0.0.1:7002`.
    pub public_url: String,
    /// Pair additional devices without an approving authentication (`ignoreValidation`).
    pub ignore_validation: bool,
    pub argon2: PasswordCost,
    /// Seed `alice`, `bob`, `carol` and `dave` (password `moderno-demo`) when they do not exist.
    pub demo_users: bool,
    /// QA fault switches (the customer server acts on `SignatureOutOfWindow`).
    pub faults: Faults,
    /// How often a login waiting for a push asks the SDK server for its status: Ping's sample
    /// polls once a second ([S-HELP] `pollPingIDSdkUntilFinalStatus`).
    pub push_poll_interval: std::time::Duration,
    /// How long a push waits for its answer: the push timeout set for the application at the
    /// PingID SDK (Ping's admin portal, configurable since 2021 [RN-2021]; 40 s by default). The
    /// waiting `auth_user` and the `pushExpiresIn` it reports follow it, so it must be the SDK
    /// server's `--push-timeout-seconds`.
    pub push_lifetime: std::time::Duration,
    /// Beyond Ping: answer with the project's own status codes 1032 (too many attempts), 1033
    /// (unknown or finished session) and 1034 (device limit). Off (the default), those answers go
    /// out as Ping's sample sends them, 1000 with the reason in `description` ([S-MOD]
    /// `Status.java` ends at 1028).
    pub extension_codes: bool,
}

/// Ping's sample polls a waiting authentication once a second.
pub const PUSH_POLL_INTERVAL: std::time::Duration = std::time::Duration::from_secs(1);

/// The PingID SDK's default push timeout.
pub const PUSH_LIFETIME: std::time::Duration = std::time::Duration::from_secs(40);

/// The demo account (also the SDK server's demo defaults).
pub const DEMO_ACCOUNT_ID: &str = "00000000-1111-2222-3333-444444444444";
pub const DEMO_APPLICATION_ID: &str = "moderno-app";
pub const DEMO_ACCOUNT_TOKEN: &str = "moderno-demo-token";
pub const DEMO_API_KEY_B64: &str = "bW9kZXJuby1kZW1vLWFwaS1rZXktbm90LWZvci1wcm9kdWN0aW9u";
pub const DEMO_USERS: [&str; 4] = ["alice", "bob", "carol", "dave"];
pub const DEMO_PASSWORD: &str = "moderno-demo";

impl CustomerConfig {
    /// The demo account and application, production password hashing, demo users seeded.
    pub fn demo(sdk_base_url: impl Into<String>, db_path: impl Into<PathBuf>, public_url: impl Into<String>) -> Self {
        Self {
            sdk_base_url: sdk_base_url.into(),
            account_id: DEMO_ACCOUNT_ID.into(),
            account_token: DEMO_ACCOUNT_TOKEN.into(),
            api_key_b64: DEMO_API_KEY_B64.into(),
            application_id: DEMO_APPLICATION_ID.into(),
            db_path: db_path.into(),
            database_url: None,
            public_url: public_url.into(),
            ignore_validation: false,
            argon2: PasswordCost::Production,
            demo_users: true,
            faults: Faults::none(),
            push_poll_interval: PUSH_POLL_INTERVAL,
            push_lifetime: PUSH_LIFETIME,
            extension_codes: false,
        }
    }
}

impl CustomerConfig {
    /// Where the state is kept: the PostgreSQL database when one is configured, else the file.
    pub fn location(&self) -> moderno_sql::Location {
        moderno_sql::Location::choose(self.database_url.as_ref(), self.db_path.clone())
    }

    /// The state kept at `location` (a test's, or the stack's): the file, or the database.
    pub fn keep_at(&mut self, location: &moderno_sql::Location) {
        match location {
            moderno_sql::Location::File(path) => {
                self.db_path.clone_from(path);
                self.database_url = None;
            }
            moderno_sql::Location::Postgres(url) => self.database_url = Some(Secret::from(url)),
        }
    }

    /// [`Self::push_lifetime`] in whole seconds.
    pub(crate) fn push_lifetime_secs(&self) -> i64 {
        i64::try_from(self.push_lifetime.as_secs()).unwrap_or(i64::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_config_hashes_passwords_at_production_cost_and_seeds_demo_users() {
        let config = CustomerConfig::demo("http://127.0.0.1:7001/pingid/v1", "/tmp/x.sqlite3", "http://127.0.0.1:7002");
        assert_eq!(config.argon2, PasswordCost::Production);
        assert!(config.demo_users);
        assert!(!config.ignore_validation);
        assert_eq!(PasswordCost::default(), PasswordCost::Production);
    }

    #[test]
    fn debug_output_never_shows_the_account_token_or_api_key() {
        let config = CustomerConfig::demo("http://sdk/pingid/v1", "/tmp/x.sqlite3", "http://me");
        let mut config = config;
        config.database_url = Some(Secret::new("postgres://moderno:hunter2@db/moderno".to_owned()));
        let text = format!("{config:?}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(!text.contains(DEMO_ACCOUNT_TOKEN), "{text}");
        assert!(!text.contains(DEMO_API_KEY_B64), "{text}");
        assert!(text.contains("[redacted]") && text.contains(DEMO_ACCOUNT_ID), "{text}");
    }
}
