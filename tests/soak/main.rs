//! `moderno-soak`: minutes of mixed flows at a steady rate, a row per interval (see
//! `moderno_e2e::soak`). `scripts/soak.sh` runs it as a release build.

use std::time::Duration;

use clap::Parser;
use moderno_crypto::Secret;
use moderno_e2e::soak::{header, row, run, table_growth, SoakPlan};

#[derive(Debug, Parser)]
#[command(about = "Memory, open files, database size and latency of the Moderno stack under steady load")]
struct Args {
    /// How long to run, in minutes.
    #[arg(long, default_value_t = 10.0)]
    minutes: f64,
    /// Flows started per second.
    #[arg(long, default_value_t = 8.0)]
    rate: f64,
    /// Seconds between rows.
    #[arg(long, default_value_t = 30)]
    every: u64,
    /// Run the services on this PostgreSQL database instead of SQLite files (postgres://…; its
    /// schemas are made at start). Never printed: it may carry a password.
    #[arg(long, env = "MODERNO_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// Minutes finished records are kept before they are purged (default: the services' 24 hours).
    #[arg(long)]
    retention_minutes: Option<i64>,
    /// Seconds between purges (default: the services' 10 minutes).
    #[arg(long)]
    purge_seconds: Option<u64>,
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let plan = SoakPlan {
        duration: Duration::from_secs_f64(args.minutes * 60.0),
        rate: args.rate,
        sample_every: Duration::from_secs(args.every.max(1)),
        database_url: args.database_url.map(Secret::new),
        retention: args.retention_minutes.map(chrono::Duration::minutes),
        purge_interval: args.purge_seconds.map(Duration::from_secs),
    };
    let store = if plan.database_url.is_some() { "PostgreSQL" } else { "SQLite" };
    let retention = plan.retention.map_or("the services' own".to_owned(), |r| format!("{} min", r.num_minutes()));
    let purge = plan.purge_interval.map_or("the services' own".to_owned(), |p| format!("{} s", p.as_secs()));
    eprintln!(
        "soak on {store}: {} s at {} flows/s, a row every {} s, retention {retention}, purge every {purge}, on {} cores",
        plan.duration.as_secs(),
        plan.rate,
        plan.sample_every.as_secs(),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    print!("{}", header());
    let samples = run(plan, |s| print!("{}", row(s))).await?;
    // What each table holds at the first, middle and last rows: after warm-up, what still grows.
    print!("\n{}", table_growth(&samples));
    let failures: usize = samples.iter().map(|s| s.failures).sum();
    anyhow::ensure!(failures == 0, "{failures} flows failed");
    Ok(())
}
