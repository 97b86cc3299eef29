#!/usr/bin/env bash
# Installs what building and testing Moderno needs on Debian/Ubuntu. Safe to run again: it only
# installs what is missing. Usage: scripts/install-deps.sh [build|test]
set -euo pipefail

need=(build-essential pkg-config libdbus-1-dev ca-certificates curl)
if [ "${1:-build}" = "test" ]; then
  need+=(dbus dbus-x11 gnome-keyring libsecret-tools)
fi

missing=()
for pkg in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "==> installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
  if [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  else
    echo "==> installing the Rust toolchain (rustup)"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --component clippy
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
fi
