//! The whole Moderno server side on loopback, in one process: the emulated PingID SDK server,
//! the Moderno customer server, the emulated PingOne MFA and the emulated PingFederate.
//!
//! The standalone binary (`moderno-stack`), the end-to-end tests and the desktop app's embedded
//! mode all start the services the same way: [`Stack::start`] binds each service's listener
//! (port 0 picks a free one), opens its state on a SQLite file under the data directory, and
//! serves its router until the [`RunningStack`] is shut down or dropped.

pub mod admin;
pub mod credentials;
pub mod demo_devices;
pub mod host_guard;
pub mod inspector;
pub mod launch_token;
pub mod web_pages;

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use moderno_ambient::{serving, Clock, Entropy, Faults};
use moderno_customer_server::{CustomerConfig, CustomerState, PasswordCost};
use moderno_wire::sdk::PairingMode;
use pingid_sdk_server::{SdkConfig, SdkState};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Where and how to run the stack.
#[derive(Debug, Clone)]
pub struct StackConfig {
    /// Holds one SQLite file per service.
    pub data_dir: PathBuf,
    pub sdk_listen: SocketAddr,
    pub customer_listen: SocketAddr,
    pub pingone_listen: SocketAddr,
    pub pingfederate_listen: SocketAddr,
    pub clock: Clock,
    pub entropy: Entropy,
    pub password_cost: PasswordCost,
    /// Let an ACTIVE user pair a new device without approval (`ignoreValidation`).
    pub ignore_validation: bool,
    /// How first devices pair with the PingID SDK (Ping sets this per application in its admin
    /// portal); `None` keeps what the SDK server has stored (AUTOMATIC on a new install).
    pub pairing_mode: Option<PairingMode>,
    /// Give the demo users their PingOne MFA devices ([`demo_devices`]); off for tests, which
    /// add what each needs.
    pub demo_devices: bool,
    /// Where the admin API ([`admin`]) listens; `None` (the default) leaves it off.
    pub admin_listen: Option<SocketAddr>,
    /// The admin API's bearer token; required when it listens anywhere but loopback.
    pub admin_token: Option<admin::AdminToken>,
    /// The fault switches every service reads (all off unless the admin API or a test sets them).
    pub faults: Faults,
    /// Record every hop for the flow inspector ([`inspector`]); off by default.
    pub inspector: bool,
    /// How often the customer server asks the SDK server about a waiting push (Ping's sample:
    /// once a second; tests look more often).
    pub push_poll_interval: std::time::Duration,
    /// Beyond Ping: pushes a user may be sent per 10 minutes (push bombing); 0: no limit.
    pub push_limit: u32,
    /// Beyond Ping: the customer server answers with the project's status codes 1032-1034
    /// instead of Ping's 1000 ([`CustomerConfig::extension_codes`]); off by default.
    pub extension_codes: bool,
    /// The names a shared server is reached by (besides loopback names and the address each
    /// service listens on): requests for any other `Host` are refused ([`host_guard`]).
    pub public_hosts: Vec<String>,
    /// The PingID SDK account both the SDK server and the customer server use.
    pub credentials: credentials::Credentials,
    /// Start off loopback with the public demo credentials all the same (an open demo server).
    pub open_demo: bool,
    /// PingOne's worker client secret (PingFederate's, in this process). `None`: the public demo
    /// secret on loopback (or in an open demo); a random one per start when other machines can
    /// reach the stack or an admin token guards it, so the published demo secret mints no token
    /// there (PingOne's outbox is then read through the admin API, behind its token).
    pub pingone_worker_secret: Option<String>,
    /// The npm package of Ping's widget PingFederate's `/widget/` page serves; `None`: this
    /// checkout's `web/pf-widget` ([`pingfederate_server::Config::widget_dir`]).
    pub pingfederate_widget_dir: Option<PathBuf>,
    /// How long the PingID SDK server's, PingOne's and PingFederate's finished records are kept
    /// after they ended or expired before they are purged (`docs/security.md`, "Retention");
    /// `None`: each service's default (24 hours).
    pub retention: Option<chrono::Duration>,
    /// How often (real time) the PingID SDK server, PingOne and PingFederate purge; zero: never;
    /// `None`: each service's default (10 minutes).
    pub purge_interval: Option<std::time::Duration>,
}

