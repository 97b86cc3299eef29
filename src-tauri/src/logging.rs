//! Logs to a daily-rolling file in the app's log directory (and to stderr). Secrets never reach
//! a log: the device crate and the shell record ids, codes and outcomes, never passwords, keys,
//! passcodes or payloads.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter};

/// Keeps the log writer flushing; held in managed state for the app's lifetime.
pub struct LogGuard {
    _flushes_on_drop: WorkerGuard,
}

pub fn init(log_dir: &Path) -> anyhow::Result<LogGuard> {
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
