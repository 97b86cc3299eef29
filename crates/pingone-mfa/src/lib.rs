//! An emulated PingOne MFA service, as PingFederate's PingOne MFA IdP adapter uses it.
//!
//! - the Platform management API under `/v1/environments/{envId}` (api.pingone.com/v1, worker
//!   access token): users (by id; looked up with `filter`), ordered MFA devices, pairing keys;
//! - the auth path under `/{envId}` (auth.pingone.com): the worker's access token
//!   (`/as/token`, client credentials, 1 hour), the keys ID tokens verify under (`/as/jwks`) and
//!   device authentications (push and OTP; a mobile payload from an unpaired device completes
//!   with the ID token that pairs it, `idToken`, beyond PingOne);
//! - device API under `/device` (signed with the device key, `moderno_crypto::device_signature`):
//!   approving a pairing, claiming a pairing key, receiving and answering pushes;
//! - `/outbox/{user}` (worker token): the SMS and e-mail messages the emulator "sent".
//!
//! Time and randomness come from the injected [`Clock`] and [`Entropy`]. See
//! `docs/api/pingone-mfa.md` for every route.
//!
//! The state is a SQLite file (the default), or a PostgreSQL schema that several instances share
//! (`Config::database_url`): everything two instances must agree on (users, devices, pairings,
//! authentications, access tokens, seen nonces, rate and push-limit events, passcode failures) is
//! in the database, and `GET /health` says whether it answers.

mod authentication;
mod authentication_record;
mod device_api;
mod device_identity;
mod device_pairing;
mod error;
mod id_tokens;
mod management;
mod otp_check;
mod outbox;
mod pairing;
mod pairing_code;
mod push_limit;
mod rate_limits;
mod requests;
mod retention;
mod secrets;
mod shapes;
mod store;
mod worker_tokens;

use std::path::PathBuf;
use std::sync::Arc;

use axum::routing::{get, post, put};
use axum::Router;
use chrono::Duration;
use moderno_ambient::{Clock, Entropy};
use moderno_crypto::device_key::DeviceKey;
use moderno_crypto::secret_hash::Pepper;
use moderno_crypto::Secret;
use moderno_sql::{Conn, Database, Listening, Location};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;
use zeroize::Zeroizing;

pub use error::{serving_refusal, ApiError};
pub use retention::Purged;

/// Largest request body accepted.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The demo environment's id (PingOne environments are named by UUID).
pub const DEMO_ENVIRONMENT_ID: &str = "0c6b5a4e-3f2d-4e1c-9b8a-7d6e5f4a3b2c";

/// The demo worker application's client id (PingOne client ids are UUIDs) and secret
/// (documented in `docs/api/pingone-mfa.md`; public, for the demo only).
pub const DEMO_WORKER_CLIENT_ID: &str = "7d3c2b1a-9e8f-4a7b-8c6d-5e4f3a2b1c0d";
pub const DEMO_WORKER_CLIENT_SECRET: &str = "moderno-demo-worker-secret";

/// The demo native application devices pair with (`application.id` of a device authentication
/// with a mobile payload, the `aud` of pairing ID tokens; PingOne application ids are UUIDs).
pub const DEMO_APPLICATION_ID: &str = "3b9f6c2e-5d14-4a87-9e03-b6c1d8f2a475";

/// Everything the emulator is told at start. Secrets are plain bytes here; `Debug` hides them.
/// The environment's default device authentication policy (no number matching).
pub const DEMO_DEFAULT_POLICY_ID: &str = "5f2c9e61-8a43-4d7b-b1e0-3c6d9a7f2e14";
/// The policy the desktop app's PingFederate client applies: pushes ask for a number.
pub const DEMO_NUMBER_MATCHING_POLICY_ID: &str = "8e1d4b7a-2c5f-4a90-b3e6-71d0c9f4a258";

/// A device authentication policy ("MFA policy"): of its settings, the emulator varies only push
/// number matching (`mobile.applications[].pushNumberMatching`-like: the approving device picks the
/// number the signing-in device shows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevicePolicy {
    pub id: String,
    pub name: String,
    pub number_matching: bool,
}