impl StackConfig {
    /// Loopback, free ports, production password hashing, wall clock.
    pub fn loopback(data_dir: PathBuf) -> Self {
        let any_port = SocketAddr::from(([127, 0, 0, 1], 0));
        Self {
            data_dir,
            sdk_listen: any_port,
            customer_listen: any_port,
            pingone_listen: any_port,
            pingfederate_listen: any_port,
            clock: Clock::system(),
            entropy: Entropy::from_os(),
            password_cost: PasswordCost::Production,
            ignore_validation: false,
            demo_devices: false,
            admin_listen: None,
            admin_token: None,
            faults: Faults::none(),
            inspector: false,
            pairing_mode: None,
            push_poll_interval: moderno_customer_server::PUSH_POLL_INTERVAL,
            push_limit: 5,
            extension_codes: false,
            public_hosts: Vec::new(),
            credentials: credentials::Credentials::demo(),
            open_demo: false,
            pingone_worker_secret: None,
            pingfederate_widget_dir: None,
            retention: None,
            purge_interval: None,
        }
    }
}

/// Handles to a started stack. Dropping it stops the servers.
pub struct RunningStack {
    /// e.g. `http://127.0.0.1:7001` — the PingID SDK server (Ping API under `/pingid/v1`).
    pub sdk_url: String,
    /// e.g. `http://127.0.0.1:7002` — the Moderno customer server.
    pub customer_url: String,
    /// e.g. `http://127.0.0.1:7003` — the emulated PingOne MFA.
    pub pingone_url: String,
    /// e.g. `http://127.0.0.1:9031` — the emulated PingFederate (authentication API, OAuth).
    pub pingfederate_url: String,
    /// The admin API, when started (`StackConfig::admin_listen`).
    pub admin_url: Option<String>,
    pub faults: Faults,
    /// The flow inspector's hops, when recording (`StackConfig::inspector`).
    pub recorder: Option<inspector::Recorder>,
    pub sdk: SdkState,
    pub customer: CustomerState,
    pub pingone: pingone_mfa_server::State,
    pub pingfederate: pingfederate_server::State,
    pub clock: Clock,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

pub struct Stack;

impl Stack {
    pub async fn start(config: StackConfig) -> anyhow::Result<RunningStack> {
        // Refused before anything is opened, bound or written.
        if let Some(addr) = config.admin_listen {
            anyhow::ensure!(
                addr.ip().is_loopback() || config.admin_token.is_some(),
                "the admin API on {addr} would be reachable from other machines: give it a token (MODERNO_ADMIN_TOKEN)"
            );
        }
        let listeners = [config.sdk_listen, config.customer_listen, config.pingone_listen, config.pingfederate_listen];
        config.credentials.refuse_public_demo(&listeners, config.open_demo)?;
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("creating the data directory {}", config.data_dir.display()))?;
        let (stop, stopped) = watch::channel(false);

        let sdk_listener = bind(config.sdk_listen, "PingID SDK server").await?;
        let sdk_url = format!("http://{}", sdk_listener.local_addr()?);
        let mut sdk_config = SdkConfig::demo(config.data_dir.join("pingid-sdk.sqlite3"), sdk_url.clone());
        sdk_config.faults = config.faults.clone();
        sdk_config.push_limit = config.push_limit;
        sdk_config.retention = config.retention.unwrap_or(sdk_config.retention);
        sdk_config.purge_interval = config.purge_interval.unwrap_or(sdk_config.purge_interval);
        let creds = &config.credentials;
        sdk_config.account_id.clone_from(&creds.account_id);
        sdk_config.application_ids = vec![creds.application_id.clone()];
        sdk_config.account_token.clone_from(&creds.account_token);
        sdk_config.api_key_b64.clone_from(&creds.api_key_b64);
        let sdk = SdkState::open(sdk_config, config.clock.clone(), config.entropy.clone())?;
        let recorder = config.inspector.then(inspector::Recorder::new);
        let tap = |router: axum::Router, service: inspector::Service| match &recorder {
            Some(recorder) => inspector::layer(router, recorder.clone(), config.clock.clone(), service),
            None => router,
        };
        let sdk_task = serve(
            sdk_listener,
            tap(pingid_sdk_server::app(sdk.clone()), inspector::Service::PingIdSdk),
            pingid_sdk_server::serving_refusal(sdk.clone()),
            stopped.clone(),
            &config.public_hosts,
        );

