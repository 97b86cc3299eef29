//! An emulated PingFederate with the PingOne MFA IdP adapter, as API clients (mobile and desktop
//! apps) use it through the authentication API in redirectless mode.
//!
//! - `GET /as/authorization.oauth2` (code flow, PKCE S256; `response_mode=pi.flow` answers the
//!   flow's JSON) and `POST /as/token.oauth2` (code + verifier -> EdDSA-signed JWTs);
//! - `GET /pf/JWKS` (the signing key) and `/.well-known/openid-configuration`;
//! - `GET`/`POST /pf-ws/authn/flows/{flowId}`: the flow's state machine (see `flow`), with the
//!   second factor delegated to the PingOne MFA emulator over HTTP (`pingone`).
//!
//! Time and randomness come from the injected [`Clock`] and [`Entropy`].

mod adapter_device;
mod browser_flow;
mod client_rules;
mod cors;
mod error;
mod error_bodies;
mod first_factor;
mod flow;
mod flow_actions;
mod flow_api;
mod flow_session;
mod flow_turns;
mod heartbeat;
mod mfa_actions;
mod oauth;
mod passwords;
mod pingone;
mod pingone_devices;
mod retention;
mod store;
mod tokens;
mod widget_page;

use std::path::PathBuf;
use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;
use chrono::Duration;
use moderno_ambient::{setting_url, Clock, Entropy};
use moderno_crypto::Secret;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;
use url::Url;

pub use error_bodies::serving_refusal;
pub use passwords::PasswordCost;
pub use retention::Purged;

/// PingFederate's schema on each database, for a tool or test that opens the same one.
pub fn schemas() -> moderno_sql::Schemas {
    store::SCHEMAS
}

/// Largest request body accepted.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// An OAuth client allowed to start flows, with PingFederate's per-client settings
/// (`pingidentity/terraform-provider-pingfederate:docs/resources/oauth_client.md`). `Debug` prints
/// the secret `[redacted]`.
#[derive(Clone, Debug)]
pub struct OAuthClient {
    pub client_id: String,
    /// Exact match. Empty for a client that runs only redirectless flows (PingFederate: redirect
    /// URIs are optional for them); a request must name one only when there are several.
    pub redirect_uris: Vec<String>,
    /// `require_proof_key_for_code_exchange`: PingFederate's default is off (PKCE optional; a
    /// challenge sent is still enforced).
    pub require_pkce: bool,
    /// A confidential client's secret (`client_secret_post` at the token endpoint); `None`: a
    /// public client.
    pub client_secret: Option<Secret<String>>,
    /// `enable_cookieless_authentication_api`: the flow's state travels in the
    /// `X-Pf-Authn-Api-State` header instead of the `PF` cookie.
    pub cookieless: bool,
    /// The client's grant types include `implicit`: `response_type` may ask for `token` and
    /// `id_token` (alone or with `code`).
    pub implicit_allowed: bool,
    /// The PingOne device authentication policy the PingOne MFA adapter applies for this client's
    /// sign-ons (PingFederate picks an adapter instance per application through its policies, and
    /// each instance names its PingOne MFA policy); `None`: the environment's default policy.
    pub pingone_policy_id: Option<String>,
}

impl OAuthClient {
    /// A public client with PingFederate's defaults: PKCE optional, no secret, cookies.
    pub fn public(client_id: impl Into<String>, redirect_uris: Vec<String>) -> Self {
        Self {
            client_id: client_id.into(),
            redirect_uris,
            require_pkce: false,
            client_secret: None,
            cookieless: false,
            implicit_allowed: false,
            pingone_policy_id: None,
        }
    }

    /// The same client with PKCE required.
    pub fn requiring_pkce(mut self) -> Self {
        self.require_pkce = true;
        self
    }
}