#[derive(Clone, Debug)]
pub struct Config {
    /// The SQLite file (created when missing), unless `database_url` names a PostgreSQL database.
    pub database_path: PathBuf,
    /// A PostgreSQL database (`postgres://…`) the state lives in instead of the file, in the
    /// schema `pingone_mfa`, shared by every instance given the same URL. It may carry a password:
    /// never logged.
    pub database_url: Option<Secret<String>>,
    /// How devices reach this server, e.g. `http://127.0.0.1:7003` (goes into server payloads).
    pub public_url: String,
    /// The one environment served (a UUID, as PingOne's).
    pub environment_id: String,
    /// The device authentication policies ("MFA policies"): the first is the environment's
    /// default, applied when a device authentication names none (`policy.id`).
    pub policies: Vec<DevicePolicy>,
    /// The application devices pair with (the `aud` of pairing ID tokens).
    pub application_id: String,
    /// The worker application PingFederate is: its client id and secret at `/{envId}/as/token`.
    pub worker_client_id: String,
    pub worker_client_secret: Secret<String>,
    /// How long a worker access token lives (PingOne: 1 hour).
    pub access_token_lifetime: Duration,
    /// The seed from which the ID token signing key, the TOTP master key (each device's TOTP secret
    /// is derived from it; nothing secret is stored) and the pepper of hashes at rest are derived.
    /// `None` (the demo): drawn from the entropy at first start and kept in the database.
    pub secrets_seed: Option<Secret<[u8; 32]>>,
    pub pairing_key_lifetime: Duration,
    /// Wrong pairing keys a device (and the user it names) may send per `pairing_key_guess_window`
    /// before further claims answer 429 `REQUEST_LIMITED`.
    pub pairing_key_guess_limit: u32,
    /// Wrong pairing keys from all devices together per window (guessing with fresh device keys).
    pub pairing_key_guess_limit_global: u32,
    pub pairing_key_guess_window: Duration,
    /// Push bombing, PingOne's policy `pushLimit`: `count` pushes in a row not approved (denied,
    /// ignored) within `push_limit_window` (`timePeriod`) lock pushes to the user for
    /// `push_lock_duration` (`lockDuration`); meanwhile starting a push answers 429 `REQUEST_LIMITED`.
    pub push_limit: u32,
    pub push_limit_window: Duration,
    pub push_lock_duration: Duration,
    /// Unclaimed, unexpired pairing keys a user may hold at once.
    pub max_pairing_keys_per_user: u32,
    /// MFA settings `pairing.maxAllowedDevices`: devices a user may have (PingOne: default 5,
    /// at most 15).
    pub max_allowed_devices: u32,
    pub mobile_pairing_lifetime: Duration,
    /// How long a push waits for its answer.
    pub push_timeout: Duration,
    /// How often a device's waiting long poll reads its pushes again without being woken, in real
    /// time: the bound on a push's delivery should another instance's announcement be lost.
    pub push_poll_interval: std::time::Duration,
    /// Lifetime of an SMS or e-mail passcode.
    pub otp_lifetime: Duration,
    /// Wrong passcodes before the user's passcodes are blocked.
    pub otp_max_attempts: u32,
    pub otp_block: Duration,
    /// How long a device authentication can be read and acted on.
    pub authentication_lifetime: Duration,
    /// Mobile payloads older than this are refused.
    pub payload_max_age: Duration,
    /// QA fault switches (all off outside a demo or a test): see [`moderno_ambient::Fault`].
    pub faults: moderno_ambient::Faults,
    /// How long device authentications, pairings and outbox messages are kept after they ended or
    /// expired before they are purged (`retention`; PingOne publishes none).
    pub retention: Duration,
    /// How often the purge runs, in real time (the first run one interval after start); zero: never.
    pub purge_interval: std::time::Duration,
}

impl Config {
    /// The demo defaults (documented in `docs/api/pingone-mfa.md`); the secrets are drawn at first
    /// start and kept in the database.
    pub fn demo(database_path: PathBuf, public_url: impl Into<String>) -> Self {
        Self {
            database_path,
            database_url: None,
            public_url: public_url.into(),
            environment_id: DEMO_ENVIRONMENT_ID.into(),
            policies: vec![
                // Ping's own widget (pf-authn-js-widget 1.11.0, 2.2.0) and mobile samples show no
                // number, so the default policy asks for none.
                DevicePolicy {
                    id: DEMO_DEFAULT_POLICY_ID.into(),
                    name: "Default MFA Policy".into(),
                    number_matching: false,
                },
                DevicePolicy {
                    id: DEMO_NUMBER_MATCHING_POLICY_ID.into(),
                    name: "Moderno Desktop".into(),
                    number_matching: true,
                },
            ],
            application_id: DEMO_APPLICATION_ID.into(),
            worker_client_id: DEMO_WORKER_CLIENT_ID.into(),
            worker_client_secret: DEMO_WORKER_CLIENT_SECRET.into(),
            access_token_lifetime: Duration::hours(1),
            secrets_seed: None,
            pairing_key_lifetime: Duration::minutes(10),
            pairing_key_guess_limit: 10,
            pairing_key_guess_limit_global: 100,
            pairing_key_guess_window: Duration::minutes(10),
            // Policy `pushLimit` defaults: count 5, timePeriod 10 minutes, lockDuration 30 minutes.
            push_limit: 5,
            push_limit_window: Duration::minutes(10),
            push_lock_duration: Duration::minutes(30),
            max_pairing_keys_per_user: 20,
            max_allowed_devices: 5,
            mobile_pairing_lifetime: Duration::minutes(10),
            push_timeout: Duration::seconds(40),
            push_poll_interval: std::time::Duration::from_secs(1),
            // The device authentication policy's `otp.lifeTime`: "The OTP is valid for up to 30
            // minutes" (https://docs.pingidentity.com/sdks/latest/davinci/use-cases/otp/index.html),
            // 30 minutes in Ping's policy example.
            otp_lifetime: Duration::minutes(30),
            otp_max_attempts: 3,
            otp_block: Duration::minutes(15),
            authentication_lifetime: Duration::minutes(30),
            payload_max_age: Duration::minutes(5),
            faults: moderno_ambient::Faults::none(),
            retention: Duration::hours(24),
            purge_interval: std::time::Duration::from_secs(600),
        }
    }
}

