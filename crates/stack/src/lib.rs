//! The whole Moderno server side on loopback, in one process: the emulated PingID SDK server,
//! the Moderno customer server, the emulated PingOne MFA and the emulated PingFederate.
//!
//! The standalone binary (`moderno-stack`), the end-to-end tests and the desktop app's embedded
//! mode all start the services the same way: [`Stack::start`] binds each service's listener
//! (port 0 picks a free one), opens its state on a SQLite file under the data directory (or, for
//! a QA server of several instances, in a PostgreSQL database they share: [`shared`]), and
//! serves its router until the [`RunningStack`] is shut down or dropped.

pub mod admin;
mod config;
pub mod credentials;
pub mod demo_devices;
pub mod health;
pub mod host_guard;
pub mod inspector;
pub mod launch_token;
mod public_urls;
mod serve;
pub mod shared;
pub mod web_pages;

use anyhow::Context as _;
use moderno_ambient::{Clock, Faults};
use moderno_customer_server::{CustomerConfig, CustomerState, PasswordCost};
use pingid_sdk_server::{SdkConfig, SdkState};
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use config::StackConfig;
pub use public_urls::ServiceUrls;
use serve::{admin_refusal, bind, serve, set_pairing_mode};
use shared::controls::Controls;

/// Handles to a started stack. Dropping it stops the servers. The four URLs are where clients
/// reach the services (the public ones, when [`StackConfig`] names them); `instance` is where
/// this instance listens.
pub struct RunningStack {
    /// e.g. `http://127.0.0.1:7001` — the PingID SDK server (Ping API under `/pingid/v1`).
    pub sdk_url: String,
    /// e.g. `http://127.0.0.1:7002` — the Moderno customer server.
    pub customer_url: String,
    /// e.g. `http://127.0.0.1:7003` — the emulated PingOne MFA.
    pub pingone_url: String,
    /// e.g. `http://127.0.0.1:9031` — the emulated PingFederate (authentication API, OAuth).
    pub pingfederate_url: String,
    /// Where this instance's services listen (the same as the four URLs above unless public
    /// ones were given).
    pub instance: ServiceUrls,
    /// The admin API, when started (`StackConfig::admin_listen`).
    pub admin_url: Option<String>,
    pub faults: Faults,
    /// The clock's advance and the switches as the admin API changes them: on a shared database,
    /// every instance's ([`shared::controls`]).
    pub controls: Controls,
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
        let public = public_urls::Public::read(&config)?;
        let public_hosts = public.served_hosts(&config.public_hosts);
        if config.database_url.is_none() {
            std::fs::create_dir_all(&config.data_dir)
                .with_context(|| format!("creating the data directory {}", config.data_dir.display()))?;
        }
        let (stop, stopped) = watch::channel(false);

        // The stack's own state: in memory, or in the schema `stack` every instance shares.
        let shared_db = match &config.database_url {
            Some(url) => Some(shared::open(url)?),
            None => None,
        };
        let controls = match &shared_db {
            Some(db) => {
                let reread = config.controls_reread.unwrap_or(shared::controls::REREAD);
                Controls::shared(db.clone(), config.clock.clone(), config.faults.clone(), reread, stopped.clone())
                    .await
                    .context("reading the shared test controls")?
            }
            None => Controls::local(config.clock.clone(), config.faults.clone()),
        };
        let recorder = config.inspector.then(|| match &shared_db {
            Some(db) => inspector::Recorder::shared(db.clone()),
            None => inspector::Recorder::new(),
        });
        let tap = |router: axum::Router, service: inspector::Service| match &recorder {
            Some(recorder) => inspector::layer(router, recorder.clone(), config.clock.clone(), service),
            None => router,
        };

        let sdk_listener = bind(config.sdk_listen, "PingID SDK server").await?;
        let sdk_bound = format!("http://{}", sdk_listener.local_addr()?);
        let sdk_url = public.sdk.clone().unwrap_or_else(|| sdk_bound.clone());
        let mut sdk_config = SdkConfig::demo(config.data_dir.join("pingid-sdk.sqlite3"), sdk_url.clone());
        sdk_config.database_url.clone_from(&config.database_url);
        sdk_config.faults = config.faults.clone();
        sdk_config.push_limit = config.push_limit;
        sdk_config.poll_recheck = config.long_poll_recheck.unwrap_or(sdk_config.poll_recheck);
        sdk_config.retention = config.retention.unwrap_or(sdk_config.retention);
        sdk_config.purge_interval = config.purge_interval.unwrap_or(sdk_config.purge_interval);
        let creds = &config.credentials;
        sdk_config.account_id.clone_from(&creds.account_id);
        sdk_config.application_ids = vec![creds.application_id.clone()];
        sdk_config.account_token.clone_from(&creds.account_token);
        sdk_config.api_key_b64.clone_from(&creds.api_key_b64);
        let sdk = SdkState::open(sdk_config, config.clock.clone(), config.entropy.clone())?;
        let sdk_task = serve(
            sdk_listener,
            tap(pingid_sdk_server::app(sdk.clone()), inspector::Service::PingIdSdk),
            pingid_sdk_server::serving_refusal(sdk.clone()),
            stopped.clone(),
            &public_hosts,
        );

