//! Where the device's identity lives between runs: one secret per profile in a [`KeyStore`].
//!
//! Production uses [`crate::KeyringStore`] (the OS keyring). [`MemoryKeyStore`] exists for headless
//! tests and benchmarks only: it does not persist. There is deliberately no file-backed store —
//! the device key must never sit in a plaintext file.
//!
//! Keyring calls block (D-Bus) and can hang while a collection is locked, so async code goes
//! through [`AsyncKeyStore`], which runs each call on the blocking pool with a timeout.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use data_encoding::BASE64;
use moderno_crypto::Secret;
use serde::{Deserialize, Serialize};
use url::Url;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use moderno_ambient::http_url;

/// How long one keyring call may take before the app gives up and says so.
pub const KEY_STORE_TIMEOUT: Duration = Duration::from_secs(10);

/// The secret kept per profile: the device key's seed, and, once paired, what pairing returned.
///
/// The seed and the OTP secret are [`Secret`]s (zeroized on drop, `Debug` prints `[redacted]`);
/// no `Serialize`: it becomes JSON only through [`StoredIdentity::to_secret_json`], for the keyring.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredIdentity {
    pub seed: Secret<[u8; 32]>,
    /// The TOTP secret (raw bytes) for offline passcodes; only after a pairing.
    pub otp_secret: Option<Secret<Vec<u8>>>,
    /// The SDK server's id for this device; `None` while the key is saved but not paired (an
    /// IGNORE choice, or a pairing that has not completed).
    pub device_id: Option<String>,
    pub username: String,
    pub application_id: String,
    /// The device API this device paired with, e.g. `http://127.0.0.1:7001/pingid/v1/device`
    /// (parsed when the entry is read); `None` only in a TOTP authenticator's entry, which talks
    /// to no device API (kept as `""` in the keyring).
    pub device_api_url: Option<Url>,
}

/// The JSON form in the keyring; private so nothing else can serialize the secret.
#[derive(Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
#[serde(rename_all = "camelCase")]
struct SecretJson {
    v: u8,
    seed: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    otp_secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    device_id: Option<String>,
    username: String,
    application_id: String,
    device_api_url: String,
}

impl StoredIdentity {
    /// The one JSON string kept in the keyring (seed and OTP secret base64).
    pub fn to_secret_json(&self) -> Zeroizing<String> {
        let json = SecretJson {
            v: 1,
            seed: BASE64.encode(self.seed.expose()),
            otp_secret: self.otp_secret.as_ref().map(|s| BASE64.encode(s.expose())),
            device_id: self.device_id.clone(),
            username: self.username.clone(),
            application_id: self.application_id.clone(),
            device_api_url: self.device_api_url.as_ref().map_or_else(String::new, Url::to_string),
        };
        Zeroizing::new(serde_json::to_string(&json).unwrap_or_default())
    }

    pub fn from_secret_json(text: &str) -> Result<Self, KeyStoreError> {
        let corrupt = |what: &str| KeyStoreError::Corrupt(format!("the stored device identity {what}"));
        let json: SecretJson = serde_json::from_str(text).map_err(|_| corrupt("is not the expected JSON"))?;
        if json.v != 1 {
            return Err(corrupt("has an unknown version"));
        }
        let seed_bytes = Zeroizing::new(BASE64.decode(json.seed.as_bytes()).map_err(|_| corrupt("has a bad seed"))?);
        let seed: [u8; 32] = seed_bytes.as_slice().try_into().map_err(|_| corrupt("has a seed of the wrong length"))?;
        let otp_secret = match &json.otp_secret {
            Some(text) => {
                Some(Secret::new(BASE64.decode(text.as_bytes()).map_err(|_| corrupt("has a bad OTP secret"))?))
            }
            None => None,
        };
        let device_api_url = match json.device_api_url.as_str() {
            "" => None,
            text => Some(http_url(text).ok_or_else(|| {
                KeyStoreError::Corrupt(format!(
                    "the stored device identity names a device API that is not an http(s) URL: {text:?}"
                ))
            })?),
        };
        Ok(Self {
            seed: Secret::new(seed),
            otp_secret,
            device_id: json.device_id.clone(),
            username: json.username.clone(),
            application_id: json.application_id.clone(),
            device_api_url,
        })
    }

    /// Paired, as opposed to a key saved for an IGNORE choice.
    pub fn is_paired(&self) -> bool {
        self.device_id.is_some()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyStoreError {
    /// The keyring cannot be used now (locked, not running, denied); the text tells the user what to do.
    #[error("{0}")]
    Unavailable(String),
    #[error(
        "the OS keyring did not answer within {} seconds: it may be locked and waiting for a password; unlock it and try again",
        KEY_STORE_TIMEOUT.as_secs()
    )]
    TimedOut,
    /// The keyring answered but what it holds for this profile is not a device identity.
    #[error("{0}; remove the entry for this profile from the keyring (service \"moderno-desktop\") and pair again")]
    Corrupt(String),
}

