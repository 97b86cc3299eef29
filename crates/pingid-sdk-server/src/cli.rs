//! The `pingid-sdk-server` binary: configuration from flags or environment, logging, serving.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use chrono::Duration;
use clap::Parser;
use moderno_ambient::{Clock, Entropy};

use crate::config::{SdkConfig, DEMO_ACCOUNT_ID, DEMO_ACCOUNT_TOKEN, DEMO_API_KEY_B64, DEMO_APPLICATION_ID};

/// An emulated PingID SDK server (Ping API and device API). Defaults are the demo account.
#[derive(Debug, Parser)]
#[command(name = "pingid-sdk-server", version)]
pub struct Args {
    /// Address to listen on.
    #[arg(long, env = "PINGID_LISTEN", default_value = "127.0.0.1:7001")]
    pub listen: SocketAddr,
    /// The SQLite file holding the server's state (unless --database-url is given).
    #[arg(long, env = "PINGID_DB", default_value = "pingid-sdk.sqlite3")]
    pub db: PathBuf,
    /// A PostgreSQL database (postgres://user@host:port/db) holding the state instead, in the
    /// schema pingid_sdk, shared by every instance given the same one (never logged; prefer the
    /// environment variable: it may carry a password).
    #[arg(long, env = "MODERNO_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<moderno_crypto::Secret<String>>,
    /// How clients reach this server (server payloads point devices here); default http://<listen>.
    #[arg(long, env = "PINGID_PUBLIC_URL")]
    pub public_url: Option<String>,
    #[arg(long, env = "PINGID_ACCOUNT_ID", default_value = DEMO_ACCOUNT_ID)]
    pub account_id: String,
    /// The account token (prefer the environment variable).
    #[arg(long, env = "PINGID_ACCOUNT_TOKEN", default_value = DEMO_ACCOUNT_TOKEN, hide_env_values = true, hide_default_value = true)]
    pub account_token: moderno_crypto::Secret<String>,
    /// The API key, standard base64 (prefer the environment variable).
    #[arg(long, env = "PINGID_API_KEY", default_value = DEMO_API_KEY_B64, hide_env_values = true, hide_default_value = true)]
    pub api_key: moderno_crypto::Secret<String>,
    /// Application ids, comma separated.
    #[arg(long = "application-ids", env = "PINGID_APPLICATION_IDS", value_delimiter = ',', default_value = DEMO_APPLICATION_ID)]
    pub application_ids: Vec<String>,
    #[arg(long, env = "PINGID_PUSH_TIMEOUT_SECONDS", default_value_t = 40)]
    pub push_timeout_seconds: u32,
    #[arg(long, env = "PINGID_ONLINE_WINDOW_SECONDS", default_value_t = 60)]
    pub online_window_seconds: u32,
    #[arg(long, env = "PINGID_PAIRING_KEY_LIFETIME_MINUTES", default_value_t = 10)]
    pub pairing_key_lifetime_minutes: u32,
    #[arg(long, env = "PINGID_REGISTRATION_TOKEN_LIFETIME_MINUTES", default_value_t = 10)]
    pub registration_token_lifetime_minutes: u32,
    /// Push authentications a user may start per window (push bombing).
    #[arg(long, env = "PINGID_PUSH_LIMIT", default_value_t = 5)]
    pub push_limit: u32,
    #[arg(long, env = "PINGID_PUSH_LIMIT_WINDOW_MINUTES", default_value_t = 10)]
    pub push_limit_window_minutes: u32,
    /// Hours finished or expired authentications, registration tokens and pairing keys are kept
    /// before they are purged (docs/security.md, "Retention"); default 24.
    #[arg(long, env = "PINGID_RETENTION_HOURS", allow_negative_numbers = true)]
    pub retention_hours: Option<u32>,
    /// Seconds of real time between purges; 0 never; default 600.
    #[arg(long, env = "PINGID_PURGE_INTERVAL_SECONDS", allow_negative_numbers = true)]
    pub purge_interval_seconds: Option<u32>,
}

