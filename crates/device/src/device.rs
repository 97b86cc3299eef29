//! The facade the app and the CLI use: one [`Device`] per profile.
//!
//! It ties the identity, the key store, the server payload rules and the SDK server's device API
//! together. State kept here (the pending pairing offer, the stored identity) sits behind
//! short-lived `std` locks that are never held across an `.await`.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use moderno_ambient::{Clock, Entropy};
use moderno_crypto::totp;
use moderno_wire::device_api::{
    CompletePairing, DeviceNotice, DeviceState, ManageDevice, PairingCompleted, PairingOutcome, PushAnswer, PushRequest,
};
use moderno_wire::payload::{PayloadSelection, TrustLevel};
use moderno_wire::sdk::{DeviceRole, ErrorCode};
use tracing::{info, instrument, warn};
use url::Url;

use crate::error::DeviceError;
use crate::flow::{claimed_device_api_url, read_server_payload, Expected, FlowState, PendingPairing, UserSelection};
use crate::identity::{DeviceDescription, DeviceIdentity};
use crate::key_store::{AsyncKeyStore, KeyStore, StoredIdentity, KEY_STORE_TIMEOUT};
use crate::mobile_payload::{generate_payload, payload_with_selection};
use crate::moderno_client::ModernoClient;
use crate::pingfederate::decode_base32_secret;
use crate::push_result::PushResult;
use crate::sdk_device_client::SdkDeviceClient;
use crate::transport::{http_client, same_url};

/// Longest device nickname the SDK server accepts.
pub const MAX_NICKNAME_CHARS: usize = 100;

#[derive(Debug, Clone)]
pub struct DeviceOptions {
    /// The SDK server's device API this app trusts. When set, a server payload naming any other
    /// device API is refused (the payload's key is fetched from the URL it names, so without a
    /// pin the first pairing trusts the payload's URL; after pairing the stored URL is the pin).
    pub device_api_url: Option<Url>,
    pub description: DeviceDescription,
    pub key_store_timeout: Duration,
}

impl Default for DeviceOptions {
    fn default() -> Self {
        Self {
            device_api_url: None,
            description: DeviceDescription::of_this_computer(),
            key_store_timeout: KEY_STORE_TIMEOUT,
        }
    }
}

pub struct Device {
    profile: String,
    store: AsyncKeyStore,
    clock: Clock,
    entropy: Entropy,
    http: reqwest::Client,
    sdk: SdkDeviceClient,
    options: DeviceOptions,
    identity: Mutex<Arc<DeviceIdentity>>,
    stored: Mutex<Option<StoredIdentity>>,
    pending: Mutex<Option<PendingPairing>>,
}

/// Hand-written: prints what the device is (profile, identity, paired), read through its locks;
/// the other fields are handles (key store, HTTP client). Secrets print `[redacted]` either way.
impl std::fmt::Debug for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Device")
            .field("profile", &self.profile)
            .field("identity", &self.identity())
            .field("paired", &self.is_paired())
            .finish_non_exhaustive()
    }
}