/// The desktop app: strict (PKCE required, one redirect URI, never followed: redirectless).
pub const DESKTOP_CLIENT_ID: &str = "moderno-desktop";
/// Configured as Ping's mobile samples expect their client (`pingidentity/pingone-mobile-sdk-android`
/// `PingAuthenticationCore/gradle.properties`, `connection/ConnectionFactory.java`): they send only
/// `client_id, response_type=code, response_mode=pi.flow, scope=openid`, no PKCE, no
/// `redirect_uri`, and redeem with `client_id` and an empty `client_secret`. A public client with
/// no redirect URI and PKCE optional (Ping's samples leave the id to the integrator: `<CLIENT_ID>`);
/// the implicit grant is allowed, for the other response types `gradle.properties` lists.
pub const MOBILE_SAMPLE_CLIENT_ID: &str = "moderno-mobile-sample";
/// The web page served same-origin by PingFederate with Ping's widget: redirectless, PKCE required,
/// no redirect URI.
pub const WEB_CLIENT_ID: &str = "moderno-web";

/// The PingOne policy with push number matching the desktop app's sign-ons use (the desktop shows
/// the number; Ping's widget and mobile samples cannot, so their clients use the default policy).
pub const DEMO_NUMBER_MATCHING_POLICY_ID: &str = "8e1d4b7a-2c5f-4a90-b3e6-71d0c9f4a258";

/// The demo's clients: [`DESKTOP_CLIENT_ID`], [`MOBILE_SAMPLE_CLIENT_ID`], [`WEB_CLIENT_ID`].
pub fn demo_clients() -> Vec<OAuthClient> {
    vec![
        OAuthClient {
            pingone_policy_id: Some(DEMO_NUMBER_MATCHING_POLICY_ID.into()),
            ..OAuthClient::public(DESKTOP_CLIENT_ID, vec!["moderno://callback".into()]).requiring_pkce()
        },
        OAuthClient { implicit_allowed: true, ..OAuthClient::public(MOBILE_SAMPLE_CLIENT_ID, vec![]) },
        OAuthClient::public(WEB_CLIENT_ID, vec![]).requiring_pkce(),
    ]
}

/// Everything PingFederate is told at start. `Debug` hides the secrets.
#[derive(Clone, Debug)]
pub struct Config {
    /// The SQLite file, when no `database_url` is given (the embedded default).
    pub database_path: PathBuf,
    /// A PostgreSQL database (`postgres://…`) several instances share, in the schema
    /// `pingfederate`; `None`: the SQLite file. May carry a password: never logged.
    pub database_url: Option<Secret<String>>,
    /// Issuer and base of every link, e.g. `http://127.0.0.1:9031`.
    pub public_url: String,
    /// The PingOne MFA emulator's base URL.
    pub pingone_url: String,
    pub pingone_environment_id: String,
    /// The worker application PingFederate is at PingOne: the client id and secret it gets its
    /// access tokens with (`POST {pingone}/{envId}/as/token`, client credentials).
    pub pingone_client_id: String,
    pub pingone_client_secret: Secret<String>,
    pub clients: Vec<OAuthClient>,
    /// Users and their passwords: Argon2id-hashed at start (the demo password's hashes are made
    /// ahead, `passwords.rs`), the text is not kept.
    pub users: Vec<(String, Secret<String>)>,
    pub password_cost: PasswordCost,
    /// Seed of the Ed25519 key that signs tokens, used when `token_key_in_database` is false
    /// (set both with [`Config::with_token_key_seed`]).
    pub token_key_seed: Secret<[u8; 32]>,
    /// True (the demo): the token key seed is drawn from the entropy at first start and kept in
    /// the database, so tokens survive a restart and no two installs share a key;
    /// `token_key_seed` is then not used.
    pub token_key_in_database: bool,
    /// Browser mode: the authorization endpoint without `response_mode=pi.flow` redirects here
    /// with `?flowId=`. `None`: only redirectless flows are served.
    pub authentication_application_url: Option<String>,
    /// Origins (exact, e.g. `http://localhost:5173`) whose pages may call the authentication API
    /// and the OAuth endpoints with credentials (CORS).
    pub allowed_origins: Vec<String>,
    /// How long a flow lives after it starts.
    pub flow_lifetime: Duration,
    pub code_lifetime: Duration,
    pub token_lifetime: Duration,
    /// Offer setDefaultDevice, removeDevice and updateDeviceNickname once MFA is done.
    pub manage_devices_allowed: bool,
    /// Consecutive wrong passwords before an account refuses logins.
    pub max_password_failures: u32,
    /// The npm package of Ping's widget the `/widget/` page serves files from (the binaries and
    /// the stack take `MODERNO_PF_WIDGET_DIR`; by default this checkout's `web/pf-widget`).
    pub widget_dir: PathBuf,
    /// How long flows and authorization codes are kept after they expired before they are purged
    /// (`retention`).
    pub retention: Duration,
    /// How often the purge runs, in real time (the first run one interval after start); zero: never.
    pub purge_interval: std::time::Duration,
}

