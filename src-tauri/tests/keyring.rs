//! The app with the device key in the real OS keyring (Secret Service under `dbus-run-session`
//! in `scripts/test.sh`): the key survives an app restart, and a locked keyring is a clear error.
//! Without a keyring these print why and pass, unless `MODERNO_REQUIRE_KEYRING=1`.

mod common;

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use common::{embedded, launch};
use moderno_customer_server::PasswordCost;
use moderno_device::{KeyStore, KeyStoreError, KeyringStore, StoredIdentity};
use moderno_stack::StackConfig;
use serde_json::json;

fn keyring_required() -> bool {
    std::env::var("MODERNO_REQUIRE_KEYRING").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// A keyring store under a service of its own, or `None` when no keyring is reachable.
fn test_keyring() -> Option<KeyringStore> {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default();
    let store = KeyringStore::with_service(&format!("moderno-desktop-app-test-{}-{nanos}", std::process::id()));
    match store.load("probe") {
        Ok(_) => Some(store),
        Err(error) => {
            assert!(!keyring_required(), "MODERNO_REQUIRE_KEYRING is set but the keyring is unavailable: {error}");
            println!("SKIPPED: no Secret Service reachable ({error})");
            None
        }
    }
}

#[test]
fn the_device_key_survives_an_app_restart_and_signs_in_as_the_second_factor() {
    let Some(store) = test_keyring() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    // Fixed ports, as the real app has: the paired device remembers where its SDK server is.
    let mut stack = StackConfig::loopback(dir.path().to_path_buf());
    stack.password_cost = PasswordCost::TestOnlyCheap;
    stack.sdk_listen = free_port();
    stack.customer_listen = free_port();
    {
        let first_run = launch("laptop", None, stack.clone(), Arc::new(store.clone()));
        first_run.login("alice");
        assert_eq!(first_run.choose("PRIMARY")["role"], "PRIMARY");
    }
    // The stack's data stays; the app restarts with a fresh store instance: only the keyring remembers.
    let restarted = launch("laptop", None, stack, Arc::new(store.clone()));
    let connection = restarted.ok("connection", json!({}));
    assert_eq!(connection["paired"], true, "the key came back from the keyring: {connection}");
    assert_eq!(connection["pairedUsername"], "alice");
    let again = restarted.login("alice");
    assert_eq!(again["mfa"], "TRUSTED_DEVICE", "{again}");

    restarted.ok("unpair", json!({}));
    assert_eq!(store.load("laptop").expect("load"), None, "unpairing removes the key from the keyring");
}

fn free_port() -> std::net::SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("address")
}

/// A keyring that refuses the way a locked Secret Service collection does.
struct LockedKeyring;

impl KeyStore for LockedKeyring {
    fn load(&self, _: &str) -> Result<Option<StoredIdentity>, KeyStoreError> {
        Err(KeyStoreError::Unavailable("the OS keyring is locked or not running: unlock it and try again".into()))
    }
    fn save(&self, profile: &str, _: &StoredIdentity) -> Result<(), KeyStoreError> {
        self.load(profile).map(|_| ())
    }
    fn delete(&self, profile: &str) -> Result<(), KeyStoreError> {
        self.load(profile).map(|_| ())
    }
}

#[test]
fn a_locked_keyring_is_a_clear_error_and_never_a_plaintext_fallback() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = embedded("laptop", dir.path(), Arc::new(LockedKeyring));
    let error = app.invoke::<serde_json::Value>("connection", json!({})).expect_err("no device without its keyring");
    assert_eq!(error["code"], "keyring_unavailable", "{error}");
    assert!(error["message"].as_str().is_some_and(|m| m.contains("unlock")), "{error}");
    // The servers' databases, and the built-in admin API's per-launch token (this user only;
    // moderno_stack::launch_token): no device key, no fallback file.
    let files: Vec<_> = walk(dir.path())
        .into_iter()
        .filter(|p| !p.ends_with(".sqlite3") && !p.contains(".sqlite3-") && !p.ends_with("/admin-token"))
        .collect();
    assert!(files.is_empty(), "nothing but the servers' databases and the launch token is written: {files:?}");
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut found = vec![];
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path.display().to_string());
        }
    }
    found
}