impl KeyStoreError {
    pub fn code(&self) -> crate::DeviceCode {
        match self {
            Self::Unavailable(_) => crate::DeviceCode::KeyringUnavailable,
            Self::TimedOut => crate::DeviceCode::KeyringTimedOut,
            Self::Corrupt(_) => crate::DeviceCode::KeyringCorrupt,
        }
    }
}

/// Blocking storage of one [`StoredIdentity`] per profile.
pub trait KeyStore: Send + Sync {
    fn load(&self, profile: &str) -> Result<Option<StoredIdentity>, KeyStoreError>;
    fn save(&self, profile: &str, id: &StoredIdentity) -> Result<(), KeyStoreError>;
    /// Deleting what is not there is not an error.
    fn delete(&self, profile: &str) -> Result<(), KeyStoreError>;
}

/// Keeps identities in this process only: for headless tests and benchmarks. Nothing survives
/// the process, so a CLI run with it starts unpaired every time.
#[derive(Default)]
pub struct MemoryKeyStore {
    secrets: Mutex<HashMap<String, Zeroizing<String>>>,
}

impl MemoryKeyStore {
    pub fn new() -> Self {
        Self::default()
    }
}

impl KeyStore for MemoryKeyStore {
    fn load(&self, profile: &str) -> Result<Option<StoredIdentity>, KeyStoreError> {
        let secrets = self.secrets.lock().unwrap_or_else(PoisonError::into_inner);
        secrets.get(profile).map(|text| StoredIdentity::from_secret_json(text)).transpose()
    }

    fn save(&self, profile: &str, id: &StoredIdentity) -> Result<(), KeyStoreError> {
        let mut secrets = self.secrets.lock().unwrap_or_else(PoisonError::into_inner);
        secrets.insert(profile.to_string(), id.to_secret_json());
        Ok(())
    }

    fn delete(&self, profile: &str) -> Result<(), KeyStoreError> {
        self.secrets.lock().unwrap_or_else(PoisonError::into_inner).remove(profile);
        Ok(())
    }
}

/// Runs every [`KeyStore`] call on tokio's blocking pool with a timeout, so a keyring stuck on a
/// locked collection never stalls the async runtime or the UI. A call that times out keeps running
/// on its blocking thread (it cannot be interrupted); its result is dropped.
#[derive(Clone)]
pub struct AsyncKeyStore {
    inner: Arc<dyn KeyStore>,
    timeout: Duration,
}

impl AsyncKeyStore {
    pub fn new(inner: Arc<dyn KeyStore>) -> Self {
        Self::with_timeout(inner, KEY_STORE_TIMEOUT)
    }

    pub fn with_timeout(inner: Arc<dyn KeyStore>, timeout: Duration) -> Self {
        Self { inner, timeout }
    }

    pub async fn load(&self, profile: &str) -> Result<Option<StoredIdentity>, KeyStoreError> {
        let profile = profile.to_string();
        self.off_thread(move |store| store.load(&profile)).await
    }

    pub async fn save(&self, profile: &str, id: &StoredIdentity) -> Result<(), KeyStoreError> {
        let (profile, id) = (profile.to_string(), id.clone());
        self.off_thread(move |store| store.save(&profile, &id)).await
    }

    pub async fn delete(&self, profile: &str) -> Result<(), KeyStoreError> {
        let profile = profile.to_string();
        self.off_thread(move |store| store.delete(&profile)).await
    }