        let customer_listener = bind(config.customer_listen, "customer server").await?;
        let customer_bound = format!("http://{}", customer_listener.local_addr()?);
        let customer_url = public.customer.clone().unwrap_or_else(|| customer_bound.clone());
        let mut customer_config = CustomerConfig::demo(
            format!("{sdk_url}/pingid/v1"),
            config.data_dir.join("customer.sqlite3"),
            customer_url.clone(),
        );
        customer_config.database_url.clone_from(&config.database_url);
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
            &public_hosts,
        );

        let pingone_listener = bind(config.pingone_listen, "PingOne MFA").await?;
        let pingone_bound = format!("http://{}", pingone_listener.local_addr()?);
        let pingone_url = public.pingone.clone().unwrap_or_else(|| pingone_bound.clone());
        let mut pingone_config =
            pingone_mfa_server::Config::demo(config.data_dir.join("pingone-mfa.sqlite3"), pingone_url.clone());
        pingone_config.database_url.clone_from(&config.database_url);
        pingone_config.faults = config.faults.clone();
        pingone_config.push_poll_interval = config.long_poll_recheck.unwrap_or(pingone_config.push_poll_interval);
        pingone_config.retention = config.retention.unwrap_or(pingone_config.retention);
        pingone_config.purge_interval = config.purge_interval.unwrap_or(pingone_config.purge_interval);
        let reachable = listeners.iter().any(|addr| !addr.ip().is_loopback());
        match &config.pingone_worker_secret {
            Some(secret) => pingone_config.worker_client_secret = secret.clone(),
            // A shared server (reachable, or guarded by an admin token): PingOne's outbox is read
            // through the admin API only.
            None if (reachable || config.admin_token.is_some()) && !config.open_demo => {
                pingone_config.worker_client_secret = match &shared_db {
                    Some(db) => shared::kept_worker_secret(db, &config.entropy).await?,
                    None => config.entropy.hex(32).into(),
                };
            }
            None => {}
        }
        let pingone = pingone_mfa_server::State::open(pingone_config, config.clock.clone(), config.entropy.clone())?;
        let pingone_task = serve(
            pingone_listener,
            tap(pingone_mfa_server::app(pingone.clone()), inspector::Service::PingOne),
            pingone_mfa_server::serving_refusal(pingone.clone()),
            stopped.clone(),
            &public_hosts,
        );
        // On a shared database the first instance ever started seeds them (two starting at once
        // would both find carol without devices).
        let seed_demo_devices = match &shared_db {
            Some(db) if config.demo_devices => shared::first_to_claim(db, "demo_devices_seeded").await?,
            _ => config.demo_devices,
        };
        if seed_demo_devices {
            let seeded = async {
                let p1 = pingone.config();
                let (token, _) = pingone
                    .mint_access_token()
                    .await
                    .map_err(|e| anyhow::anyhow!("a worker token for the demo devices: {e}"))?;
                // This instance's own PingOne: start-up work needs no load balancer.
                demo_devices::seed(&pingone_bound, &p1.environment_id, &token).await
            }
            .await;
            if let Err(error) = seeded {
                // The claim goes with the failure, so the next start seeds them.
                if let Some(db) = &shared_db {
                    shared::give_up_claim(db, "demo_devices_seeded").await?;
                }
                return Err(error);
            }
        }

        let pingfederate_listener = bind(config.pingfederate_listen, "PingFederate").await?;
        let pingfederate_bound = format!("http://{}", pingfederate_listener.local_addr()?);
        let pingfederate_url = public.pingfederate.clone().unwrap_or_else(|| pingfederate_bound.clone());
        let mut pingfederate_config = pingfederate_server::Config::demo(
            config.data_dir.join("pingfederate.sqlite3"),
            pingfederate_url.clone(),
            pingone_url.clone(),
        );
        pingfederate_config.database_url.clone_from(&config.database_url);
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
            &public_hosts,
        );
        let mut tasks = vec![sdk_task, customer_task, pingone_task, pingfederate_task];
        let instance = ServiceUrls {
            sdk: sdk_bound,
            customer: customer_bound,
            pingone: pingone_bound,
            pingfederate: pingfederate_bound,
        };

        let admin_url = match config.admin_listen {
            Some(addr) => {
                let token = config.admin_token.clone();
                let guarded = token.is_some();
                let listener = bind(addr, "admin API").await?;
                let url = format!("http://{}", listener.local_addr()?);
                let outbox = admin::Outbox { pingone_url: instance.pingone.clone(), pingone: pingone.clone() };
                let admin =
                    admin::Admin::new(config.clock.clone(), config.faults.clone(), customer.clone(), recorder.clone())
                        .with_controls(controls.clone())
                        .with_instance(health::Instance::new(instance.named()))
                        .with_token(token)
                        .with_outbox(outbox);
                tasks.push(serve(listener, admin::router(admin), admin_refusal(), stopped, &public_hosts));
                tracing::warn!(%url, guarded, "the admin API is on (virtual clock, fault switches): open on loopback only, or behind its token");
                Some(url)
            }
            None => None,
        };

        if let Some(recorder) = &recorder {
            recorder.reset();
        }
        let shared = shared_db.is_some();
        tracing::info!(%sdk_url, %customer_url, %pingone_url, %pingfederate_url, shared, "stack started");
        Ok(RunningStack {
            sdk_url,
            customer_url,
            pingone_url,
            pingfederate_url,
            instance,
            admin_url,
            faults: config.faults,
            controls,
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
