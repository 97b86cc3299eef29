//! `pingfederate-server`: the emulated PingFederate on its own port, talking to a running
//! `pingone-mfa-server`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use moderno_ambient::{Clock, Entropy};
use moderno_crypto::Secret;
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
    /// SQLite database file (when no --database-url is given).
    #[arg(long, env = "PINGFEDERATE_DATABASE", default_value = "pingfederate.sqlite3")]
    database: PathBuf,
    /// A PostgreSQL database several instances share (`postgres://…`; the tables in the schema
    /// `pingfederate`) instead of the SQLite file. May carry a password: prefer the env variable.
    #[arg(long, env = "MODERNO_DATABASE_URL", hide_env_values = true)]
    database_url: Option<Secret<String>>,
    /// Base URL of the PingOne MFA emulator.
    #[arg(long, env = "PINGONE_MFA_URL", default_value = "http://127.0.0.1:7003")]
    pingone_url: String,
    #[arg(long, env = "PINGONE_MFA_ENVIRONMENT", default_value = pingfederate_server::DEMO_PINGONE_ENVIRONMENT_ID)]
    pingone_environment_id: String,
    /// The worker application's client id at PingOne (access tokens by client credentials).
    #[arg(long, env = "PINGONE_MFA_WORKER_CLIENT_ID", default_value = pingfederate_server::DEMO_PINGONE_CLIENT_ID)]
    pingone_client_id: String,
    /// The worker application's client secret at PingOne (prefer the env variable).
    #[arg(long, env = "PINGONE_MFA_WORKER_CLIENT_SECRET", hide_env_values = true)]
    pingone_client_secret: Option<Secret<String>>,
    /// The desktop app's OAuth client id (PKCE required); the demo's other clients
    /// (moderno-mobile-sample, moderno-web) are always there.
    #[arg(long, env = "PINGFEDERATE_CLIENT_ID", default_value = pingfederate_server::DESKTOP_CLIENT_ID)]
    client_id: String,
    /// Redirect URIs registered for the desktop app's client (repeat or comma-separate).
    #[arg(long, env = "PINGFEDERATE_REDIRECT_URIS", value_delimiter = ',', default_values_t = ["moderno://callback".to_string()])]
    redirect_uri: Vec<String>,
    /// 64 hex characters: the seed of the token signing key. Without it the key is drawn at first
    /// start and kept in the database.
    #[arg(long, env = "PINGFEDERATE_SIGNING_SEED", hide_env_values = true)]
    signing_seed: Option<Secret<String>>,
    /// Browser mode: where the authorization endpoint sends browsers (`?flowId=`).
    /// Default: the placeholder at <public-url>/pf-ws/authn/app.
    #[arg(long, env = "PINGFEDERATE_AUTHN_APP_URL")]
    authentication_application_url: Option<String>,
    /// Origins allowed to call the API from a page, with credentials (repeat or comma-separate).
    #[arg(long = "allowed-origin", env = "PINGFEDERATE_ALLOWED_ORIGINS", value_delimiter = ',')]
    allowed_origins: Option<Vec<String>>,
    /// Minutes a flow lives.
    #[arg(long, env = "PINGFEDERATE_FLOW_MINUTES", default_value_t = 30)]
    flow_minutes: i64,
    /// Hours expired flows and authorization codes are kept before they are purged
    /// (docs/security.md, "Retention"); default 24.
    #[arg(long, env = "PINGFEDERATE_RETENTION_HOURS", allow_negative_numbers = true)]
    retention_hours: Option<u32>,
    /// Seconds of real time between purges; 0 never; default 600.
    #[arg(long, env = "PINGFEDERATE_PURGE_INTERVAL_SECONDS", allow_negative_numbers = true)]
    purge_interval_seconds: Option<u32>,
    /// The unpacked npm package `@ping-identity/pf-authn-js-widget` 1.11.0 the `/widget/` page
    /// serves Ping's files from (default: this checkout's web/pf-widget after `npm ci`).
    #[arg(long, env = "MODERNO_PF_WIDGET_DIR")]
    widget_dir: Option<PathBuf>,
}

fn decode_seed(text: &str) -> anyhow::Result<[u8; 32]> {
    let bytes = hex::decode(text).map_err(|_| anyhow::anyhow!("the signing seed must be hex"))?;
    bytes.try_into().map_err(|_| anyhow::anyhow!("the signing seed must be 32 bytes (64 hex characters)"))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    tracing_subscriber::fmt().with_env_filter(filter).init();
    let args = Args::parse();
    let (listener, url) = moderno_ambient::serving::bind(args.listen, args.public_url).await?;
    let mut config = Config::demo(args.database, url.clone(), args.pingone_url);
    config.database_url = args.database_url;
    config.pingone_environment_id = args.pingone_environment_id;
    config.pingone_client_id = args.pingone_client_id;
    if let Some(secret) = args.pingone_client_secret {
        config.pingone_client_secret = secret;
    }
    config.clients.retain(|c| c.client_id != pingfederate_server::DESKTOP_CLIENT_ID && c.client_id != args.client_id);
    config.clients.insert(0, OAuthClient::public(args.client_id, args.redirect_uri).requiring_pkce());
    config.flow_lifetime = chrono::Duration::minutes(args.flow_minutes);
    if let Some(hours) = args.retention_hours {
        config.retention = chrono::Duration::hours(hours.into());
    }
    if let Some(seconds) = args.purge_interval_seconds {
        config.purge_interval = std::time::Duration::from_secs(seconds.into());
    }
    if let Some(seed) = args.signing_seed.as_ref().map(|seed| decode_seed(seed.expose())) {
        config = config.with_token_key_seed(seed?);
    }
    if let Some(url) = args.authentication_application_url {
        config.authentication_application_url = Some(url);
    }
    if let Some(dir) = args.widget_dir {
        config.widget_dir = dir;
    }
    if let Some(origins) = args.allowed_origins {
        config.allowed_origins = origins;
    }
    let state = State::open(config, Clock::system(), Entropy::from_os())?;
    tracing::info!(url = %url, "pingfederate-server listening");
    moderno_ambient::serving::serve_until_ctrl_c(listener, app(state), pingfederate_server::serving_refusal()).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use clap::Parser as _;

    use super::{decode_seed, Args};

    /// PingOne's worker secret and the signing seed, given as flags, never show in the parsed
    /// arguments' `Debug`; the seed still decodes.
    #[test]
    fn the_pingone_secret_and_the_signing_seed_given_as_flags_never_show_in_the_arguments_debug_output() {
        let seed = "cd".repeat(32);
        let flags = ["pingfederate-server", "--pingone-client-secret", "secret-hunter2", "--signing-seed", &seed];
        let args = Args::try_parse_from(flags).unwrap();
        let text = format!("{args:?}");
        assert!(!text.contains("hunter2") && !text.contains(&seed), "{text}");
        let given = args.signing_seed.as_ref().map(|s| decode_seed(s.expose()).unwrap());
        assert_eq!(given, Some([0xcd; 32]));
    }
}
