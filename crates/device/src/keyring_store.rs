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

impl KeyStore for KeyringStore {
    fn load(&self, profile: &str) -> Result<Option<StoredIdentity>, KeyStoreError> {
        match self.entry(profile)?.get_password() {
            Ok(secret) => {
                let secret = zeroize::Zeroizing::new(secret);
                StoredIdentity::from_secret_json(&secret).map(Some)
            }
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(unavailable(e)),
        }
    }

    fn save(&self, profile: &str, id: &StoredIdentity) -> Result<(), KeyStoreError> {
        self.entry(profile)?.set_password(&id.to_secret_json()).map_err(unavailable)
    }

    fn delete(&self, profile: &str) -> Result<(), KeyStoreError> {
        match self.entry(profile)?.delete_credential() {
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
    fn profiles_map_to_their_own_keyring_user() {
        assert_eq!(KeyringStore::user_for("work"), "device:work");
        assert_ne!(KeyringStore::user_for("work"), KeyringStore::user_for("home"));
    }
}
