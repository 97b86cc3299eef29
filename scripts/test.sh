#!/usr/bin/env bash
# Runs every test of the project: unit, integration and end-to-end over loopback HTTP with the
# device key in a real Secret Service (gnome-keyring inside a private D-Bus session), then the
# desktop app's window tests (tauri-driver + WebKitWebDriver under Xvfb), then Ping's own widget
# on the web sign-in page in headless Chromium (scripts/test-widget.sh).
# Extra arguments go to `cargo test`. MODERNO_SCREENSHOTS=docs/screenshots refreshes the docs'
# screenshots (default: target/screenshots, so a test run leaves the tree clean).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install-deps.sh test
[ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
started=$SECONDS
# A one-shot build (CI, a fresh clone) gains nothing from incremental caches, which would take
# as much disk as the build itself.
[ -n "${CI:-}" ] && export CARGO_INCREMENTAL=0

echo "==> UI packages (npm, pinned by ui/package-lock.json)"
ensure_ui_packages
ensure_tauri_driver

# The app embeds ui/dist at compile time (tauri::generate_context!), so the UI is built first.
echo "==> building the UI"
(cd ui && npm run --silent build && npx vitest run --silent)

echo "==> building"
cargo build --workspace --all-targets --locked

echo "==> lints (rustfmt.toml's format, clippy)"
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "==> tests (inside a private D-Bus session with an unlocked gnome-keyring, beside a throw-away PostgreSQL)"
bash scripts/with-postgres.sh bash scripts/with-keyring.sh cargo test --workspace --locked --no-fail-fast "$@"

# Issue 14's proof: the end-to-end suite again with every test on two instances over one fresh
# PostgreSQL database behind round-robin proxies (each request to the next instance), and the
# services', moderno-sql's and the stack's own tests again on PostgreSQL. Adds some 6 minutes on
# 2 cores (their test builds included).
echo "==> tests again on PostgreSQL (the end-to-end suite on two instances behind one address)"
bash scripts/with-postgres.sh env MODERNO_TEST_STORE=postgres cargo test --locked --no-fail-fast \
  -p moderno-e2e -p pingid-sdk-server -p pingone-mfa-server -p pingfederate-server \
  -p moderno-customer-server -p moderno-sql -p moderno-stack "$@"

# ts-rs rewrites ui/src/generated while the tests run: a difference means the UI's types are stale.
if git rev-parse --git-dir >/dev/null 2>&1 && ! git diff --quiet -- ui/src/generated; then
  echo "ui/src/generated changed: the UI's types are out of date with the Rust shell; commit them" >&2
  git --no-pager diff --stat -- ui/src/generated >&2
  exit 1
fi

# Ping's widget and the browser driver: the web-widget window suite and scripts/test-widget.sh.
ensure_npm_packages web/pf-widget
ensure_npm_packages tests/widget

echo "==> window tests (real app windows under Xvfb, each suite in its own D-Bus session and keyring)"
export MODERNO_SCREENSHOTS="${MODERNO_SCREENSHOTS:-$PWD/target/screenshots}"
export MODERNO_DESKTOP_BIN="$PWD/target/debug/moderno-desktop"
failed=()
for suite in ui/e2e/*.test.mjs; do
  echo "--> $suite"
  # A suite that hangs (a window that will not close) fails after 15 minutes instead of stalling CI.
  timeout -k 20 900 bash scripts/with-keyring.sh \
    xvfb-run -a -s "-screen 0 1280x1024x24" node --test --test-concurrency=1 "$suite" || failed+=("$suite")
done
echo "==> Ping's widget on the web sign-in page (headless Chromium, its own D-Bus session and keyring)"
bash scripts/test-widget.sh || failed+=("tests/widget")

if [ "${#failed[@]}" -gt 0 ]; then
  echo "window tests failed: ${failed[*]}" >&2
  exit 1
fi

echo "==> all tests passed in $(( (SECONDS - started) / 60 )) min $(( (SECONDS - started) % 60 )) s"
