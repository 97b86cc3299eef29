//! `pingone-mfa-server`: the emulated PingOne MFA service on its own port.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use moderno_ambient::{Clock, Entropy};
use pingone_mfa_server::{app, Config, State};

#[derive(Debug, Parser)]
#[command(about = "Emulated PingOne MFA service (users, devices, pairing, push, passcodes)")]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "PINGONE_MFA_LISTEN", default_value = "127.0.0.1:7003")]
    listen: SocketAddr,
    /// URL devices use to reach this server (default: http://<listen>).
    #[arg(long, env = "PINGONE_MFA_PUBLIC_URL")]
    public_url: Option<String>,
    /// SQLite database file (unless --database-url is given).
    #[arg(long, env = "PINGONE_MFA_DATABASE", default_value = "pingone-mfa.sqlite3")]
    database: PathBuf,
    /// A PostgreSQL database (postgres://user:password@host:port/db) to keep the state in, in the
    /// schema pingone_mfa, instead of the file: every instance given the same URL serves as one.
    /// It may carry a password: use the env variable.
    #[arg(long, env = "MODERNO_DATABASE_URL", hide_env_values = true)]
    database_url: Option<moderno_crypto::Secret<String>>,
    #[arg(long, env = "PINGONE_MFA_ENVIRONMENT", default_value = pingone_mfa_server::DEMO_ENVIRONMENT_ID)]
    environment_id: String,
    /// The worker application's client id (PingFederate gets its access tokens with it).
    #[arg(long, env = "PINGONE_MFA_WORKER_CLIENT_ID", default_value = pingone_mfa_server::DEMO_WORKER_CLIENT_ID)]
    worker_client_id: String,
    /// The worker application's client secret (keep it out of shell history: use the env variable).
    #[arg(long, env = "PINGONE_MFA_WORKER_CLIENT_SECRET", hide_env_values = true)]
    worker_client_secret: Option<moderno_crypto::Secret<String>>,
    /// 64 hex characters from which the payload key, OTP master key and pepper are derived.
    /// Without it they are drawn at first start and kept in the database.
    #[arg(long, env = "PINGONE_MFA_SECRETS_SEED", hide_env_values = true)]
    secrets_seed: Option<moderno_crypto::Secret<String>>,
    /// Seconds a push waits for its answer.
    #[arg(long, env = "PINGONE_MFA_PUSH_TIMEOUT_SECONDS", default_value_t = 40)]
    push_timeout_seconds: i64,
    /// The default device authentication policy asks for number matching too (Ping's widget and
    /// mobile samples cannot show the number; the second demo policy always asks for it).
    #[arg(long, env = "PINGONE_MFA_DEFAULT_NUMBER_MATCHING")]
    default_number_matching: bool,
    /// Hours finished or expired device authentications, pairings and outbox messages are kept
    /// before they are purged (docs/security.md, "Retention"); default 24.
    #[arg(long, env = "PINGONE_MFA_RETENTION_HOURS", allow_negative_numbers = true)]
    retention_hours: Option<u32>,
    /// Seconds of real time between purges; 0 never; default 600.
    #[arg(long, env = "PINGONE_MFA_PURGE_INTERVAL_SECONDS", allow_negative_numbers = true)]
    purge_interval_seconds: Option<u32>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    tracing_subscriber::fmt().with_env_filter(filter).init();
    let args = Args::parse();
    let (listener, url) = moderno_ambient::serving::bind(args.listen, args.public_url).await?;
    let mut config = Config::demo(args.database, url.clone());
    config.database_url = args.database_url;
    config.environment_id = args.environment_id;
    config.worker_client_id = args.worker_client_id;
    if let Some(secret) = args.worker_client_secret {
        config.worker_client_secret = secret;
    }
    config.push_timeout = chrono::Duration::seconds(args.push_timeout_seconds);
    if let Some(hours) = args.retention_hours {
        config.retention = chrono::Duration::hours(hours.into());
    }
    if let Some(seconds) = args.purge_interval_seconds {
        config.purge_interval = std::time::Duration::from_secs(seconds.into());
    }
    if let Some(default) = config.policies.first_mut() {
        default.number_matching = args.default_number_matching;
    }
    match args.secrets_seed.as_ref().map(|seed| hex::decode(seed.expose())) {
        Some(Ok(bytes)) => {
            let seed: [u8; 32] = bytes
                .try_into()
                .map_err(|_| anyhow::anyhow!("the secrets seed must be 32 bytes (64 hex characters)"))?;
            config = config.with_secrets_seed(&seed);
        }
        Some(Err(_)) => anyhow::bail!("the secrets seed must be hex"),
        None => tracing::info!("no secrets seed given: the secrets are drawn at first start and kept in the database"),
    }
    let state = State::open(config, Clock::system(), Entropy::from_os())?;
    tracing::info!(url = %url, "pingone-mfa-server listening");
    let refusal = pingone_mfa_server::serving_refusal(state.clone());
    moderno_ambient::serving::serve_until_ctrl_c(listener, app(state), refusal).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use clap::Parser as _;

    use super::Args;

    /// The worker's client secret and the secrets seed, given as flags, never show in the parsed
    /// arguments' `Debug`.
    #[test]
    fn the_worker_secret_and_the_seed_given_as_flags_never_show_in_the_arguments_debug_output() {
        let seed = "ab".repeat(32);
        let flags = ["pingone-mfa-server", "--worker-client-secret", "secret-hunter2", "--secrets-seed", &seed];
        let args = Args::try_parse_from(flags).unwrap();
        let text = format!("{args:?}");
        assert!(!text.contains("hunter2") && !text.contains(&seed), "{text}");
        assert_eq!(args.worker_client_secret.as_ref().map(|s| s.expose().as_str()), Some("secret-hunter2"));
    }
}
