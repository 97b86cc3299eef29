#!/usr/bin/env bash
# The benchmark (docs/benchmarks.md): pairing flows per second, p50/p99 and the push round trip
# on SQLite and, beside a throw-away PostgreSQL cluster (scripts/with-postgres.sh), on PostgreSQL
# with one and with two instances behind a round-robin proxy, in the same run. Release build.
# Usage: scripts/bench.sh [--smoke]   (SQLite only: target/release/moderno-bench after a build)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install-deps.sh build
[ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
cargo build --release --locked -p moderno-e2e --bin moderno-bench
exec bash scripts/with-postgres.sh target/release/moderno-bench "$@"
