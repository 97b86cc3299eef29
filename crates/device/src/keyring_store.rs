//! The production [`KeyStore`]: the OS keyring (Secret Service on Linux, Keychain on macOS,
//! Credential Manager on Windows) through the `keyring` crate, with its platform features enabled
//! in the workspace so it never silently falls back to keyring's in-memory mock.

use keyring::Entry;

use crate::key_store::{KeyStore, KeyStoreError, StoredIdentity};

/// The keyring service every Moderno desktop secret is filed under.
pub const KEYRING_SERVICE: &str = "moderno-desktop";

/// One keyring entry per profile: service [`KEYRING_SERVICE`], user `device:<profile>`.
#[derive(Debug, Clone)]
pub struct KeyringStore {
    service: String,
}

impl Default for KeyringStore {
    fn default() -> Self {
        Self::new()
    }
}

impl KeyringStore {
    pub fn new() -> Self {
        Self { service: KEYRING_SERVICE.to_string() }
    }

    /// Another service name, so tests never touch a real profile's entry.
    pub fn with_service(service: &str) -> Self {
        Self { service: service.to_string() }
    }

    /// The keyring user name of a profile.
    pub fn user_for(profile: &str) -> String {
        format!("device:{profile}")
    }

    fn entry(&self, profile: &str) -> Result<Entry, KeyStoreError> {
        Entry::new(&self.service, &Self::user_for(profile)).map_err(unavailable)
    }
}

/// Runs a keyring call, and once more if the platform failed under it. gnome-keyring-daemon can
/// abort on an upstream race while it serves another client ("gkd_secret_service_get_pkcs11_session:
/// assertion 'client' failed", GNOME/gnome-keyring#196); the call in flight then fails with
/// "Message recipient disconnected" and the session bus (or systemd) starts the daemon again. Every
/// call here is idempotent (read, replace, delete), so one retry is safe; a locked keyring
/// (`NoStorageAccess`) is not retried: that needs the user.
fn once_more_if_the_platform_failed<T>(call: impl Fn() -> keyring::Result<T>) -> keyring::Result<T> {
    match call() {
        Err(keyring::Error::PlatformFailure(cause)) => {
            tracing::warn!(%cause, "the OS keyring failed under a call; trying it once more");
            call()
        }
        other => other,
    }
}

impl KeyStore for KeyringStore {
    fn load(&self, profile: &str) -> Result<Option<StoredIdentity>, KeyStoreError> {
        let entry = self.entry(profile)?;
        match once_more_if_the_platform_failed(|| entry.get_password()) {
            Ok(secret) => {
                let secret = zeroize::Zeroizing::new(secret);
                StoredIdentity::from_secret_json(&secret).map(Some)
            }
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(unavailable(e)),
        }
    }

    fn save(&self, profile: &str, id: &StoredIdentity) -> Result<(), KeyStoreError> {
        let entry = self.entry(profile)?;
        let secret = id.to_secret_json();
        once_more_if_the_platform_failed(|| entry.set_password(&secret)).map_err(unavailable)
    }

    fn delete(&self, profile: &str) -> Result<(), KeyStoreError> {
        let entry = self.entry(profile)?;
        match once_more_if_the_platform_failed(|| entry.delete_credential()) {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(unavailable(e)),
        }
    }
}

const WHAT_TO_DO: &str = "the OS keyring is locked or not running: unlock it (on Linux start gnome-keyring \
     or KeePassXC's Secret Service) and try again";

/// Maps a keyring failure to a message that tells the user what to do. The keyring's own text is
/// kept as the cause: it names D-Bus or platform problems, never the secret.
fn unavailable(error: keyring::Error) -> KeyStoreError {
    match error {
        keyring::Error::NoStorageAccess(cause) | keyring::Error::PlatformFailure(cause) => {
            KeyStoreError::Unavailable(format!("{WHAT_TO_DO} ({cause})"))
        }
        keyring::Error::BadEncoding(_) => {
            KeyStoreError::Corrupt("the keyring entry for this profile is not text".to_string())
        }
        keyring::Error::Ambiguous(_) => {
            KeyStoreError::Corrupt("the keyring holds several entries for this profile".to_string())
        }
        other => KeyStoreError::Unavailable(format!("the OS keyring refused the request: {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyring_failures_tell_the_user_what_to_do() {
        let locked = unavailable(keyring::Error::NoStorageAccess("collection is locked".into()));
        assert_eq!(locked.code(), "keyring_unavailable");
        assert!(locked.to_string().contains("unlock it"), "{locked}");
        assert!(locked.to_string().contains("collection is locked"), "{locked}");
        let down = unavailable(keyring::Error::PlatformFailure("no D-Bus session".into()));
        assert!(down.to_string().contains("gnome-keyring"), "{down}");
        assert_eq!(unavailable(keyring::Error::BadEncoding(vec![0xff])).code(), "keyring_corrupt");
    }

    #[test]
    fn a_platform_failure_is_tried_once_more_and_a_locked_keyring_is_not() {
        let calls = std::cell::Cell::new(0);
        let flaky = || {
            calls.set(calls.get() + 1);
            if calls.get() == 1 {
                Err(keyring::Error::PlatformFailure("recipient disconnected".into()))
            } else {
                Ok("secret")
            }
        };
        assert_eq!(once_more_if_the_platform_failed(flaky).expect("the second call answers"), "secret");
        assert_eq!(calls.get(), 2);

        let calls = std::cell::Cell::new(0);
        let down = || -> keyring::Result<()> {
            calls.set(calls.get() + 1);
            Err(keyring::Error::PlatformFailure("no D-Bus session".into()))
        };
        assert!(matches!(once_more_if_the_platform_failed(down), Err(keyring::Error::PlatformFailure(_))));
        assert_eq!(calls.get(), 2, "tried twice, no more");

        let calls = std::cell::Cell::new(0);
        let locked = || -> keyring::Result<()> {
            calls.set(calls.get() + 1);
            Err(keyring::Error::NoStorageAccess("collection is locked".into()))
        };
        assert!(matches!(once_more_if_the_platform_failed(locked), Err(keyring::Error::NoStorageAccess(_))));
        assert_eq!(calls.get(), 1, "a locked keyring is the user's to unlock, not retried");
    }

    #[test]
    fn profiles_map_to_their_own_keyring_user() {
        assert_eq!(KeyringStore::user_for("work"), "device:work");
        assert_ne!(KeyringStore::user_for("work"), KeyringStore::user_for("home"));
    }
}
