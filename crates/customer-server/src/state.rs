//! The customer server's shared state: configuration, database, password hashing, the SDK client.

use std::sync::Arc;

use anyhow::Context as _;
use moderno_ambient::{Clock, Entropy};
use moderno_crypto::pingid_hmac::ApiCredentials;

use crate::config::{CustomerConfig, DEMO_PASSWORD, DEMO_USERS};
use crate::first_factor::FirstFactorCheck;
use crate::passwords::{check_new_password, Passwords};
use crate::sdk_client::SdkClient;
use crate::sessions::Sessions;
use crate::store::Store;

/// Cheap to clone: everything is shared.
#[derive(Clone)]
pub struct CustomerState(Arc<Inner>);

/// Public only so `Deref` can name it; the module is private, so nothing outside can.
pub struct Inner {
    pub(crate) config: CustomerConfig,
    pub(crate) sdk: SdkClient,
    pub(crate) store: Store,
    pub(crate) passwords: Passwords,
    pub(crate) first_factor: FirstFactorCheck,
    pub(crate) sessions: Sessions,
    pub(crate) clock: Clock,
}

impl std::ops::Deref for CustomerState {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl CustomerState {
    /// Opens (or creates) the database, prepares password hashing and the signed SDK client, and
    /// seeds the demo users when configured.
    pub async fn open(config: CustomerConfig, clock: Clock, entropy: Entropy) -> anyhow::Result<Self> {
        let credentials =
            ApiCredentials::new(config.account_id.clone(), config.account_token.clone(), &config.api_key_b64)
                .context("the PingID API key")?;
        let sdk = SdkClient::new(
            &config.sdk_base_url,
            credentials,
            config.application_id.clone(),
            clock.clone(),
            // Request ids are drawn per call, and a waiting login polls a timing-dependent number
            // of times: its own stream keeps a seeded run's other draws repeatable.
            entropy.fork(),
        )?
        .with_faults(config.faults.clone());
        let store = Store::open(&config.location()).await?;
        let passwords = Passwords::new(config.argon2, entropy.clone()).await?;
        let state = Self(Arc::new(Inner {
            first_factor: FirstFactorCheck::new(store.clone(), passwords.clone(), clock.clone()),
            sessions: Sessions::new(store.clone(), clock.clone(), entropy),
            config,
            sdk,
            store,
            passwords,
            clock,
        }));
        if state.config.demo_users {
            for user in DEMO_USERS {
                if state.store.user_exists(user).await? {
                    continue;
                }
                // Another instance on the same database may add the user meanwhile: an insert
                // that finds the name taken leaves theirs, which is the same demo user.
                let phc = match state.passwords.demo_hash(user) {
                    Some(phc) => phc.to_owned(),
                    None => state.passwords.hash(DEMO_PASSWORD).await?,
                };
                _ = state.store.insert_user(user, phc).await?;
            }
        }
        tracing::info!(sdk = %state.config.sdk_base_url, application = %state.config.application_id, "customer server ready");
        Ok(state)
    }

    /// Adds a user to the first-factor database. Usernames: 1 to 64 of `A-Z a-z 0-9 . _ - @ +`;
    /// passwords: 8 to 128 characters.
    pub async fn add_user(&self, username: &str, password: &str) -> anyhow::Result<()> {
        check_username(username).map_err(anyhow::Error::msg)?;
        check_new_password(password).map_err(anyhow::Error::msg)?;
        let hash = self.passwords.hash(password).await?;
        anyhow::ensure!(self.store.insert_user(username, hash).await?, "the user {username:?} already exists");
        tracing::info!(user = ?username, "user added");
        Ok(())
    }

    /// The user a session token (from a status 0, 1023 or 1026 answer) belongs to; `None` once
    /// it is unknown or expired. Each call counts as use.
    pub async fn session_user(&self, session_token: &str) -> anyhow::Result<Option<String>> {
        self.sessions.token_user(session_token).await
    }

    /// The signed client this server uses (the same account and application).
    pub fn sdk(&self) -> &SdkClient {
        &self.0.sdk
    }

    /// Ready for traffic: the database answers and holds this release's schema.
    pub async fn ready(&self) -> Result<(), String> {
        self.store.database().ready().await.map_err(|e| e.to_string())
    }

