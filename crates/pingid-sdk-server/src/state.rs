//! `SdkState`: configuration, injected clock and entropy, credentials, the database, the server's
//! secrets and the long-poll waiters, shared by every handler.

use std::sync::Arc;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use moderno_ambient::{Clock, Entropy};
use moderno_crypto::pingid_hmac::ApiCredentials;

use crate::config::SdkConfig;
use crate::db::Db;
use crate::retention;
use crate::secrets::ServerSecrets;
use crate::store;
use crate::wake::Waiters;

#[derive(Clone)]
pub struct SdkState(pub(crate) Arc<Shared>);

pub struct Shared {
    pub config: SdkConfig,
    pub clock: Clock,
    pub entropy: Entropy,
    pub credentials: ApiCredentials,
    pub db: Db,
    pub secrets: ServerSecrets,
    /// Push long polls, by device id.
    pub pushes: Waiters,
    /// Notice long polls, by user (`device_notices::user_key`).
    pub notices: Waiters,
}

impl std::ops::Deref for SdkState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// Hand-written to print the configuration only: the rest is the database handle and the
/// waiters (no secret there; the secrets print `[redacted]` through their own `Debug`).
impl std::fmt::Debug for SdkState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SdkState").field("config", &self.config).finish_non_exhaustive()
    }
}

impl SdkState {
    /// Opens (or creates) the database, loads the server's secrets, makes sure every configured
    /// application has settings, and schedules the purge of finished records (`retention`).
    pub fn open(config: SdkConfig, clock: Clock, entropy: Entropy) -> anyhow::Result<Self> {
        anyhow::ensure!(!config.application_ids.is_empty(), "configure at least one application id");
        moderno_ambient::setting_url(
            "the SDK server's public_url (--public-url, PINGID_PUBLIC_URL)",
            &config.public_url,
        )?;
        let credentials = ApiCredentials::new(&config.account_id, &config.account_token, &config.api_key_b64)
            .context("the API key must be standard base64")?;
        let db = Db::open(&config.db_path)?;
        let secrets = db.blocking(|conn| {
            let secrets = ServerSecrets::load(conn, config.secrets_seed.as_ref(), &entropy)?;
            for app in &config.application_ids {
                store::settings::ensure_defaults(conn, app)?;
            }
            Ok(secrets)
        })?;
        tracing::info!(account = %config.account_id, applications = ?config.application_ids, db = %config.db_path.display(), "PingID SDK server state opened");
        let state = Self(Arc::new(Shared {
            config,
            clock,
            entropy,
            credentials,
            db,
            secrets,
            pushes: Waiters::default(),
            notices: Waiters::default(),
        }));
        retention::schedule(&state);
        Ok(state)
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Now, in the database's unit (Unix milliseconds).
    pub fn now_ms(&self) -> i64 {
        self.clock.now().timestamp_millis()
    }

    /// The base64url public key that verifies server payloads.
    pub fn server_public_key(&self) -> String {
        self.secrets.payload_key.public_key_b64()
    }
}
