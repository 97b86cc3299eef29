//! `moderno-customer-server`: the Moderno backend on its own.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Parser;
use moderno_ambient::{Clock, Entropy};
use moderno_customer_server::{app, CustomerConfig, CustomerState, PasswordCost};

/// The Moderno customer server: first factor, the Moderno protocol and the pairing-key page.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "MODERNO_LISTEN", default_value = "127.0.0.1:7002")]
    listen: SocketAddr,
    /// The PingID SDK server API root, including /pingid/v1.
    #[arg(long, env = "MODERNO_SDK_URL", default_value = "http://127.0.0.1:7001/pingid/v1")]
    sdk_url: String,
    #[arg(long, env = "PINGID_ACCOUNT_ID", default_value = moderno_customer_server::DEMO_ACCOUNT_ID)]
    account_id: String,
    /// The account token (a secret; prefer the environment variable).
    #[arg(long, env = "PINGID_TOKEN", default_value = moderno_customer_server::DEMO_ACCOUNT_TOKEN, hide_default_value = true, hide_env_values = true)]
    account_token: moderno_crypto::Secret<String>,
    /// The API key, base64 as the admin portal shows it (a secret; prefer the environment variable).
    #[arg(long, env = "PINGID_API_KEY", default_value = moderno_customer_server::DEMO_API_KEY_B64, hide_default_value = true, hide_env_values = true)]
    api_key: moderno_crypto::Secret<String>,
    #[arg(long, env = "PINGID_APP_ID", default_value = moderno_customer_server::DEMO_APPLICATION_ID)]
    application_id: String,
    /// The SQLite file for users and sessions.
    #[arg(long, env = "MODERNO_DB", default_value = "moderno-customer.sqlite3")]
    db: PathBuf,
    /// A PostgreSQL database (postgres://…) instead of the SQLite file, in the schema customer:
    /// instances on one database behave as one server (never logged; a secret when it carries a
    /// password: prefer the environment variable).
    #[arg(long, env = "MODERNO_DATABASE_URL", hide_env_values = true)]
    database_url: Option<moderno_crypto::Secret<String>>,
    /// Where this server is reachable (defaults to http://<listen>).
    #[arg(long, env = "MODERNO_PUBLIC_URL")]
    public_url: Option<String>,
    /// Pair additional devices without an approving authentication.
    #[arg(long, env = "MODERNO_IGNORE_VALIDATION")]
    ignore_validation: bool,
    /// Do not seed the demo users (alice, bob, carol, dave).
    #[arg(long, env = "MODERNO_NO_DEMO_USERS")]
    no_demo_users: bool,
    /// The application's push timeout at the PingID SDK (Ping's admin portal; the SDK server's
    /// `--push-timeout-seconds`): how long `auth_user` waits for a push.
    #[arg(long, env = "PINGID_PUSH_TIMEOUT_SECONDS", default_value_t = 40)]
    push_timeout_seconds: u16,
    /// Beyond Ping: answer too many attempts, an unknown session and a full device list with the
    /// project's status codes 1032, 1033, 1034 instead of Ping's 1000.
    #[arg(long, env = "MODERNO_EXTENSION_CODES")]
    extension_codes: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .init();
    let args = Args::parse();
    let listener =
        tokio::net::TcpListener::bind(args.listen).await.with_context(|| format!("binding {}", args.listen))?;
    let local = listener.local_addr()?;
    let config = CustomerConfig {
        sdk_base_url: args.sdk_url,
        account_id: args.account_id,
        account_token: args.account_token,
        api_key_b64: args.api_key,
        application_id: args.application_id,
        db_path: args.db,
        database_url: args.database_url,
        public_url: args.public_url.unwrap_or_else(|| format!("http://{local}")),
        ignore_validation: args.ignore_validation,
        argon2: PasswordCost::Production,
        demo_users: !args.no_demo_users,
        faults: moderno_ambient::Faults::none(),
        push_poll_interval: moderno_customer_server::PUSH_POLL_INTERVAL,
        push_lifetime: std::time::Duration::from_secs(args.push_timeout_seconds.into()),
        extension_codes: args.extension_codes,
    };
    let state = CustomerState::open(config, Clock::system(), Entropy::from_os()).await?;
    tracing::info!(%local, "listening");
    moderno_ambient::serving::serve_until_ctrl_c(listener, app(state), moderno_customer_server::serving_refusal())
        .await;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use clap::Parser as _;

    use super::Args;

    /// The customer server's credentials at PingID, given as flags, never show in the parsed
    /// arguments' `Debug`.
    #[test]
    fn the_pingid_credentials_given_as_flags_never_show_in_the_arguments_debug_output() {
        let flags = ["moderno-customer-server", "--account-token", "token-hunter2", "--api-key", "a2V5LWh1bnRlcjI="];
        let args = Args::try_parse_from(flags).unwrap();
        let text = format!("{args:?}");
        assert!(!text.contains("hunter2") && !text.contains("a2V5LWh1bnRlcjI="), "{text}");
        assert_eq!(
            (args.account_token.expose().as_str(), args.api_key.expose().as_str()),
            ("token-hunter2", "a2V5LWh1bnRlcjI=")
        );
    }
}