fn locked<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Device {
    /// Loads the profile's identity from `store`, or generates a new (not yet saved) key.
    pub async fn open(
        profile: &str,
        store: Arc<dyn KeyStore>,
        clock: Clock,
        entropy: Entropy,
    ) -> Result<Self, DeviceError> {
        Self::open_with(profile, store, clock, entropy, DeviceOptions::default()).await
    }

    #[instrument(skip_all, fields(profile = %profile))]
    pub async fn open_with(
        profile: &str,
        store: Arc<dyn KeyStore>,
        clock: Clock,
        entropy: Entropy,
        options: DeviceOptions,
    ) -> Result<Self, DeviceError> {
        check_profile_name(profile)?;
        let store = AsyncKeyStore::with_timeout(store, options.key_store_timeout);
        let stored = store.load(profile).await?;
        let identity = match &stored {
            Some(s) => DeviceIdentity::from_seed(profile, s.seed.expose(), options.description.clone()),
            None => DeviceIdentity::generate(profile, &entropy, options.description.clone()),
        };
        info!(fingerprint = %identity.fingerprint(), stored = stored.is_some(), "device opened");
        let http = http_client()?;
        Ok(Self {
            profile: profile.to_string(),
            store,
            sdk: SdkDeviceClient::new(http.clone(), clock.clone(), entropy.clone()),
            clock,
            entropy,
            http,
            options,
            identity: Mutex::new(Arc::new(identity)),
            stored: Mutex::new(stored),
            pending: Mutex::new(None),
        })
    }

    pub fn profile(&self) -> &str {
        &self.profile
    }

    pub fn identity(&self) -> Arc<DeviceIdentity> {
        Arc::clone(&locked(&self.identity))
    }

    /// A client for the customer server sharing this device's HTTP connection pool.
    pub fn moderno_client(&self, base: &str) -> Result<ModernoClient, DeviceError> {
        ModernoClient::new(self.http.clone(), base)
    }

    /// A fresh mobile payload for a login.
    pub fn payload(&self) -> String {
        generate_payload(&self.identity(), &self.clock, &self.entropy)
    }

    /// A fresh mobile payload with the user's choice folded in (Ping's
    /// `updateExistingPayloadWithUserSelection`), sent with an offline passcode so that the
    /// passcode's answer pairs this device.
    pub fn payload_with_selection(&self, selection: PayloadSelection) -> String {
        payload_with_selection(&self.identity(), &self.clock, &self.entropy, Some(selection))
    }

    /// Verifies and reads the server payload (Ping's `setServerPayload`): a TRUST_LEVELS offer is
    /// kept for [`Self::set_user_selection`]; DEVICE_IS_TRUSTED is paired here, as TRUSTED, before
    /// this returns.
    #[instrument(skip_all, fields(profile = %self.profile))]
    pub async fn set_server_payload(&self, payload: &str) -> Result<FlowState, DeviceError> {
        let api_url = claimed_device_api_url(payload)?;
        if let Some(pin) = self.trusted_device_api() {
            if !same_url(&pin, &api_url) {
                return Err(DeviceError::InvalidServerPayload(format!(
                    "it names the device API {api_url}, but this device trusts only {pin}"
                )));
            }
        }
        let server_key = self.sdk.server_key(&api_url).await?;
        let fingerprint = self.identity().fingerprint();
        let expected = Expected { fingerprint: &fingerprint, now_unix: self.clock.unix(), device_api_url: &api_url };
        let (state, pending) = read_server_payload(payload, &server_key, &expected)?;
        if let Some(offer) = pending {
            self.check_same_user(&offer.username)?;
            *locked(&self.pending) = Some(offer);
        }
        info!(state = ?state, "server payload read");
        if let FlowState::DeviceIsTrusted { role, .. } = state {
            let level = if role == DeviceRole::Primary { TrustLevel::Primary } else { TrustLevel::Trusted };
            let completed = self.set_user_selection(UserSelection::Trust(level), None).await?;
            return Ok(FlowState::DeviceIsTrusted {
                device_id: completed.device_id.unwrap_or_default(),
                role: completed.device_role.unwrap_or(DeviceRole::Trusted),
            });
        }
        Ok(state)
    }

    /// Completes the pending pairing with the SDK server. On SUCCESS / RE_PAIR_SUCCESS the key,
    /// the OTP secret and the device id are in the key store when this returns. The OTP secret is
    /// removed from the answer: it never leaves the SDK component.
    #[instrument(skip_all, fields(profile = %self.profile, selection = ?selection))]
    pub async fn set_user_selection(
        &self,
        selection: UserSelection,
        nickname: Option<String>,
    ) -> Result<PairingCompleted, DeviceError> {
        let offer = locked(&self.pending).clone().ok_or(DeviceError::NoPairingInProgress)?;
        if offer.expires_at <= self.clock.unix() {
            *locked(&self.pending) = None;
            return Err(DeviceError::PairingExpired);
        }
        let (trust_level, ignore_interval) = selection.check_offered(&offer.levels)?;
        if nickname.as_ref().is_some_and(|n| n.chars().count() > MAX_NICKNAME_CHARS) {
            return Err(DeviceError::InvalidInput(format!(
                "a device nickname has at most {MAX_NICKNAME_CHARS} characters"
            )));
        }
        let identity = self.identity();
        // The key goes into the keyring before the server learns of it, so a keyring failure
        // cannot leave a paired device whose key is lost.
        self.save_key_unless_paired(&identity, &offer).await?;
        let request = CompletePairing {
            registration_token_id: offer.registration_token_id.clone(),
            registration_token_secret: offer.registration_token_secret.to_string(),
            trust_level,
            ignore_interval,
            device_nickname: nickname,
        };
        let answer = self.sdk.complete_pairing(&offer.device_api_url, identity.key(), &request).await;
        if !matches!(answer, Err(DeviceError::ServerUnreachable { .. })) {
            // A definite answer (either way) uses the offer up; a network failure may be retried.
            *locked(&self.pending) = None;
        }
        let mut completed = answer?;
        let otp_secret = completed.otp_secret.take();
        if matches!(completed.outcome, PairingOutcome::Success | PairingOutcome::RePairSuccess) {
            let paired = StoredIdentity {
                seed: identity.key().seed(),
                otp_secret: otp_secret.as_deref().and_then(decode_base32_secret),
                device_id: completed.device_id.clone(),
                username: offer.username.clone(),
                application_id: offer.application_id.clone(),
                device_api_url: Some(offer.device_api_url.clone()),
            };
            if paired.otp_secret.is_none() {
                warn!("the pairing answer carried no usable OTP secret: offline passcodes are unavailable");
            }
            self.save(paired).await?;
        }
        info!(outcome = ?completed.outcome, device_id = ?completed.device_id, "pairing completed");
        Ok(completed)
    }

    /// Waits up to `wait` (at most 25 s, the server's limit) for push requests addressed to this device.
    pub async fn pending_pushes(&self, wait: Duration) -> Result<Vec<PushRequest>, DeviceError> {
        let (api_url, identity) = self.paired()?;
        self.sdk.pending_pushes(&api_url, identity.key(), wait).await
    }

    /// Waits up to `wait` (at most 25 s) for notices that a device was added to or removed from
    /// this device's user (see [`crate::notice_text`]). Each notice comes once.
    pub async fn notices(&self, wait: Duration) -> Result<Vec<DeviceNotice>, DeviceError> {
        let (api_url, identity) = self.paired()?;
        self.sdk.notices(&api_url, identity.key(), wait).await
    }

    #[instrument(skip(self), fields(profile = %self.profile))]
    pub async fn answer_push(&self, authentication_id: &str, answer: PushAnswer) -> Result<PushResult, DeviceError> {
        let (api_url, identity) = self.paired()?;
        self.sdk.answer_push(&api_url, identity.key(), authentication_id, answer).await
    }

    /// The offline one-time passcode for now, when this device is paired.
    pub fn offline_otp(&self) -> Option<String> {
        let stored = locked(&self.stored);
        let secret = stored.as_ref()?.otp_secret.as_ref()?;
        Some(totp::code_at(secret.expose(), self.clock.unix()))
    }

    /// This device and the user's devices, as the SDK server knows them.
    pub async fn state(&self) -> Result<DeviceState, DeviceError> {
        let (api_url, identity) = self.paired()?;
        self.sdk.me(&api_url, identity.key()).await
    }

    /// Renames one of the user's devices (any of them), or makes it the primary (see
    /// [`ManageDevice`]); answers the devices as they are now.
    #[instrument(skip(self), fields(profile = %self.profile))]
    pub async fn manage_device(&self, device_id: &str, change: &ManageDevice) -> Result<DeviceState, DeviceError> {
        if let Some(nickname) = &change.nickname {
            if nickname.trim().is_empty() || nickname.chars().count() > MAX_NICKNAME_CHARS {
                return Err(DeviceError::InvalidInput(format!("a nickname is 1 to {MAX_NICKNAME_CHARS} characters")));
            }
        }
        let (api_url, identity) = self.paired()?;
        self.sdk.manage_device(&api_url, identity.key(), device_id, change).await
    }

    /// Removes another of the user's devices (the primary only); answers the devices left.
    #[instrument(skip(self), fields(profile = %self.profile))]
    pub async fn remove_device(&self, device_id: &str) -> Result<DeviceState, DeviceError> {
        let (api_url, identity) = self.paired()?;
        self.sdk.remove_device(&api_url, identity.key(), device_id).await
    }

    /// Unpairs at the SDK server, then forgets the key; the next login uses a new key.
    /// A device the server no longer knows is forgotten all the same.
    #[instrument(skip_all, fields(profile = %self.profile))]
    pub async fn unpair(&self) -> Result<(), DeviceError> {
        let stored = locked(&self.stored).clone().ok_or_else(|| self.not_paired())?;
        if let Some(api_url) = stored.device_api_url.as_ref().filter(|_| stored.is_paired()) {
            let identity = self.identity();
            match self.sdk.unpair(api_url, identity.key()).await {
                Err(DeviceError::Sdk(e)) if e.code == ErrorCode::NotFound => {
                    warn!("the SDK server no longer knows this device; forgetting it locally");
                }
                other => other?,
            }
        }
        self.store.delete(&self.profile).await?;
        *locked(&self.stored) = None;
        *locked(&self.pending) = None;
        let fresh = DeviceIdentity::generate(&self.profile, &self.entropy, self.options.description.clone());
        *locked(&self.identity) = Arc::new(fresh);
        info!("device unpaired and its key forgotten");
        Ok(())
    }

    pub fn is_paired(&self) -> bool {
        locked(&self.stored).as_ref().is_some_and(StoredIdentity::is_paired)
    }

    /// The user this device is paired with.
    pub fn paired_username(&self) -> Option<String> {
        locked(&self.stored).as_ref().filter(|s| s.is_paired()).map(|s| s.username.clone())
    }

    /// The SDK server's id for this device, once paired.
    pub fn device_id(&self) -> Option<String> {
        locked(&self.stored).as_ref().and_then(|s| s.device_id.clone())
    }

    fn trusted_device_api(&self) -> Option<Url> {
        self.options
            .device_api_url
            .clone()
            .or_else(|| locked(&self.stored).as_ref().and_then(|s| s.device_api_url.clone()))
    }

    fn check_same_user(&self, username: &str) -> Result<(), DeviceError> {
        match locked(&self.stored).as_ref() {
            Some(s) if s.is_paired() && s.username != username => Err(DeviceError::PairedWithOtherUser {
                profile: self.profile.clone(),
                paired_with: s.username.clone(),
                requested: username.to_string(),
            }),
            _ => Ok(()),
        }
    }

    fn paired(&self) -> Result<(Url, Arc<DeviceIdentity>), DeviceError> {
        let api_url = locked(&self.stored)
            .as_ref()
            .filter(|s| s.is_paired())
            .and_then(|s| s.device_api_url.clone())
            .ok_or_else(|| self.not_paired())?;
        Ok((api_url, self.identity()))
    }

    fn not_paired(&self) -> DeviceError {
        DeviceError::NotPaired { profile: self.profile.clone() }
    }

    async fn save_key_unless_paired(
        &self,
        identity: &DeviceIdentity,
        offer: &PendingPairing,
    ) -> Result<(), DeviceError> {
        if self.is_paired() {
            return Ok(());
        }
        self.save(StoredIdentity {
            seed: identity.key().seed(),
            otp_secret: None,
            device_id: None,
            username: offer.username.clone(),
            application_id: offer.application_id.clone(),
            device_api_url: Some(offer.device_api_url.clone()),
        })
        .await
    }

    async fn save(&self, identity: StoredIdentity) -> Result<(), DeviceError> {
        self.store.save(&self.profile, &identity).await?;
        *locked(&self.stored) = Some(identity);
        Ok(())
    }
}

/// Profiles name keyring entries: keep them short and plain.
fn check_profile_name(profile: &str) -> Result<(), DeviceError> {
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if profile.is_empty() || profile.len() > 64 || !profile.chars().all(plain) {
        return Err(DeviceError::InvalidInput(format!(
            "profile {profile:?} must be 1 to 64 letters, digits, '-', '_' or '.'"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_names_stay_plain() {
        assert!(check_profile_name("default").is_ok());
        assert!(check_profile_name("qa-2.alice_x").is_ok());
        for bad in ["", "a b", "x/y", &"p".repeat(65)] {
            assert_eq!(check_profile_name(bad).err().map(|e| e.code().as_str()), Some("invalid_input"), "{bad:?}");
        }
    }
}
