#!/usr/bin/env bash
# Screenshots of the web sign-in approved on the desktop device (docs/screenshots/66-68): the
# stack on private ports, alice's laptop paired as PRIMARY with the command-line device (its key
# in a throw-away gnome-keyring), the web page in headless Chromium (Debian's, driven by npm
# playwright-core in a temporary folder). Not part of the tests: it needs Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ] || [ -z "${MODERNO_REQUIRE_KEYRING:-}" ]; then
  exec bash scripts/with-keyring.sh bash "$0" "$@"
fi
command -v chromium >/dev/null || sudo_apt=1
[ -n "${sudo_apt:-}" ] && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
(cd "$work" && npm init -y >/dev/null && npm install --silent playwright-core@1 >/dev/null)
cargo build -q --locked -p moderno-stack -p moderno-device
stack=target/debug/moderno-stack
device=(target/debug/moderno-device --profile shots-laptop --server http://127.0.0.1:17202)
"$stack" --data-dir "$work/data" --sdk-listen 127.0.0.1:17201 --customer-listen 127.0.0.1:17202 \
  --pingone-listen 127.0.0.1:17203 --pingfederate-listen 127.0.0.1:17204 >"$work/stack.log" 2>&1 &
for _ in $(seq 1 100); do curl -fs http://127.0.0.1:17202/healthz >/dev/null && break; sleep 0.2; done
"${device[@]}" login --user alice --password moderno-demo --trust primary
"${device[@]}" approve --for 1 >/dev/null   # polls once: the laptop counts as online
cp scripts/docs/web-sign-in-shots.mjs "$work/"
node "$work/web-sign-in-shots.mjs" http://127.0.0.1:17202 "$PWD/docs/screenshots" \
  "${device[@]}" approve --action once --once --for 20
"${device[@]}" unpair || true