    /// The clock this server reads.
    pub fn clock(&self) -> &Clock {
        &self.0.clock
    }
}

/// Usernames go into SDK server URLs: keep them to a plain, unambiguous alphabet.
pub(crate) fn check_username(username: &str) -> Result<(), String> {
    let plain = username.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@' | '+'));
    if username.is_empty() || username.len() > 64 || !plain {
        return Err("a username has 1 to 64 characters among A-Z a-z 0-9 . _ - @ +".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::PasswordCost;

    /// The demo configuration, its state at a test's location (a file, or a fresh PostgreSQL
    /// database).
    fn config(dir: &tempfile::TempDir) -> CustomerConfig {
        let mut config =
            CustomerConfig::demo("http://127.0.0.1:9/pingid/v1", dir.path().join("c.sqlite3"), "http://me");
        config.keep_at(&moderno_sql::testing::location(dir.path().join("c.sqlite3")));
        config
    }

    async fn open(demo_users: bool) -> (tempfile::TempDir, CustomerState, CustomerConfig) {
        let dir = tempfile::tempdir().unwrap();
        let mut config = config(&dir);
        config.argon2 = PasswordCost::TestOnlyCheap;
        config.demo_users = demo_users;
        let state = CustomerState::open(config.clone(), Clock::system(), Entropy::seeded(9)).await.unwrap();
        (dir, state, config)
    }

    #[tokio::test]
    async fn demo_users_are_seeded_once_with_the_demo_password() {
        let (_dir, state, config) = open(true).await;
        for user in DEMO_USERS {
            assert!(state.store.user_exists(user).await.unwrap(), "{user}");
        }
        let verdict = state.first_factor.check("carol", DEMO_PASSWORD).await.unwrap();
        assert_eq!(verdict, crate::first_factor::FirstFactor::Passed);
        drop(state);
        CustomerState::open(config, Clock::system(), Entropy::seeded(9)).await.expect("reopening skips existing users");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn instances_starting_together_on_one_database_each_find_the_demo_users() {
        let (dir, first, config) = open(true).await;
        drop(first);
        // A fresh location, then four instances seeding it at once (hashing at test cost).
        let mut config = config;
        config.keep_at(&moderno_sql::testing::location(dir.path().join("together.sqlite3")));
        let starts: Vec<_> = (0..4u64)
            .map(|i| {
                let config = config.clone();
                tokio::spawn(async move { CustomerState::open(config, Clock::system(), Entropy::seeded(i)).await })
            })
            .collect();
        for start in starts {
            let state = start.await.unwrap().expect("every instance starts");
            let verdict = state.first_factor.check("alice", DEMO_PASSWORD).await.unwrap();
            assert_eq!(verdict, crate::first_factor::FirstFactor::Passed);
        }
    }

    #[tokio::test]
    async fn at_production_cost_the_demo_users_get_the_hashes_made_ahead_and_sign_in() {
        let dir = tempfile::tempdir().unwrap();
        let config = config(&dir);
        assert_eq!(config.argon2, PasswordCost::Production);
        let state = CustomerState::open(config, Clock::system(), Entropy::seeded(9)).await.unwrap();
        for user in DEMO_USERS {
            let stored: String = state
                .store
                .read(move |c| c.query_row("SELECT password_hash FROM users WHERE username = ?1", [user], |r| r.get(0)))
                .await
                .unwrap();
            assert_eq!(Some(stored.as_str()), state.passwords.demo_hash(user), "{user}");
        }
        let verdict = state.first_factor.check("dave", DEMO_PASSWORD).await.unwrap();
        assert_eq!(verdict, crate::first_factor::FirstFactor::Passed);
        let wrong = state.first_factor.check("dave", "moderno-dem0").await.unwrap();
        assert_eq!(wrong, crate::first_factor::FirstFactor::WrongCredentials);
    }

    #[tokio::test]
    async fn add_user_refuses_short_passwords_odd_names_and_duplicates() {
        let (_dir, state, _config) = open(false).await;
        let short = state.add_user("erin", "short").await.unwrap_err().to_string();
        assert!(short.contains("at least 8"), "{short}");
        let odd = state.add_user("erin/../x", "long enough").await.unwrap_err().to_string();
        assert!(odd.contains("username"), "{odd}");
        assert!(!state.store.user_exists("erin").await.unwrap(), "nothing was added");
        state.add_user("erin", "long enough").await.unwrap();
        let again = state.add_user("erin", "another one").await.unwrap_err().to_string();
        assert!(again.contains("already exists"), "{again}");
    }

    #[test]
    fn usernames_keep_to_a_url_safe_alphabet() {
        assert!(check_username("alice").is_ok());
        assert!(check_username("a.b-c_d+e@example.com").is_ok());
        for bad in ["", "a b", "a/b", "a%2fb", "ä", &"x".repeat(65)] {
            assert!(check_username(bad).is_err(), "{bad:?}");
        }
    }
}
