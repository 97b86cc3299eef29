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

# The daemon returns before it holds the Secret Service's bus name. A first call to that name
# before then (the app's first keyring access) makes D-Bus start a second daemon of its own, one
# without the unlocked login collection: "Your keyring is locked". So wait until our daemon owns
# the name (asked of the bus itself, which starts nothing), then until the default collection
# (the one the app's keyring crate writes to) is there and unlocked.
secrets() {
  gdbus call --session --dest org.freedesktop.secrets "$@" 2>/dev/null
}
unlocked() {
  local alias
  [ "$(gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
    --method org.freedesktop.DBus.NameHasOwner org.freedesktop.secrets 2>/dev/null)" = "(true,)" ] || return 1
  alias=$(secrets --object-path /org/freedesktop/secrets --method org.freedesktop.Secret.Service.ReadAlias default) || return 1
  alias=$(sed -n "s/^(objectpath '\(.*\)',)$/\1/p" <<<"$alias")
  [ -n "$alias" ] && [ "$alias" != / ] || return 1
  [ "$(secrets --object-path "$alias" --method org.freedesktop.DBus.Properties.Get org.freedesktop.Secret.Collection Locked)" = "(<false>,)" ]
}
for _ in $(seq 100); do
  unlocked && break
  sleep 0.1
done
if ! unlocked; then
  echo "with-keyring.sh: gnome-keyring's default collection is still missing or locked after 10 s" >&2
  exit 1
fi
"$@"
