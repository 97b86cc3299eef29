#!/usr/bin/env bash
# The soak (issue 14): minutes of mixed flows at a steady rate against the whole stack on
# loopback, a row per interval — flows, failures, p50/p99 latency, resident memory, open files,
# database size. Flat after warm-up is the goal; see docs/benchmarks.md for a run and how to read
# it. Usage: scripts/soak.sh [--minutes M] [--rate FLOWS_PER_SECOND] [--every SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install-deps.sh build
[ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
cargo build --release --locked -p moderno-e2e --bin moderno-soak
exec target/release/moderno-soak "$@"