    async fn off_thread<T, F>(&self, call: F) -> Result<T, KeyStoreError>
    where
        T: Send + 'static,
        F: FnOnce(&dyn KeyStore) -> Result<T, KeyStoreError> + Send + 'static,
    {
        let store = Arc::clone(&self.inner);
        let task = tokio::task::spawn_blocking(move || call(store.as_ref()));
        match tokio::time::timeout(self.timeout, task).await {
            Ok(Ok(result)) => result,
            Ok(Err(join)) => Err(KeyStoreError::Unavailable(format!("the keyring call failed: {join}"))),
            Err(_elapsed) => Err(KeyStoreError::TimedOut),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity() -> StoredIdentity {
        StoredIdentity {
            seed: Secret::new([0xab; 32]),
            otp_secret: Some(Secret::new(vec![0xcd; 20])),
            device_id: Some("dev-1".into()),
            username: "alice".into(),
            application_id: "app".into(),
            device_api_url: http_url("http://127.0.0.1:7001/pingid/v1/device"),
        }
    }

    #[test]
    fn the_secret_json_round_trips_with_base64_fields() {
        let id = identity();
        let json = id.to_secret_json();
        let value: serde_json::Value = serde_json::from_str(&json).expect("json");
        assert_eq!(value["seed"], BASE64.encode(&[0xab; 32]));
        assert_eq!(value["otpSecret"], BASE64.encode(&[0xcd; 20]));
        assert_eq!(value["deviceId"], "dev-1");
        assert_eq!(StoredIdentity::from_secret_json(&json).expect("parses"), id);

        let unpaired = StoredIdentity { otp_secret: None, device_id: None, ..identity() };
        let back = StoredIdentity::from_secret_json(&unpaired.to_secret_json()).expect("parses");
        assert!(!back.is_paired() && back.otp_secret.is_none());
    }

    /// As the release before typed URLs wrote them: a paired SDK device, and a TOTP
    /// authenticator's entry (no device API, `""`).
    const OLD_PAIRED: &str = r#"{"v":1,"seed":"q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=","otpSecret":"zc3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc0=","deviceId":"dev-1","username":"alice","applicationId":"app","deviceApiUrl":"http://127.0.0.1:7001/pingid/v1/device"}"#;
    const OLD_TOTP: &str = r#"{"v":1,"seed":"q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=","otpSecret":"zc3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc0=","deviceId":"totp-1","username":"alice","applicationId":"","deviceApiUrl":""}"#;

    #[test]
    fn identities_stored_before_urls_were_typed_load_and_are_written_back_unchanged() {
        let paired = StoredIdentity::from_secret_json(OLD_PAIRED).expect("loads");
        assert_eq!(paired, identity());
        assert_eq!(paired.device_api_url.as_ref().map(Url::path), Some("/pingid/v1/device"));
        assert_eq!(*paired.to_secret_json(), OLD_PAIRED);
        let totp = StoredIdentity::from_secret_json(OLD_TOTP).expect("loads");
        assert_eq!(totp.device_api_url, None);
        assert_eq!(*totp.to_secret_json(), OLD_TOTP);
    }

    #[test]
    fn a_stored_device_api_that_is_no_http_url_is_corrupt_and_named() {
        for bad in ["c", "127.0.0.1:7001/pingid/v1/device", "file:///etc/passwd"] {
            let text = OLD_PAIRED.replace("http://127.0.0.1:7001/pingid/v1/device", bad);
            let err = StoredIdentity::from_secret_json(&text).expect_err(bad);
            assert_eq!(err.code(), "keyring_corrupt", "{bad}");
            let said = err.to_string();
            assert!(said.contains("device API") && said.contains(bad) && said.contains("pair again"), "{said}");
            assert!(!said.contains("q6ur"), "{said}");
        }
    }

    #[test]
    fn debug_never_shows_the_seed_or_the_otp_secret() {
        let text = format!("{:?} {:#?}", identity(), identity());
        assert!(text.contains("[redacted]"), "{text}");
        assert!(!text.contains("171") && !text.contains("ab, ab") && !text.contains("q6ur"), "{text}");
        assert!(text.contains("dev-1"), "{text}");
    }

    #[test]
    fn a_garbled_secret_is_reported_as_corrupt_without_echoing_it() {
        for text in
            ["not json", r#"{"v":1,"seed":"AAAA","username":"a","applicationId":"b","deviceApiUrl":"c"}"#, r#"{"v":2}"#]
        {
            let err = StoredIdentity::from_secret_json(text).expect_err("refused");
            assert_eq!(err.code(), "keyring_corrupt", "{text}");
            assert!(!err.to_string().contains("AAAA"), "{err}");
        }
    }

    #[test]
    fn the_memory_store_keeps_profiles_apart_and_deletes() {
        let store = MemoryKeyStore::new();
        store.save("work", &identity()).expect("save");
        assert_eq!(store.load("work").expect("load"), Some(identity()));
        assert_eq!(store.load("home").expect("load"), None);
        store.delete("work").expect("delete");
        store.delete("work").expect("deleting twice is fine");
        assert_eq!(store.load("work").expect("load"), None);
    }

    struct SlowStore(Duration);

    impl KeyStore for SlowStore {
        fn load(&self, _: &str) -> Result<Option<StoredIdentity>, KeyStoreError> {
            std::thread::sleep(self.0);
            Ok(None)
        }
        fn save(&self, _: &str, _: &StoredIdentity) -> Result<(), KeyStoreError> {
            std::thread::sleep(self.0);
            Ok(())
        }
        fn delete(&self, _: &str) -> Result<(), KeyStoreError> {
            Err(KeyStoreError::Unavailable("locked".into()))
        }
    }

    #[tokio::test]
    async fn a_keyring_that_hangs_times_out_instead_of_blocking_the_runtime() {
        let store =
            AsyncKeyStore::with_timeout(Arc::new(SlowStore(Duration::from_millis(500))), Duration::from_millis(50));
        let started = std::time::Instant::now();
        assert_eq!(store.load("p").await, Err(KeyStoreError::TimedOut));
        assert_eq!(store.save("p", &identity()).await, Err(KeyStoreError::TimedOut));
        assert!(started.elapsed() < Duration::from_millis(450), "gave up at the timeout, took {:?}", started.elapsed());
        assert_eq!(store.delete("p").await, Err(KeyStoreError::Unavailable("locked".into())), "errors pass through");
    }

    #[tokio::test]
    async fn a_keyring_that_answers_in_time_is_used() {
        let store = AsyncKeyStore::with_timeout(Arc::new(SlowStore(Duration::from_millis(10))), Duration::from_secs(5));
        assert_eq!(store.load("p").await, Ok(None));
    }
}
