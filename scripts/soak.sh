#!/usr/bin/env bash
# The soak (issue 14): minutes of mixed flows at a steady rate against the whole stack on
# loopback, a row per interval — flows, failures, p50/p99 latency, resident memory, open files,
# database size. Flat after warm-up is the goal; see docs/benchmarks.md for runs and how to read
# them.
# Usage: scripts/soak.sh [--postgres] [--minutes M] [--rate FLOWS_PER_SECOND] [--every SECONDS]
#                        [--retention-minutes M] [--purge-seconds S] [--database-url URL]
# --postgres runs it on a throw-away PostgreSQL cluster (scripts/with-postgres.sh); --database-url
# (or MODERNO_DATABASE_URL) on a database of yours; otherwise on SQLite files.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install-deps.sh build
[ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
cargo build --release --locked -p moderno-e2e --bin moderno-soak
args=()
postgres=""
for arg in "$@"; do
  if [ "$arg" = "--postgres" ]; then postgres=1; else args+=("$arg"); fi
done
if [ -n "$postgres" ]; then
  # The URL reaches the soak through the environment, never its command line.
  exec bash scripts/with-postgres.sh bash -c \
    'MODERNO_DATABASE_URL="$MODERNO_TEST_DATABASE_URL" exec target/release/moderno-soak "$@"' soak "${args[@]}"
fi
exec target/release/moderno-soak "${args[@]}"
