//! `SdkState`: configuration, injected clock and entropy, credentials, the database, the server's
//! secrets and the long-poll waiters, shared by every handler.
//!
//! Everything two instances on one PostgreSQL database must agree on is in the database: users,
//! devices, tokens, keys, authentications (with their passcode failure counts and push answers),
//! the push limit's count, nonces, failed pairing-key guesses, notices, settings and the secrets
//! seed. What stays per instance: the waiters (the requests this process holds open; woken across
//! instances through the database, `wake`), and what configuration gives each instance (its
//! clock and QA fault switches, the retention schedule).

use std::sync::Arc;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use moderno_ambient::{Clock, Entropy};
use moderno_crypto::pingid_hmac::ApiCredentials;
use moderno_sql::{Listening, Location};

use crate::config::SdkConfig;
use crate::db::Db;
use crate::retention;
use crate::secrets::ServerSecrets;
use crate::store;
use crate::wake::{self, Waiters};

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
    /// On PostgreSQL, other instances' wake-ups for `pushes` and `notices`.
    other_instances: Option<Listening>,
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
        let location = Location::choose(config.database_url.as_ref(), config.db_path.clone());
        let db = Db::open(&location)?;
        let secrets = db.blocking(|conn| {
            let secrets = ServerSecrets::load(conn, config.secrets_seed.as_ref(), &entropy)?;
            for app in &config.application_ids {
                store::settings::ensure_defaults(conn, app)?;
            }
            Ok(secrets)
        })?;
        let db_name = match &location {
            Location::File(path) => path.display().to_string(),
            Location::Postgres(_) => "PostgreSQL schema pingid_sdk".to_string(),
        };
        tracing::info!(account = %config.account_id, applications = ?config.application_ids, db = %db_name, "PingID SDK server state opened");
        let (pushes, notices) = (Waiters::default(), Waiters::default());
        let other_instances = wake::listen(&db, &pushes, &notices);
        let state = Self(Arc::new(Shared {
            config,
            clock,
            entropy,
            credentials,
            db,
            secrets,
            pushes,
            notices,
            other_instances,
        }));
        retention::schedule(&state);
        Ok(state)
    }

    /// Resolves once this instance hears other instances' wake-ups (at once on SQLite, where
    /// there are none): its `LISTEN` is in place. For tests and start-up checks; a long poll is
    /// correct without it (on PostgreSQL it looks again every `poll_recheck`). An error when the
    /// `LISTEN` is not in place within 30 s.
    pub async fn hearing_other_instances(&self) -> anyhow::Result<()> {
        let Some(listening) = &self.other_instances else { return Ok(()) };
        tokio::time::timeout(std::time::Duration::from_secs(30), listening.listening())
            .await
            .map_err(|_| anyhow::anyhow!("the database's LISTEN was not in place within 30 s"))
    }

    /// How often a waiting long poll looks again on its own: only on a shared database, where a
    /// wake-up from another instance can be lost; on SQLite every write is this process's and
    /// wakes its pollers itself.
    pub(crate) fn poll_recheck(&self) -> Option<std::time::Duration> {
        self.db.is_shared().then_some(self.config.poll_recheck)
    }

    /// `GET /health`: the database answers and holds this release's schema.
    pub async fn ready(&self) -> Result<(), String> {
        self.db.ready().await
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
