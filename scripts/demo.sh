#!/usr/bin/env bash
# Starts the Moderno demo: every service on loopback, with demo users. Prints where to go.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install-deps.sh build
[ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
cargo build --locked -p moderno-stack -p moderno-device
exec cargo run --locked -q -p moderno-stack -- "$@"
