#!/usr/bin/env bash
# Start-up benchmark of the desktop app: launch to an interactive sign-in screen and idle memory,
# against a minimal Tauri app built in the same run, plus release binary sizes. The two apps take
# turns run by run (A B A B ...); prints the medians and Moderno's ratios to the minimal app.
# Usage: scripts/bench-desktop.sh [runs]   (release builds: the first run takes a while)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install-deps.sh test
[ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
ensure_ui_packages
ensure_tauri_driver

(cd ui && npm run --silent build)
echo "==> release builds (Moderno and the minimal Tauri app)"
cargo build --release --locked -p moderno-desktop --bin moderno-desktop --example minimal
export MODERNO_SCREENSHOTS="$PWD/target/screenshots"
# Other work on the machine moves single launches by hundreds of ms: say how loaded it was.
echo "==> load before: $(cut -d' ' -f1-3 /proc/loadavg)"
trap 'echo "==> load after: $(cut -d" " -f1-3 /proc/loadavg)"' EXIT
bash scripts/with-keyring.sh xvfb-run -a -s "-screen 0 1280x1024x24" \
  node ui/e2e/bench.mjs "$PWD/target/release/moderno-desktop" "$PWD/target/release/examples/minimal" "${1:-5}"
