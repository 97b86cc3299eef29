#!/usr/bin/env bash
# Installs what building and testing Moderno needs on Debian/Ubuntu. Safe to run again: it only
# installs what is missing. Usage: scripts/install-deps.sh [build|test]
#   build: compilers, WebKitGTK and the other libraries of the desktop app, the Rust toolchain,
#          Node.js 20+ (for the UI build)
#   test:  also D-Bus, gnome-keyring, Xvfb and WebKitWebDriver (the window tests), Chromium
#          (Ping's widget on the web sign-in page, headless), PostgreSQL (a throw-away cluster:
#          scripts/with-postgres.sh)
set -euo pipefail

need=(build-essential pkg-config libdbus-1-dev ca-certificates curl xz-utils
  libwebkit2gtk-4.1-dev libssl-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev)
if [ "${1:-build}" = "test" ]; then
  need+=(dbus dbus-x11 gnome-keyring libsecret-tools xvfb xauth webkit2gtk-driver libglib2.0-bin
    postgresql)
  # Debian packages Chromium as `chromium`; Ubuntu ships it as a snap only (scripts/test-widget.sh
  # then says so).
  apt-cache show chromium >/dev/null 2>&1 && need+=(chromium)
fi

missing=()
for pkg in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "==> installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  if [[ " ${missing[*]} " == *" postgresql "* ]]; then
    # Only the programs: the tests start a throw-away cluster of their own, so Debian's system
    # cluster ("main") is not created.
    "${sudo_cmd[@]}" mkdir -p /etc/postgresql-common/createcluster.d
    echo "create_main_cluster = false" |
      "${sudo_cmd[@]}" tee /etc/postgresql-common/createcluster.d/moderno-no-main.conf >/dev/null
  fi
  # Another apt run (a second of these scripts started beside this one, an unattended upgrade)
  # holds apt's locks for a while: wait for it rather than fail.
  apt=("${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900)
  "${apt[@]}" update -qq
  "${apt[@]}" install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
  if [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  else
    echo "==> installing the Rust toolchain (rustup)"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --component clippy,rustfmt
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
fi
# The lints the test command runs: clippy and rustfmt (a toolchain installed without them).
for component in clippy rustfmt; do
  tool=$([ "$component" = clippy ] && echo clippy || echo fmt)
  if ! cargo "$tool" --version >/dev/null 2>&1 && command -v rustup >/dev/null 2>&1; then
    echo "==> adding the Rust component $component"
    rustup component add "$component"
  fi
done

# Node.js 20.19 or newer builds the UI (Vite 7). Debian and Ubuntu ship older ones, so when the
# one on PATH is missing or too old, the official build goes to ~/.local/node (no apt source added).
node_ok() {
  command -v node >/dev/null 2>&1 &&
    node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a===20&&b>=19)?0:1)'
}
[ -x "$HOME/.local/node/bin/node" ] && export PATH="$HOME/.local/node/bin:$PATH"
if ! node_ok; then
  echo "==> installing Node.js 20 (official build) into ~/.local/node"
  base=https://nodejs.org/dist/latest-v20.x
  tarball=$(curl -fsSL "$base/SHASUMS256.txt" | awk '/linux-x64.tar.xz$/ {print $2; exit}')
  mkdir -p "$HOME/.local/node"
  curl -fsSL "$base/$tarball" | tar -xJ -C "$HOME/.local/node" --strip-components=1
  export PATH="$HOME/.local/node/bin:$PATH"
fi

# The UI's npm packages, exactly as package-lock.json pins them (again only when it changed).
ensure_ui_packages() {
  if [ ! -f ui/node_modules/.package-lock.json ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
    # `npm install --no-save` installs exactly what the committed lock file pins. Not `npm ci`:
    # npm 11 writes lock files without the other platforms' optional packages (rollup's and the
    # Tauri CLI's native binaries) and then `npm ci` refuses them as out of sync.
    (cd ui && npm install --no-save --no-audit --no-fund)
  fi
}

# The npm packages of a small package directory (Ping's widget, the browser driver), exactly as
# its lock file pins them; again only when the lock file is newer than the install.
ensure_npm_packages() {
  local dir=$1
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "==> npm packages in $dir (pinned by its package-lock.json)"
    npm ci --prefix "$dir" --ignore-scripts --no-audit --no-fund
  fi
}

# tauri-driver (the WebDriver front of the window tests), when missing.
ensure_tauri_driver() {
  command -v tauri-driver >/dev/null 2>&1 || cargo install tauri-driver --version '^2' --locked
}
