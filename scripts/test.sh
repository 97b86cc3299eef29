#!/usr/bin/env bash
# Runs every test of the project: unit, integration and end-to-end over loopback HTTP, with the
# device key in a real Secret Service (gnome-keyring inside a private D-Bus session).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install-deps.sh test
[ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"

echo "==> building"
cargo build --workspace --all-targets --locked

echo "==> lints"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "==> tests (inside a private D-Bus session with an unlocked gnome-keyring)"
dbus-run-session -- bash scripts/with-keyring.sh cargo test --workspace --locked --no-fail-fast "$@"
