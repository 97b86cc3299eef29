#!/usr/bin/env bash
# Inside a D-Bus session: start gnome-keyring's Secret Service with an unlocked login collection,
# then run the given command. MODERNO_REQUIRE_KEYRING=1 makes keyring tests fail, not skip, when
# the keyring is unavailable.
set -euo pipefail
export MODERNO_REQUIRE_KEYRING=1
keyring_home=$(mktemp -d)
export XDG_DATA_HOME="$keyring_home"   # a fresh, empty keyring for every run
eval "$(echo -n moderno-test | gnome-keyring-daemon --unlock --components=secrets)" >/dev/null
export GNOME_KEYRING_CONTROL
trap 'rm -rf "$keyring_home"' EXIT
"$@"