/// The demo PingOne environment (a UUID, as PingOne's; the same as the PingOne emulator's demo).
pub const DEMO_PINGONE_ENVIRONMENT_ID: &str = "0c6b5a4e-3f2d-4e1c-9b8a-7d6e5f4a3b2c";
/// The demo worker application's client id and secret at PingOne (the PingOne emulator's demo
/// values; public, for the demo only).
pub const DEMO_PINGONE_CLIENT_ID: &str = "7d3c2b1a-9e8f-4a7b-8c6d-5e4f3a2b1c0d";
pub const DEMO_PINGONE_CLIENT_SECRET: &str = "moderno-demo-worker-secret";

/// The demo users (`alice`, `bob`, `carol`, `dave`) all share this password.
pub const DEMO_PASSWORD: &str = "moderno-demo";

impl Config {
    /// Demo defaults (documented in `docs/api/pingfederate.md`).
    pub fn demo(database_path: PathBuf, public_url: impl Into<String>, pingone_url: impl Into<String>) -> Self {
        let public_url = public_url.into();
        Self {
            database_path,
            database_url: None,
            authentication_application_url: Some(format!(
                "{}{}",
                public_url.trim_end_matches('/'),
                browser_flow::DEMO_APPLICATION_PATH
            )),
            allowed_origins: vec![
                "http://localhost:5173".into(),
                "tauri://localhost".into(),
                "http://tauri.localhost".into(),
            ],
            public_url,
            pingone_url: pingone_url.into(),
            pingone_environment_id: DEMO_PINGONE_ENVIRONMENT_ID.into(),
            pingone_client_id: DEMO_PINGONE_CLIENT_ID.into(),
            pingone_client_secret: DEMO_PINGONE_CLIENT_SECRET.into(),
            clients: demo_clients(),
            users: ["alice", "bob", "carol", "dave"].iter().map(|u| ((*u).to_string(), DEMO_PASSWORD.into())).collect(),
            password_cost: PasswordCost::Standard,
            token_key_seed: Secret::new([0; 32]),
            token_key_in_database: true,
            flow_lifetime: Duration::minutes(30),
            code_lifetime: Duration::seconds(60),
            token_lifetime: Duration::hours(1),
            manage_devices_allowed: true,
            max_password_failures: 100,
            widget_dir: PathBuf::from(widget_page::DEFAULT_PACKAGE_DIR),
            retention: Duration::hours(24),
            purge_interval: std::time::Duration::from_secs(600),
        }
    }
}

impl Config {
    /// Signs tokens with the key from this seed instead of the one kept in the database.
    pub fn with_token_key_seed(mut self, seed: [u8; 32]) -> Self {
        self.token_key_seed = Secret::new(seed);
        self.token_key_in_database = false;
        self
    }
}

/// The running server's state; cheap to clone.
#[derive(Clone)]
pub struct State(Arc<Inner>);

struct Inner {
    config: Config,
    clock: Clock,
    entropy: Entropy,
    db: store::Db,
    passwords: passwords::PasswordBook,
    signer: tokens::TokenSigner,
    pingone: pingone::PingOneClient,
    /// `config.authentication_application_url`, parsed at start.
    application_url: Option<Url>,
    turns: flow_turns::FlowTurns,
    accounts: first_factor::AccountTurns,
}

