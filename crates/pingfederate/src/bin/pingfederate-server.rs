//! `pingfederate-server`: the emulated PingFederate on its own port, talking to a running
//! `pingone-mfa-server`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use moderno_ambient::{Clock, Entropy};
use pingfederate_server::{app, Config, OAuthClient, State};

#[derive(Debug, Parser)]
#[command(about = "Emulated PingFederate with the PingOne MFA IdP adapter (authentication API, pi.flow)")]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "PINGFEDERATE_LISTEN", default_value = "127.0.0.1:9031")]
    listen: SocketAddr,
    /// Issuer and base URL of links (default: http://<listen>).
    #[arg(long, env = "PINGFEDERATE_PUBLIC_URL")]
    public_url: Option<String>,
    /// SQLite database file.
    #[arg(long, env = "PINGFEDERATE_DATABASE", default_value = "pingfederate.sqlite3")]
    database: PathBuf,
    /// Base URL of the PingOne MFA emulator.
    #[arg(long, env = "PINGONE_MFA_URL", default_value = "http://127.0.0.1:7003")]
    pingone_url: String,
    #[arg(long, env = "PINGONE_MFA_ENVIRONMENT", default_value = "moderno-env")]
    pingone_environment_id: String,
    /// Worker token for PingOne MFA (prefer the env variable).
    #[arg(long, env = "PINGONE_MFA_WORKER_TOKEN", hide_env_values = true)]
    pingone_worker_token: Option<String>,
    /// OAuth client id allowed to start flows.
    #[arg(long, env = "PINGFEDERATE_CLIENT_ID", default_value = "moderno-desktop")]
    client_id: String,
    /// Redirect URIs registered for the client (repeat or comma-separate).
    #[arg(long, env = "PINGFEDERATE_REDIRECT_URIS", value_delimiter = ',', default_values_t = ["moderno://callback".to_string(), "http://127.0.0.1/callback".to_string()])]
    redirect_uri: Vec<String>,
    /// Minutes a flow lives.
    #[arg(long, env = "PINGFEDERATE_FLOW_MINUTES", default_value_t = 30)]
    flow_minutes: i64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).init();
    let args = Args::parse();
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    let url = args.public_url.unwrap_or_else(|| format!("http://{}", listener.local_addr().map_or(args.listen, |a| a)));
    let mut config = Config::demo(args.database, url.clone(), args.pingone_url);
    config.pingone_environment_id = args.pingone_environment_id;
    if let Some(token) = args.pingone_worker_token {
        config.pingone_worker_token = token;
    }
    config.clients = vec![OAuthClient { client_id: args.client_id, redirect_uris: args.redirect_uri }];
    config.flow_lifetime = chrono::Duration::minutes(args.flow_minutes);
    let state = State::open(config, Clock::system(), Entropy::from_os())?;
    tracing::info!(url = %url, "pingfederate-server listening");
    axum::serve(listener, app(state))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
