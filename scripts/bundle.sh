#!/usr/bin/env bash
# Builds the desktop app's Linux packages (deb and rpm) into target/release/bundle/.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install-deps.sh build
[ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
ensure_ui_packages
(cd ui && npm run --silent build)
# From src-tauri/ the Tauri CLI takes src-tauri/tauri.conf.json (not the benchmark's minimal app).
(cd src-tauri && ../ui/node_modules/.bin/tauri build --bundles deb,rpm "$@")
ls -l target/release/bundle/deb/*.deb target/release/bundle/rpm/*.rpm