        let customer_listener = bind(config.customer_listen, "customer server").await?;
        let customer_url = format!("http://{}", customer_listener.local_addr()?);
        let mut customer_config = CustomerConfig::demo(
            format!("{sdk_url}/pingid/v1"),
            config.data_dir.join("customer.sqlite3"),
            customer_url.clone(),
        );
        customer_config.argon2 = config.password_cost;
        customer_config.ignore_validation = config.ignore_validation;
        customer_config.faults = config.faults.clone();
        customer_config.push_poll_interval = config.push_poll_interval;
        customer_config.push_lifetime =
            sdk.config.push_timeout.to_std().unwrap_or(moderno_customer_server::PUSH_LIFETIME);
        customer_config.extension_codes = config.extension_codes;
        customer_config.account_id.clone_from(&creds.account_id);
        customer_config.application_id.clone_from(&creds.application_id);
        customer_config.account_token.clone_from(&creds.account_token);
        customer_config.api_key_b64.clone_from(&creds.api_key_b64);
        let customer = CustomerState::open(customer_config, config.clock.clone(), config.entropy.clone()).await?;
        if let Some(mode) = config.pairing_mode {
            set_pairing_mode(&customer, mode).await?;
        }
        let customer_app = tap(moderno_customer_server::app(customer.clone()), inspector::Service::Customer);
        let customer_task = serve(
            customer_listener,
            customer_app,
            moderno_customer_server::serving_refusal(),
            stopped.clone(),
            &config.public_hosts,
        );

        let pingone_listener = bind(config.pingone_listen, "PingOne MFA").await?;
        let pingone_url = format!("http://{}", pingone_listener.local_addr()?);
        let mut pingone_config =
            pingone_mfa_server::Config::demo(config.data_dir.join("pingone-mfa.sqlite3"), pingone_url.clone());
        pingone_config.faults = config.faults.clone();
        pingone_config.retention = config.retention.unwrap_or(pingone_config.retention);
        pingone_config.purge_interval = config.purge_interval.unwrap_or(pingone_config.purge_interval);
        let reachable = listeners.iter().any(|addr| !addr.ip().is_loopback());
        match &config.pingone_worker_secret {
            Some(secret) => pingone_config.worker_client_secret = secret.as_str().into(),
            // A shared server (reachable, or guarded by an admin token): PingOne's outbox is read
            // through the admin API only.
            None if (reachable || config.admin_token.is_some()) && !config.open_demo => {
                pingone_config.worker_client_secret = config.entropy.hex(32).into();
            }
            None => {}
        }
        let pingone = pingone_mfa_server::State::open(pingone_config, config.clock.clone(), config.entropy.clone())?;
        let pingone_task = serve(
            pingone_listener,
            tap(pingone_mfa_server::app(pingone.clone()), inspector::Service::PingOne),
            pingone_mfa_server::serving_refusal(pingone.clone()),
            stopped.clone(),
            &config.public_hosts,
        );
        if config.demo_devices {
            let p1 = pingone.config();
            let (token, _) = pingone
                .mint_access_token()
                .await
                .map_err(|e| anyhow::anyhow!("a worker token for the demo devices: {e}"))?;
            demo_devices::seed(&pingone_url, &p1.environment_id, &token).await?;
        }

