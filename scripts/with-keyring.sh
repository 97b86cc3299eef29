#!/usr/bin/env bash
# Runs the given command in a private D-Bus session whose Secret Service is gnome-keyring with an
# unlocked login collection in a fresh, empty keyring directory. MODERNO_REQUIRE_KEYRING=1 makes
# keyring tests fail, not skip, when the keyring is unavailable.
#
# The daemon is started by D-Bus activation from a service file of our own, which takes precedence
# over the system's (the session bus reads $XDG_DATA_HOME/dbus-1/services first): every start, the
# first and any later one, is an unlocked daemon on the same keyring files. A later one is needed:
# gnome-keyring-daemon aborts on an upstream race when a client disconnects while its Secret
# Service session is being set up ("gkd_secret_service_get_pkcs11_session: assertion 'client'
# failed", GNOME/gnome-keyring#196), which many short-lived test clients can trip. With the
# system's service file, the next call then started a second, locked daemon (the keyring tests
# failed with "Message recipient disconnected from message bus without replying"); with ours it
# starts the same unlocked keyring again, and the restart is logged.
set -euo pipefail
export MODERNO_REQUIRE_KEYRING=1

if [ -z "${MODERNO_KEYRING_SESSION:-}" ]; then
  keyring_home=$(mktemp -d)
  mkdir -p "$keyring_home/dbus-1/services"
  cat >"$keyring_home/start-keyring" <<'EOF'
#!/bin/sh
# Started by D-Bus activation (see scripts/with-keyring.sh).
echo "with-keyring.sh: starting gnome-keyring-daemon (pid $$) for the test session" >&2
printf %s moderno-test | exec gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null
EOF
  chmod +x "$keyring_home/start-keyring"
  printf '[D-BUS Service]\nName=org.freedesktop.secrets\nExec=%s\n' "$keyring_home/start-keyring" \
    >"$keyring_home/dbus-1/services/org.freedesktop.secrets.service"
  # A fresh, empty keyring for every run, and the bus that finds our service file first.
  export XDG_DATA_HOME="$keyring_home"
  export MODERNO_KEYRING_SESSION="$keyring_home"
  exec dbus-run-session -- bash "$0" "$@"
fi
# Inside the session: the throw-away keyring directory goes when the command ends.
[ "$MODERNO_KEYRING_SESSION" = "${XDG_DATA_HOME:-}" ] && trap 'rm -rf "$MODERNO_KEYRING_SESSION"' EXIT

secrets() {
  gdbus call --session --dest org.freedesktop.secrets "$@" 2>/dev/null
}
bus() {
  gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
    --method "org.freedesktop.DBus.$1" "${@:2}" 2>/dev/null
}
unlocked() {
  local alias
  [ "$(bus NameHasOwner org.freedesktop.secrets)" = "(true,)" ] || return 1
  alias=$(secrets --object-path /org/freedesktop/secrets --method org.freedesktop.Secret.Service.ReadAlias default) || return 1
  alias=$(sed -n "s/^(objectpath '\(.*\)',)$/\1/p" <<<"$alias")
  [ -n "$alias" ] && [ "$alias" != / ] || return 1
  [ "$(secrets --object-path "$alias" --method org.freedesktop.DBus.Properties.Get org.freedesktop.Secret.Collection Locked)" = "(<false>,)" ]
}

# Start the daemon before the command's first keyring call and wait until the default collection
# (the one the keyring crate writes to) is there and unlocked.
bus StartServiceByName org.freedesktop.secrets 0 >/dev/null || true
for _ in $(seq 100); do
  unlocked && break
  sleep 0.1
done
if ! unlocked; then
  echo "with-keyring.sh: gnome-keyring's default collection is still missing or locked after 10 s" >&2
  exit 1
fi
"$@"
