//! `moderno-bench`: prints the benchmark table (see `moderno_e2e::bench`).

use clap::Parser;
use moderno_e2e::bench::{run, table, BenchSize};

#[derive(Debug, Parser)]
#[command(about = "Throughput and latency of the Moderno pairing flows on loopback")]
struct Args {
    /// A tiny run that only proves every row works.
    #[arg(long)]
    smoke: bool,
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let size = if args.smoke { BenchSize::SMOKE } else { BenchSize::FULL };
    eprintln!("running {size:?} on {} cores ...", std::thread::available_parallelism().map_or(1, |n| n.get()));
    let rows = run(size).await?;
    print!("{}", table(&rows));
    Ok(())
}