impl Args {
    /// The configuration; the secrets seed comes only from `PINGID_SECRETS_SEED` (64 hex
    /// characters), never a flag, so it does not show in process listings.
    pub fn into_config(self) -> anyhow::Result<SdkConfig> {
        let secrets_seed = match std::env::var("PINGID_SECRETS_SEED") {
            Ok(text) => Some(
                hex::decode(text.trim())
                    .ok()
                    .and_then(|b| <[u8; 32]>::try_from(b).ok())
                    .map(moderno_crypto::Secret::new)
                    .context("PINGID_SECRETS_SEED must be 64 hex characters")?,
            ),
            Err(_) => None,
        };
        let public_url = self.public_url.unwrap_or_else(|| format!("http://{}", self.listen));
        Ok(SdkConfig {
            faults: moderno_ambient::Faults::none(),
            account_id: self.account_id,
            account_token: self.account_token,
            api_key_b64: self.api_key,
            application_ids: self.application_ids,
            db_path: self.db,
            database_url: self.database_url,
            public_url,
            push_timeout: Duration::seconds(self.push_timeout_seconds.into()),
            online_window: Duration::seconds(self.online_window_seconds.into()),
            pairing_key_lifetime: Duration::minutes(self.pairing_key_lifetime_minutes.into()),
            registration_token_lifetime: Duration::minutes(self.registration_token_lifetime_minutes.into()),
            push_limit: self.push_limit,
            push_limit_window: Duration::minutes(self.push_limit_window_minutes.into()),
            secrets_seed,
            retention: self.retention_hours.map_or(crate::config::DEFAULT_RETENTION, |h| Duration::hours(h.into())),
            purge_interval: self
                .purge_interval_seconds
                .map_or(crate::config::DEFAULT_PURGE_INTERVAL, |s| std::time::Duration::from_secs(s.into())),
            poll_recheck: crate::config::DEFAULT_POLL_RECHECK,
        })
    }
}

/// Parses the command line, then serves until Ctrl-C or SIGTERM (in-flight requests finish).
pub async fn run() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tower_http=info")),
        )
        .init();
    let args = Args::parse();
    let listen = args.listen;
    let config = args.into_config()?;
    let state = crate::SdkState::open(config, Clock::system(), Entropy::from_os())?;
    let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("binding {listen}"))?;
    tracing::info!(address = %listener.local_addr()?, "PingID SDK server listening");
    let refusal = crate::serving_refusal(state.clone());
    moderno_ambient::serving::serve_until_ctrl_c(listener, crate::app(state), refusal).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use clap::Parser as _;

    use super::Args;

    #[test]
    fn a_database_url_given_on_the_command_line_reaches_the_configuration_and_never_its_debug_output() {
        let url = "postgres://moderno:hunter2@db.example:5432/qa";
        let args = Args::try_parse_from(["pingid-sdk-server", "--database-url", url]).unwrap();
        let config = args.into_config().unwrap();
        assert_eq!(config.database_url.as_ref().map(|u| u.expose().as_str()), Some(url));
        let text = format!("{config:?}");
        assert!(!text.contains("hunter2") && !text.contains("db.example"), "{text}");
        let without = Args::try_parse_from(["pingid-sdk-server"]).unwrap().into_config().unwrap();
        if std::env::var_os("MODERNO_DATABASE_URL").is_none() {
            assert!(without.database_url.is_none(), "no URL: the SQLite file");
        }
    }

    /// The account token and API key given as flags reach the configuration; the parsed
    /// arguments' `Debug` shows neither.
    #[test]
    fn the_account_secrets_given_as_flags_reach_the_configuration_and_never_the_arguments_debug_output() {
        let flags = ["pingid-sdk-server", "--account-token", "token-hunter2", "--api-key", "a2V5LWh1bnRlcjI="];
        let args = Args::try_parse_from(flags).unwrap();
        let text = format!("{args:?}");
        assert!(!text.contains("hunter2") && !text.contains("a2V5LWh1bnRlcjI="), "{text}");
        let config = args.into_config().unwrap();
        assert_eq!(config.account_token.expose(), "token-hunter2");
        assert_eq!(config.api_key_b64.expose(), "a2V5LWh1bnRlcjI=");
    }

    #[test]
    fn the_retention_and_purge_interval_flags_reach_the_configuration_and_default_to_a_day_every_ten_minutes() {
        let args = ["pingid-sdk-server", "--retention-hours", "2", "--purge-interval-seconds", "0"];
        let config = Args::try_parse_from(args).unwrap().into_config().unwrap();
        assert_eq!((config.retention, config.purge_interval), (chrono::Duration::hours(2), std::time::Duration::ZERO));
        if std::env::var_os("PINGID_RETENTION_HOURS").is_none()
            && std::env::var_os("PINGID_PURGE_INTERVAL_SECONDS").is_none()
        {
            let config = Args::try_parse_from(["pingid-sdk-server"]).unwrap().into_config().unwrap();
            assert_eq!(
                (config.retention, config.purge_interval),
                (chrono::Duration::hours(24), std::time::Duration::from_secs(600))
            );
        }
    }
}
