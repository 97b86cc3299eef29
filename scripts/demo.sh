#!/usr/bin/env bash
# The Moderno demo. Usage:
#   scripts/demo.sh [app flags]      builds the UI and the desktop app, then opens the app with the
#                                    whole server stack embedded (e.g. --profile laptop; run it again
#                                    with --profile tablet for a second device side by side)
#                                    (--backend pingfederate: sign in through PingFederate + PingOne MFA)
#   scripts/demo.sh --servers-only   starts only the server stack on loopback and prints where to go
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install-deps.sh build
[ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"

if [ "${1:-}" = "--servers-only" ]; then
  shift
  cargo build --locked -p moderno-stack -p moderno-device
  exec cargo run --locked -q -p moderno-stack -- "$@"
fi

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "No display to open the app on (DISPLAY and WAYLAND_DISPLAY are empty)." >&2
  echo "Run it from a desktop session, or use: scripts/demo.sh --servers-only" >&2
  exit 1
fi

ensure_ui_packages
(cd ui && npm run --silent build)
cargo build --locked -p moderno-desktop
echo "==> opening Moderno (log in as alice, bob, carol or dave; password moderno-demo)"
exec target/debug/moderno-desktop "$@"
