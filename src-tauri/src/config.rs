//! Start-up: flags (with an environment variable for each, and demo defaults) and logging — to a
//! daily-rolling file in the app's log directory and to stderr. Secrets never reach a log: the
//! device crate and the shell record ids, codes and outcomes, never passwords, keys, passcodes or
//! payloads.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::{Parser, ValueEnum};
use moderno_wire::sdk::PairingMode;

use crate::models::Backend;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter};

pub const DEFAULT_PROFILE: &str = "default";

/// Moderno Desktop: sign in with device pairing, the PingID SDK way or through PingFederate with
/// PingOne MFA.
#[derive(Debug, Clone, Parser)]
#[command(name = "moderno-desktop", version, about)]
pub struct ShellArgs {
    /// The device identity to use; each profile has its own key in the OS keyring, so two windows
    /// with two profiles are two devices.
    #[arg(long, env = "MODERNO_PROFILE", default_value = DEFAULT_PROFILE)]
    pub profile: String,
    /// Which backend signs in: the Moderno customer server with the PingID SDK, or PingFederate
    /// with the PingOne MFA adapter.
    #[arg(long, env = "MODERNO_BACKEND", value_enum, default_value = "pingid-sdk")]
    pub backend: Backend,
    /// The server to use (e.g. a shared QA server): the customer server, or PingFederate with
    /// `--backend pingfederate`. Without it the app runs the whole server stack itself, on loopback.
    #[arg(long = "server", env = "MODERNO_SERVER_URL")]
    pub server_url: Option<String>,
    /// The shared server's admin API (its `--admin-listen`), for the QA panel, the flow inspector
    /// and the demo outbox; its bearer token comes from MODERNO_ADMIN_TOKEN. The built-in
    /// servers bring their own.
    #[arg(long = "admin-url", env = "MODERNO_ADMIN_URL")]
    pub admin_url: Option<String>,
    /// Where the embedded PingID SDK server listens.
    #[arg(long, env = "MODERNO_EMBEDDED_SDK_LISTEN", default_value = "127.0.0.1:7101")]
    pub embedded_sdk_listen: SocketAddr,
    /// Where the embedded customer server listens.
    #[arg(long, env = "MODERNO_EMBEDDED_CUSTOMER_LISTEN", default_value = "127.0.0.1:7102")]
    pub embedded_customer_listen: SocketAddr,
    /// Where the embedded PingOne MFA listens.
    #[arg(long, env = "MODERNO_EMBEDDED_PINGONE_LISTEN", default_value = "127.0.0.1:7103")]
    pub embedded_pingone_listen: SocketAddr,
    /// Where the embedded PingFederate listens.
    #[arg(long, env = "MODERNO_EMBEDDED_PINGFEDERATE_LISTEN", default_value = "127.0.0.1:7104")]
    pub embedded_pingfederate_listen: SocketAddr,
    /// Where the embedded stack's admin API listens (the app's QA panel: virtual clock, faults).
    #[arg(long, env = "MODERNO_EMBEDDED_ADMIN_LISTEN", default_value = "127.0.0.1:7105")]
    pub embedded_admin_listen: SocketAddr,
    /// Where the embedded stack keeps its SQLite files (default: the app's data directory).
    #[arg(long, env = "MODERNO_DESKTOP_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// How the embedded stack pairs a user's first device (default: as stored, automatic when new).
    #[arg(long, env = "MODERNO_EMBEDDED_PAIRING_MODE", value_enum)]
    pub pairing_mode: Option<FirstDevicePairing>,
}

/// The PingID application's pairing mode for first devices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FirstDevicePairing {
    /// From the device's payload alone.
    Automatic,
    /// With a pairing key from the web page.
    Manual,
}

impl From<FirstDevicePairing> for PairingMode {
    fn from(mode: FirstDevicePairing) -> Self {
        match mode {
            FirstDevicePairing::Automatic => Self::Automatic,
            FirstDevicePairing::Manual => Self::Manual,
        }
    }
}

impl ShellArgs {
    /// The process arguments, without the `--automation` flag WebKitWebDriver adds under test.
    pub fn from_process() -> Self {
        let args = std::env::args_os().filter(|a| a != "--automation");
        Self::parse_from(args)
    }
}

/// Keeps the log writer flushing; held in managed state for the app's lifetime.
pub struct LogGuard {
    _flushes_on_drop: WorkerGuard,
}

pub fn init_logging(log_dir: &Path) -> anyhow::Result<LogGuard> {
    std::fs::create_dir_all(log_dir)?;
    let appender = tracing_appender::rolling::daily(log_dir, "moderno-desktop.log");
    let (file, guard) = tracing_appender::non_blocking(appender);
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::registry()
        .with(filter)
        .with(fmt::layer().with_writer(file).with_ansi(false))
        .with(fmt::layer().with_writer(std::io::stderr))
        .try_init()?;
    tracing::info!(log_dir = %log_dir.display(), "logging to a rolling file");
    Ok(LogGuard { _flushes_on_drop: guard })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_no_flags_the_app_runs_embedded_as_the_default_profile() {
        let args = ShellArgs::try_parse_from(["moderno-desktop"]).expect("parses");
        assert_eq!(args.profile, DEFAULT_PROFILE);
        assert!(args.server_url.is_none() || std::env::var_os("MODERNO_SERVER_URL").is_some());
        assert_eq!(args.embedded_customer_listen.port(), 7102);
        assert_eq!(args.embedded_pingfederate_listen.port(), 7104);
    }

    #[test]
    fn profile_and_server_come_from_flags() {
        let args = ShellArgs::try_parse_from(["moderno-desktop", "--profile", "tablet", "--server", "http://qa:7002"])
            .expect("parses");
        assert_eq!(args.profile, "tablet");
        let manual = ShellArgs::try_parse_from(["moderno-desktop", "--pairing-mode", "manual"]).expect("parses");
        assert_eq!(manual.pairing_mode.map(PairingMode::from), Some(PairingMode::Manual));
        assert_eq!(args.server_url.as_deref(), Some("http://qa:7002"));
        let pf = ShellArgs::try_parse_from(["moderno-desktop", "--backend", "pingfederate"]).expect("parses");
        assert_eq!(pf.backend, Backend::PingfederatePingoneMfa);
    }
}