impl State {
    pub fn open(config: Config, clock: Clock, entropy: Entropy) -> anyhow::Result<Self> {
        setting_url("PingFederate's public_url (--public-url, PINGFEDERATE_PUBLIC_URL)", &config.public_url)?;
        let application_url = config
            .authentication_application_url
            .as_deref()
            .map(|url| {
                setting_url(
                    "PingFederate's authentication_application_url (--authentication-application-url, PINGFEDERATE_AUTHN_APP_URL)",
                    url,
                )
            })
            .transpose()?;
        let location = moderno_sql::Location::choose(config.database_url.as_ref(), config.database_path.clone());
        let db = store::Db::open(&location)?;
        let passwords = passwords::PasswordBook::new(&config.users, config.password_cost, &entropy)?;
        let signer = if config.token_key_in_database {
            tokens::TokenSigner::new(&*db.kept_seed("token_key_seed", &entropy)?)
        } else {
            tokens::TokenSigner::new(config.token_key_seed.expose())
        };
        let pingone = pingone::PingOneClient::new(&config, clock.clone())?;
        let turns = flow_turns::FlowTurns::new(&db);
        let state = Self(Arc::new(Inner {
            config,
            clock,
            entropy,
            db,
            passwords,
            signer,
            pingone,
            application_url,
            turns,
            accounts: first_factor::AccountTurns::default(),
        }));
        let settled = first_factor::settle_counts_from_before(&state)?;
        if settled > 0 {
            tracing::info!(settled, "password failure counts from an older version marked by account");
        }
        retention::schedule(&state);
        Ok(state)
    }

    pub fn config(&self) -> &Config {
        &self.0.config
    }

    /// Where browsers are sent to sign in (`authentication_application_url`); `None`: only
    /// redirectless flows are served.
    fn application_url(&self) -> Option<&Url> {
        self.0.application_url.as_ref()
    }

    fn now(&self) -> i64 {
        self.0.clock.unix()
    }

    fn now_ms(&self) -> i64 {
        self.0.clock.now().timestamp_millis()
    }

    fn passwords(&self) -> &passwords::PasswordBook {
        &self.0.passwords
    }

    fn accounts(&self) -> &first_factor::AccountTurns {
        &self.0.accounts
    }

    fn db(&self) -> &store::Db {
        &self.0.db
    }

    fn pingone(&self) -> &pingone::PingOneClient {
        &self.0.pingone
    }

    fn turns(&self) -> &flow_turns::FlowTurns {
        &self.0.turns
    }

    /// 128 random bits, base64url.
    fn random_token(&self) -> String {
        moderno_crypto::b64url(&self.0.entropy.bytes::<16>())
    }
}

/// The whole HTTP surface.
pub fn app(state: State) -> Router {
    Router::new()
        // Ping's mobile samples POST the authorization request (parameters in the query).
        .route("/as/authorization.oauth2", get(oauth::authorize).post(oauth::authorize))
        .route("/as/token.oauth2", post(oauth::token))
        .route("/pf/JWKS", get(tokens::jwks))
        .route("/.well-known/openid-configuration", get(oauth::discovery))
        .route(heartbeat::HEARTBEAT_PATH, get(heartbeat::heartbeat))
        .route(heartbeat::HEALTH_PATH, heartbeat::health(&state))
        .route("/pf-ws/authn/flows/{flow_id}", get(flow_api::read).post(flow_api::act))
        .route(browser_flow::RESUME_ROUTE, get(browser_flow::resume))
        .route(browser_flow::DEMO_APPLICATION_PATH, get(browser_flow::demo_application))
        .merge(widget_page::router())
        .fallback(error_bodies::not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), cors::cors))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(error_bodies::as_json))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_names_the_servers_and_users_but_no_secret() {
        let config = Config::demo(PathBuf::from("/tmp/pf.sqlite3"), "http://127.0.0.1:9031", "http://127.0.0.1:7003")
            .with_token_key_seed([0xAB; 32]);
        let text = format!("{config:?}");
        assert!(text.contains("http://127.0.0.1:7003") && text.contains("alice"), "{text}");
        assert!(!text.contains(DEMO_PINGONE_CLIENT_SECRET) && !text.contains(DEMO_PASSWORD), "{text}");
        assert!(!text.contains("171"), "the token key seed (0xAB = 171) is not printed: {text}");
    }
}