impl Config {
    /// Derives the secrets from this seed instead of drawing them (tests, or a seed from a secret
    /// store): HMAC-SHA256 per purpose.
    pub fn with_secrets_seed(mut self, seed: &[u8; 32]) -> Self {
        self.secrets_seed = Some(Secret::new(*seed));
        self
    }

    /// The policy `id` names, or the default (the first) for none; `None` for an unknown id.
    pub fn policy(&self, id: Option<&str>) -> Option<&DevicePolicy> {
        match id {
            None => self.policies.first(),
            Some(id) => self.policies.iter().find(|p| p.id == id),
        }
    }
}

/// The running emulator's state; cheap to clone.
#[derive(Clone)]
pub struct State(Arc<Inner>);

struct Inner {
    config: Config,
    clock: Clock,
    entropy: Entropy,
    db: Database,
    // Derived from the seed kept in the database, which never changes: every instance derives
    // the same, so each keeps its own copy.
    server_key: DeviceKey,
    pepper: Pepper,
    otp_master_key: Zeroizing<[u8; 32]>,
    /// Wakes this instance's long-polling devices when a push is queued, here or (through
    /// `_listening`) on another instance sharing the database.
    pushes: Arc<tokio::sync::Notify>,
    /// Other instances' push notifications (PostgreSQL `LISTEN`), while the state lives.
    _listening: Option<Listening>,
}

/// The channel a queued push is announced on to every instance (its payload the device
/// authentication's id).
pub(crate) const PUSH_CHANNEL: &str = "pingone_mfa_pushes";

impl State {
    pub fn open(config: Config, clock: Clock, entropy: Entropy) -> anyhow::Result<Self> {
        moderno_ambient::setting_url(
            "PingOne's public_url (--public-url, PINGONE_MFA_PUBLIC_URL)",
            &config.public_url,
        )?;
        let location = Location::choose(config.database_url.as_ref(), config.database_path.clone());
        let db = Database::open(&location, &store::SCHEMAS)?;
        let secrets::Secrets { server_key, pepper, otp_master_key } =
            db.blocking(|conn| secrets::Secrets::load(conn, config.secrets_seed.as_ref(), &entropy))?;
        let pushes = Arc::new(tokio::sync::Notify::new());
        let listening = listen_for_pushes(&db, &pushes);
        let state = Self(Arc::new(Inner {
            config,
            clock,
            entropy,
            db,
            server_key,
            pepper,
            otp_master_key,
            pushes,
            _listening: listening,
        }));
        retention::schedule(&state);
        Ok(state)
    }

    pub fn config(&self) -> &Config {
        &self.0.config
    }

    /// Resolves once this instance hears other instances' wake-ups (at once on SQLite, where
    /// there are none): its `LISTEN` is in place. For tests and start-up checks; a long poll is
    /// correct without it (it looks again every `push_poll_interval`).
    pub async fn hearing_other_instances(&self) {
        if let Some(listening) = &self.0._listening {
            listening.listening().await;
        }
    }

    fn now(&self) -> i64 {
        self.0.clock.unix()
    }

    fn entropy(&self) -> &Entropy {
        &self.0.entropy
    }

    /// One transaction on the blocking pool, writers taking turns (on every instance), with the
    /// emulator's state at hand (its clock, entropy and settings): committed only when `f`
    /// succeeds.
    async fn tx<T, F>(&self, f: F) -> Result<T, error::ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Conn<'_>, &State) -> Result<T, error::ApiError> + Send + 'static,
    {
        let state = self.clone();
        self.db().write(move |tx| f(tx, &state)).await
    }

