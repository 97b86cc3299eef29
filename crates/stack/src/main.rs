//! `moderno-stack`: every Moderno service on loopback, for the demo and for a shared QA server.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use moderno_crypto::Secret;
use moderno_stack::{web_pages, Stack, StackConfig};
use moderno_wire::sdk::PairingMode;

/// Starts the emulated PingID SDK server and the Moderno customer server.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Where the services keep their SQLite files (default: the platform data directory).
    #[arg(long, env = "MODERNO_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// A PostgreSQL database (postgres://user@host:port/db) holding every service's state instead
    /// of the SQLite files, each service in a schema of its own (pingid_sdk, customer,
    /// pingone_mfa, pingfederate, stack): instances given the same one behave as one server,
    /// virtual clock, fault switches and inspector included. Prefer the environment variable: it
    /// may carry a password (never logged or printed).
    #[arg(long, env = "MODERNO_DATABASE_URL", hide_env_values = true)]
    database_url: Option<Secret<String>>,
    /// The URL clients reach the PingID SDK server at, when not where it listens (a load
    /// balancer's, in front of several instances): the device API in server payloads points there.
    #[arg(long, env = "MODERNO_SDK_URL")]
    sdk_url: Option<String>,
    /// The URL clients reach the customer server at (a load balancer's).
    #[arg(long, env = "MODERNO_CUSTOMER_URL")]
    customer_url: Option<String>,
    /// The URL clients reach PingOne MFA at (a load balancer's): the device API in its payloads
    /// and PingFederate's PingOne.
    #[arg(long, env = "MODERNO_PINGONE_URL")]
    pingone_url: Option<String>,
    /// The URL clients reach PingFederate at (a load balancer's): its issuer, links and redirects.
    #[arg(long, env = "MODERNO_PINGFEDERATE_URL")]
    pingfederate_url: Option<String>,
    /// How long the PingID SDK server, PingOne and PingFederate keep a finished or expired record
    /// before they purge it (docs/security.md, "Retention"); default 24 hours.
    #[arg(long, env = "MODERNO_RETENTION_HOURS")]
    retention_hours: Option<u32>,
    /// How often (real time) they purge, in seconds (as the standalone servers take it); 0 never;
    /// default 600 (10 minutes).
    #[arg(long, env = "MODERNO_PURGE_INTERVAL_SECONDS")]
    purge_interval_seconds: Option<u64>,
    /// Record every hop for the flow inspector (read through the admin API's /admin/hops); on a
    /// shared database, one record for every instance.
    #[arg(long, env = "MODERNO_INSPECTOR")]
    inspector: bool,
    /// Address of the emulated PingID SDK server.
    #[arg(long, env = "MODERNO_SDK_LISTEN", default_value = "127.0.0.1:7001")]
    sdk_listen: SocketAddr,
    /// Address of the Moderno customer server.
    #[arg(long, env = "MODERNO_CUSTOMER_LISTEN", default_value = "127.0.0.1:7002")]
    customer_listen: SocketAddr,
    /// Address of the emulated PingOne MFA.
    #[arg(long, env = "MODERNO_PINGONE_LISTEN", default_value = "127.0.0.1:7003")]
    pingone_listen: SocketAddr,
    /// Address of the emulated PingFederate.
    #[arg(long, env = "MODERNO_PINGFEDERATE_LISTEN", default_value = "127.0.0.1:9031")]
    pingfederate_listen: SocketAddr,
    /// How a user's first device pairs: `automatic` (a trust-level prompt at first login) or
    /// `manual` (a pairing key from the customer server's web page first).
    #[arg(long, env = "MODERNO_PAIRING_MODE", value_parser = ["automatic", "manual"])]
    pairing_mode: Option<String>,
    /// Let users with a paired device pair another one without approval.
    #[arg(long, env = "MODERNO_IGNORE_VALIDATION")]
    ignore_validation: bool,
    /// Start the admin API here (virtual clock, fault switches; see docs/api/admin.md). Off by
    /// default. Off loopback (a shared QA server) it needs a bearer token, read from the
    /// environment only (a flag would show in `ps`): MODERNO_ADMIN_TOKEN.
    #[arg(long, env = "MODERNO_ADMIN_LISTEN")]
    admin_listen: Option<SocketAddr>,
    /// Do not give carol and dave their PingOne MFA devices (SMS, e-mail).
    #[arg(long)]
    no_demo_devices: bool,
    /// Beyond Ping: push requests a user may be sent per 10 minutes at the PingID SDK server
    /// (push-bombing protection); 0 switches the limit off, as Ping has none.
    #[arg(long, env = "MODERNO_PUSH_LIMIT", default_value_t = 5)]
    push_limit: u32,
    /// Beyond Ping: the customer server answers too many attempts, an unknown session and a full
    /// device list with the project's status codes 1032, 1033, 1034 instead of Ping's 1000.
    #[arg(long, env = "MODERNO_EXTENSION_CODES")]
    extension_codes: bool,
    /// The names this server is reached by, comma separated (e.g. `qa.example`): the services
    /// answer only requests for these, the loopback names and their listening address (DNS
    /// rebinding).
    #[arg(long = "public-host", env = "MODERNO_PUBLIC_HOSTS", value_delimiter = ',')]
    public_hosts: Vec<String>,
    /// Start off loopback even with the public demo credentials (an open demo server). Without
    /// it, a server other machines can reach needs PINGID_ACCOUNT_TOKEN and PINGID_API_KEY (read
    /// from the environment only, with PINGID_ACCOUNT_ID and PINGID_APPLICATION_ID).
    #[arg(long = "demo", env = "MODERNO_OPEN_DEMO")]
    open_demo: bool,
    /// The unpacked npm package `@ping-identity/pf-authn-js-widget` 1.11.0 PingFederate's web
    /// sign-in page serves (default: this checkout's web/pf-widget after `npm ci`).
    #[arg(long = "pf-widget-dir", env = "MODERNO_PF_WIDGET_DIR")]
    pf_widget_dir: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let args = Args::parse();
    let data_dir = match args.data_dir {
        Some(dir) => dir,
        None => directories::ProjectDirs::from("com", "moderno", "moderno-desktop")
            .map(|dirs| dirs.data_dir().join("stack"))
            .ok_or_else(|| anyhow::anyhow!("no home directory: pass --data-dir"))?,
    };
    let mut config = StackConfig::loopback(data_dir.clone());
    let shared = args.database_url.is_some();
    config.database_url = args.database_url;
    config.sdk_url = args.sdk_url;
    config.customer_url = args.customer_url;
    config.pingone_url = args.pingone_url;
    config.pingfederate_url = args.pingfederate_url;
    config.inspector = args.inspector;
    config.retention = args.retention_hours.map(|hours| chrono::Duration::hours(hours.into()));
    config.purge_interval = args.purge_interval_seconds.map(std::time::Duration::from_secs);
    config.sdk_listen = args.sdk_listen;
    config.customer_listen = args.customer_listen;
    config.pingone_listen = args.pingone_listen;
    config.pingfederate_listen = args.pingfederate_listen;
    config.ignore_validation = args.ignore_validation;
    config.demo_devices = !args.no_demo_devices;
    config.push_limit = args.push_limit;
    config.extension_codes = args.extension_codes;
    config.public_hosts = args.public_hosts;
    config.open_demo = args.open_demo;
    config.pingfederate_widget_dir = args.pf_widget_dir;
    config.credentials = moderno_stack::credentials::Credentials::from_lookup(|name| std::env::var(name).ok());
    config.pingone_worker_secret =
        std::env::var("PINGONE_WORKER_CLIENT_SECRET").ok().filter(|s| !s.trim().is_empty()).map(Secret::from);
    config.admin_listen = args.admin_listen;
    config.admin_token =
        std::env::var("MODERNO_ADMIN_TOKEN").ok().as_deref().and_then(moderno_stack::admin::AdminToken::new);
    config.pairing_mode = args.pairing_mode.as_deref().map(|mode| match mode {
        "manual" => PairingMode::Manual,
        _ => PairingMode::Automatic,
    });
    let config_has_token = config.admin_token.is_some();
    let stack = Stack::start(config).await?;
    if let Some(admin) = &stack.admin_url {
        let guard = if config_has_token { "bearer token required" } else { "open: loopback only" };
        println!("\nAdmin API (virtual clock, fault switches) on {admin}/admin ({guard}).");
    }

    let data = if shared {
        "in the PostgreSQL database given: this instance shares it with any other given the same".to_owned()
    } else {
        format!("in {}", data_dir.display())
    };
    println!(
        "\nModerno stack is running (data {data}).\n\n\
         \x20 Customer server (Moderno protocol):  {customer}/pingidsdk\n\
         \x20 Pairing-key web page (manual pairing): {customer}/\n\
         \x20 PingID SDK server (emulated):          {sdk}/pingid/v1\n\
         \x20 PingFederate (emulated):               {pf}/as/authorization.oauth2 , {pf}/pf-ws/authn/flows\n\
         \x20 PingOne MFA (emulated):                {p1}\n\n\
         Sign in on the web: {web_sign_in} (PingID SDK: your trusted device approves)\n\
         \x20                   {widget} (Ping's widget on PingFederate: PingOne MFA)\n\n\
         Demo users: alice, bob, carol, dave — password `moderno-demo`. At PingOne MFA, carol has an\n\
         SMS device and dave an e-mail and an SMS device; their passcodes land in {p1}/outbox/<user>.\n\n\
         Pair a first device from another terminal:\n\
         \x20 cargo run -q -p moderno-device -- --server {customer} --profile laptop login --user alice --password moderno-demo --trust primary\n\
         Then a second device, approved from the first:\n\
         \x20 cargo run -q -p moderno-device -- --server {customer} --profile laptop approve     # terminal 2\n\
         \x20 cargo run -q -p moderno-device -- --server {customer} --profile tablet login --user alice --password moderno-demo   # terminal 3\n\n\
         Ctrl-C (or SIGTERM) stops the stack once the requests in flight are answered.",
        customer = stack.customer_url,
        sdk = stack.sdk_url,
        pf = stack.pingfederate_url,
        p1 = stack.pingone_url,
        web_sign_in = web_pages::at(&stack.customer_url, web_pages::CUSTOMER_SIGN_IN_PATH),
        widget = web_pages::at(&stack.pingfederate_url, web_pages::PF_WIDGET_PATH),
    );
    // Where this instance itself listens (a load balancer's backends), a port given as 0 being
    // the one it took: a supervisor or a test reads this line to reach this very process.
    let own = &stack.instance;
    println!(
        "This instance listens on: sdk {}, customer {}, pingone {}, pingfederate {}",
        own.sdk, own.customer, own.pingone, own.pingfederate
    );
    if let Some(admin) = &stack.admin_url {
        println!("Health (for a load balancer): {admin}/health, and /health on each service.");
    }
    moderno_ambient::serving::stop_signal().await;
    stack.shutdown().await;
    Ok(())
}