        let pingfederate_listener = bind(config.pingfederate_listen, "PingFederate").await?;
        let pingfederate_url = format!("http://{}", pingfederate_listener.local_addr()?);
        let mut pingfederate_config = pingfederate_server::Config::demo(
            config.data_dir.join("pingfederate.sqlite3"),
            pingfederate_url.clone(),
            pingone_url.clone(),
        );
        // PingFederate is PingOne's worker application: the environment and client credentials
        // PingOne was given.
        let p1 = pingone.config();
        pingfederate_config.pingone_environment_id = p1.environment_id.clone();
        pingfederate_config.pingone_client_id = p1.worker_client_id.clone();
        pingfederate_config.pingone_client_secret = p1.worker_client_secret.clone();
        pingfederate_config.password_cost = match config.password_cost {
            PasswordCost::Production => pingfederate_server::PasswordCost::Standard,
            PasswordCost::TestOnlyCheap => pingfederate_server::PasswordCost::TestOnlyCheap,
        };
        if let Some(dir) = &config.pingfederate_widget_dir {
            pingfederate_config.widget_dir.clone_from(dir);
        }
        pingfederate_config.retention = config.retention.unwrap_or(pingfederate_config.retention);
        pingfederate_config.purge_interval = config.purge_interval.unwrap_or(pingfederate_config.purge_interval);
        let pingfederate =
            pingfederate_server::State::open(pingfederate_config, config.clock.clone(), config.entropy.clone())?;
        let pingfederate_app = tap(pingfederate_server::app(pingfederate.clone()), inspector::Service::PingFederate);
        let pingfederate_task = serve(
            pingfederate_listener,
            pingfederate_app,
            pingfederate_server::serving_refusal(),
            stopped.clone(),
            &config.public_hosts,
        );
        let mut tasks = vec![sdk_task, customer_task, pingone_task, pingfederate_task];

        let admin_url = match config.admin_listen {
            Some(addr) => {
                let token = config.admin_token.clone();
                let guarded = token.is_some();
                let listener = bind(addr, "admin API").await?;
                let url = format!("http://{}", listener.local_addr()?);
                let outbox = admin::Outbox { pingone_url: pingone_url.clone(), pingone: pingone.clone() };
                let admin =
                    admin::Admin::new(config.clock.clone(), config.faults.clone(), customer.clone(), recorder.clone())
                        .with_token(token)
                        .with_outbox(outbox);
                tasks.push(serve(listener, admin::router(admin), admin_refusal(), stopped, &config.public_hosts));
                tracing::warn!(%url, guarded, "the admin API is on (virtual clock, fault switches): open on loopback only, or behind its token");
                Some(url)
            }
            None => None,
        };

        if let Some(recorder) = &recorder {
            recorder.reset();
        }
        tracing::info!(%sdk_url, %customer_url, %pingone_url, %pingfederate_url, "stack started");
        Ok(RunningStack {
            sdk_url,
            customer_url,
            pingone_url,
            pingfederate_url,
            admin_url,
            faults: config.faults,
            recorder,
            sdk,
            customer,
            pingone,
            pingfederate,
            clock: config.clock,
            stop,
            tasks,
        })
    }
}

impl RunningStack {
    /// Stops every server and waits for them to finish their open requests.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        for task in self.tasks.drain(..) {
            let _ = task.await;
        }
    }
}

impl Drop for RunningStack {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

async fn set_pairing_mode(customer: &CustomerState, mode: PairingMode) -> anyhow::Result<()> {
    let sdk = customer.sdk();
    let mut settings =
        sdk.get_settings().await.map_err(|e| anyhow::anyhow!("reading the application settings: {e}"))?;
    settings.pairing_mode = mode;
    sdk.put_settings(&settings).await.map_err(|e| anyhow::anyhow!("setting the pairing mode: {e}"))?;
    Ok(())
}

async fn bind(addr: SocketAddr, what: &str) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding the {what} to {addr} (is another instance running?)"))
}

/// Serves `router` on `listener` until `stopped` ([`serving::serve`]), answering only requests
/// for the names it serves ([`host_guard`]) and under the request limits (in the service's shape,
/// `refusal`).
fn serve(
    listener: TcpListener,
    router: axum::Router,
    refusal: serving::Refusal,
    mut stopped: watch::Receiver<bool>,
    public_hosts: &[String],
) -> JoinHandle<()> {
    let hosts = listener.local_addr().map(|addr| host_guard::ServedHosts::new(addr, public_hosts));
    tokio::spawn(async move {
        let router = match hosts {
            Ok(hosts) => host_guard::layer(router, hosts),
            Err(error) => {
                tracing::error!(%error, "a listener without an address: not serving");
                return;
            }
        };
        let shutdown = async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        };
        serving::serve(listener, router, refusal, shutdown).await;
    })
}

/// The admin API's refusal over the request limits: its `{code, message}`.
fn admin_refusal() -> serving::Refusal {
    std::sync::Arc::new(|_target, status, words| {
        let body = moderno_wire::admin::AdminError { code: "REQUEST_TOO_LARGE".into(), message: words.into() };
        axum::response::IntoResponse::into_response((status, axum::Json(body)))
    })
}