    /// `f` on the blocking pool for what only reads (no writer's turn taken).
    async fn read<T, F>(&self, f: F) -> Result<T, error::ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Conn<'_>, &State) -> Result<T, error::ApiError> + Send + 'static,
    {
        let state = self.clone();
        self.db().read(move |tx| f(tx, &state)).await
    }

    fn db(&self) -> &Database {
        &self.0.db
    }

    /// The emulator's database (SQLite or PostgreSQL), for the stack and tests that look in it.
    pub fn database(&self) -> &Database {
        &self.0.db
    }

    /// Wakes this instance's long-polling devices (a push was queued here).
    fn wake_pushes(&self) {
        self.0.pushes.notify_waiters();
    }

    fn pepper(&self) -> &Pepper {
        &self.0.pepper
    }

    /// Pushes per user (PingOne's `pushLimit`).
    fn push_limit(&self) -> push_limit::PushLimit {
        let c = self.config();
        push_limit::PushLimit {
            count: c.push_limit,
            time_period: c.push_limit_window,
            lock_duration: c.push_lock_duration,
        }
    }

    /// Wrong pairing keys per device or named user (`global`: from everyone together).
    fn pairing_key_guess_limit(&self, global: bool) -> rate_limits::Limit {
        let c = self.config();
        rate_limits::Limit {
            kind: if global { "pairing-key-guess-global" } else { "pairing-key-guess" },
            max: if global { c.pairing_key_guess_limit_global } else { c.pairing_key_guess_limit },
            window: c.pairing_key_guess_window,
            what: "wrong pairing keys",
        }
    }
}

/// On a shared database, turns other instances' push notifications into the same local wake-up
/// (a reconnected listener wakes every waiter too: a push may have been missed meanwhile). `None`
/// on SQLite, or outside a tokio runtime, where this process's own writes are the only ones.
fn listen_for_pushes(db: &Database, pushes: &Arc<tokio::sync::Notify>) -> Option<Listening> {
    if tokio::runtime::Handle::try_current().is_err() {
        if db.is_shared() {
            tracing::warn!("no tokio runtime: other instances' pushes wake no device here (long polls re-read)");
        }
        return None;
    }
    let pushes = Arc::clone(pushes);
    db.listen(&[PUSH_CHANNEL], move |_wake| pushes.notify_waiters())
}

/// The whole HTTP surface.
pub fn app(state: State) -> Router {
    let env = "/v1/environments/{env}";
    let user = "/v1/environments/{env}/users/{user}";
    let management = Router::new()
        .route(&format!("{env}/users"), get(management::list_users).post(management::create_user))
        .route(user, get(management::get_user))
        .route(&format!("{user}/devices"), get(management::list_devices).post(management::post_devices))
        .route(
            &format!("{user}/devices/{{device}}"),
            get(management::get_device).post(management::device_action).delete(management::delete_device),
        )
        .route(&format!("{user}/devices/{{device}}/nickname"), put(management::set_nickname))
        .route(&format!("{user}/pairingKeys"), post(pairing::create_pairing_key))
        .route(&format!("{user}/pairingKeys/{{id}}"), get(pairing::get_pairing_key).delete(pairing::delete_pairing_key))
        .route("/{env}/deviceAuthentications", post(authentication::start))
        .route("/{env}/deviceAuthentications/{id}", get(authentication::read).post(authentication::act))
        .route("/outbox/{user}", get(outbox::read))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), requests::require_worker_token));
    let db = state.db().clone();
    Router::new()
        .route("/{env}/as/token", post(worker_tokens::issue))
        .route("/{env}/as/jwks", get(id_tokens::jwks))
        .merge(management)
        .merge(device_api::routes())
        .fallback(|| async { ApiError::NotFound("route") })
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        // Outside the body limit, so its 413 gets PingOne's error body and an id too.
        .layer(axum::middleware::from_fn_with_state(state.clone(), error::with_error_ids))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
        // Beyond PingOne: the emulators' operations endpoint, for a load balancer (PingOne's own
        // paths all start with an environment id, `/v1/`, `/device/` or `/outbox/`), outside the
        // request log: it is asked every few seconds.
        .route(
            "/health",
            moderno_ambient::serving::health(move || {
                let db = db.clone();
                async move { db.ready().await.map_err(|e| e.to_string()) }
            }),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_names_the_environment_but_no_secret() {
        let config =
            Config::demo(PathBuf::from("/tmp/p1.sqlite3"), "http://127.0.0.1:7003").with_secrets_seed(&[0xAB; 32]);
        let text = format!("{config:?}");
        assert!(text.contains(&config.environment_id), "{text}");
        assert!(!text.contains(DEMO_WORKER_CLIENT_SECRET) && !text.contains("171"), "{text}");
    }
}
