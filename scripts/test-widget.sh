#!/usr/bin/env bash
# Ping's own Authentication API widget (npm @ping-identity/pf-authn-js-widget 1.11.0, unmodified)
# on the stack's web sign-in page (/widget/ at the emulated PingFederate), in headless Chromium
# (Debian's, driven by npm playwright-core): tests/widget/widget.test.mjs. Installs what is
# missing — chromium (apt), the widget and playwright-core (npm, from their lock files) — builds
# moderno-stack and moderno-device, and runs the suite inside a private D-Bus session with a
# throw-away gnome-keyring (bob's phone is the command-line device; its key lives there).
# Extra arguments go to `node --test` (e.g. --test-name-pattern=push).
# MODERNO_SCREENSHOTS=docs/screenshots writes the page waiting for a push there.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ] || [ -z "${MODERNO_REQUIRE_KEYRING:-}" ]; then
  exec bash scripts/with-keyring.sh bash "$0" "$@"
fi
[ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"

export CHROMIUM_BIN="${CHROMIUM_BIN:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM_BIN" ]; then
  echo "==> installing chromium (apt)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y chromium \
    || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; }
fi

# Ping's widget and playwright-core, exactly as their lock files pin them.
source scripts/install-deps.sh test
ensure_npm_packages web/pf-widget
ensure_npm_packages tests/widget

echo "==> building moderno-stack and moderno-device"
cargo build -q --locked -p moderno-stack -p moderno-device

echo "==> Ping's widget in headless Chromium"
timeout -k 20 900 node --test --test-concurrency=1 "$@" tests/widget/widget.test.mjs
