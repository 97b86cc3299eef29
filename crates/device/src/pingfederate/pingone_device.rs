//! The PingOne MFA personality of the device: the mobile payload for `authenticate`,
//! `selectDevice` and `checkOtp`; the PingOne ID token of MOBILE_PAIRING_REQUIRED (its
//! `serverPayload`) processed and its pairing approved, as the SDK's `processIdToken` and
//! `PairingObject.approve()` do; pushes received and answered; passcodes shown.
//!
//! Storage, per profile (see `docs/device.md`): the PingOne pairing is the key-store entry
//! `<profile>.pingone`, a [`StoredIdentity`] whose `device_api_url` is PingOne's `/device`; a TOTP
//! authenticator is `<profile>.pingone-totp`. Both hold the profile's device key, so a PingOne
//! pairing made from an open [`Device`] signs with the very key the PingID SDK pairing uses.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use moderno_ambient::{Clock, Entropy};
use moderno_crypto::Secret;
use moderno_wire::device_api::{PushAnswer, PushRequest};
use moderno_wire::pingone::{ApprovePairing, NotificationObject, PairingIdTokenClaims, PushDecision, ResourceRef};
use serde::Serialize;
use tracing::{info, instrument};
use url::Url;

use super::device_api::PingOneDeviceApi;
use super::pairing_token::{claimed_issuer, device_api_of, read_pairing_token};
use super::totp_authenticator::{decode_base32_secret, TotpAuthenticator};
use crate::device::Device;
use crate::error::DeviceError;
use crate::identity::DeviceIdentity;
use crate::key_store::{AsyncKeyStore, KeyStore, StoredIdentity};
use crate::mobile_payload::generate_payload;
use crate::push_result::PushResult;
use crate::transport::{http_client, same_url};

/// What a completed PingOne pairing gave this device (its passcode secret stays inside). No role:
/// PingOne devices have none, only an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PingOnePairing {
    pub device_id: String,
    pub username: String,
    pub device_api_url: Url,
}

pub struct PingOneDevice {
    profile: String,
    store: AsyncKeyStore,
    clock: Clock,
    entropy: Entropy,
    api: PingOneDeviceApi,
    identity: Arc<DeviceIdentity>,
    pairing: Mutex<Option<StoredIdentity>>,
    totp: Mutex<Option<TotpAuthenticator>>,
}

/// Hand-written: prints what the device is (profile, fingerprint, paired), read through its
/// locks; the other fields are handles (key store, API client). No secret is printed.
impl std::fmt::Debug for PingOneDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PingOneDevice")
            .field("profile", &self.profile)
            .field("fingerprint", &self.identity.fingerprint())
            .field("paired", &self.is_paired())
            .finish_non_exhaustive()
    }
}

fn locked<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl PingOneDevice {
    /// The PingOne side of `device`'s profile, read from `store` (the store `device` was opened with).
    /// A stored PingOne pairing keeps signing with the key it was paired with.
    pub async fn open(
        device: &Device,
        store: Arc<dyn KeyStore>,
        clock: Clock,
        entropy: Entropy,
    ) -> Result<Self, DeviceError> {
        let profile = device.profile().to_string();
        let store = AsyncKeyStore::new(store);
        let pairing = store.load(&pairing_entry(&profile)).await?;
        let totp = store.load(&totp_entry(&profile)).await?.and_then(|s| {
            let secret = s.otp_secret.clone()?;
            Some(TotpAuthenticator::from_bytes(secret, &s.username, s.device_id.clone()))
        });
        let current = device.identity();
        let identity = match &pairing {
            Some(p) if p.seed != current.key().seed() => {
                Arc::new(DeviceIdentity::from_seed(&profile, p.seed.expose(), current.description().clone()))
            }
            _ => current,
        };
        let api = PingOneDeviceApi::new(http_client()?, clock.clone(), entropy.clone());
        info!(profile = %profile, paired = pairing.as_ref().is_some_and(StoredIdentity::is_paired), totp = totp.is_some(), "PingOne personality opened");
        Ok(Self { profile, store, clock, entropy, api, identity, pairing: Mutex::new(pairing), totp: Mutex::new(totp) })
    }

    pub fn fingerprint(&self) -> String {
        self.identity.fingerprint()
    }

    /// A fresh mobile payload (new nonce, issued now): one per `authenticate`, `selectDevice` or `checkOtp`.
    pub fn payload(&self) -> String {
        generate_payload(&self.identity, &self.clock, &self.entropy)
    }

    /// The SDK's `processIdToken` and `PairingObject.approve()`: verifies the PingOne ID token of
    /// MOBILE_PAIRING_REQUIRED under the keys its issuer publishes and approves the pairing it
    /// offers. On success the pairing is in the key store when this returns.
    #[instrument(skip_all, fields(profile = %self.profile))]
    pub async fn pair(&self, id_token: &str) -> Result<PingOnePairing, DeviceError> {
        let issuer = claimed_issuer(id_token)?;
        let api_url = device_api_of(&issuer)?;
        if let Some(paired) = locked(&self.pairing).as_ref().filter(|p| p.is_paired()) {
            if !paired.device_api_url.as_ref().is_some_and(|paired| same_url(paired, &api_url)) {
                return Err(DeviceError::InvalidServerPayload(format!(
                    "it was issued by {issuer}, but this device is paired with {}",
                    paired.device_api_url.as_ref().map_or("no device API", Url::as_str)
                )));
            }
        }
        let jwks = self.api.jwks(&issuer).await?;
        let offer = read_pairing_token(id_token, &jwks, self.clock.unix())?;
        self.check_same_user(&offer.preferred_username)?;
        let request = ApprovePairing {
            pairing: ResourceRef::new(offer.pairing.id.clone()),
            secret: offer.pairing.secret.clone(),
            nickname: Some(self.identity.device_name().to_string()),
        };
        // The key goes into the key store before PingOne learns of it, so a keyring failure
        // cannot leave a paired device whose key is lost.
        if !self.is_paired() {
            self.save_pairing(self.entry(&offer, &api_url, None, None)).await?;
        }
        let approved = self.api.approve_pairing(&api_url, self.identity.key(), &request).await?;
        let device_id = approved.device.id;
        let otp_secret = decode_base32_secret(&approved.otp_secret);
        self.save_pairing(self.entry(&offer, &api_url, Some(device_id.clone()), otp_secret)).await?;
        info!(device_id = %device_id, "paired with PingOne MFA");
        Ok(PingOnePairing { device_id, username: offer.preferred_username, device_api_url: api_url })
    }

    /// Waits up to `wait` (at most 25 s) for pushes addressed to this paired device: PingOne's
    /// `NotificationObject`s as the app's push requests (the numbers to pick from
    /// `numberMatchingOptions`, the deadline from `timeoutDuration`).
    pub async fn pending_pushes(&self, wait: Duration) -> Result<Vec<PushRequest>, DeviceError> {
        let api_url = self.paired_api()?;
        let username = self.paired_username().unwrap_or_default();
        let pushes = self.api.pending_pushes(&api_url, self.identity.key(), wait).await?;
        let now = self.clock.now();
        Ok(pushes.into_iter().map(|push| push_request(push, &username, now)).collect())
    }

    /// Answers a push with the app's approve/deny (a PingID-style answer: APPROVE with its number,
    /// DENY without a reason). PingOne has no BLOCK: that answer is refused here, nothing sent.
    pub async fn answer_push(&self, authentication_id: &str, answer: PushAnswer) -> Result<PushResult, DeviceError> {
        let decision = PushDecision::from_pingid(&answer).ok_or_else(|| {
            DeviceError::InvalidInput(
                "PingOne MFA has no BLOCK: deny the push (an administrator blocks devices)".into(),
            )
        })?;
        self.decide_push(authentication_id, decision).await
    }

    /// The SDK's `NotificationObject.approve(…, numberMatchingPickedValue)` or `deny(…, DenyReason)`.
    #[instrument(skip(self), fields(profile = %self.profile))]
    pub async fn decide_push(
        &self,
        authentication_id: &str,
        decision: PushDecision,
    ) -> Result<PushResult, DeviceError> {
        let api_url = self.paired_api()?;
        self.api.answer_push(&api_url, self.identity.key(), authentication_id, decision).await
    }

    pub fn is_paired(&self) -> bool {
        locked(&self.pairing).as_ref().is_some_and(StoredIdentity::is_paired)
    }

    pub fn paired_username(&self) -> Option<String> {
        locked(&self.pairing).as_ref().filter(|p| p.is_paired()).map(|p| p.username.clone())
    }

    /// PingOne's id for this mobile device, once paired.
    pub fn device_id(&self) -> Option<String> {
        locked(&self.pairing).as_ref().and_then(|p| p.device_id.clone())
    }

    /// Keeps a TOTP authenticator (the secret PingOne showed when the TOTP device was created).
    pub async fn add_totp(&self, authenticator: TotpAuthenticator) -> Result<(), DeviceError> {
        let entry = StoredIdentity {
            seed: self.identity.key().seed(),
            otp_secret: Some(authenticator.secret().clone()),
            device_id: authenticator.device_id.clone(),
            username: authenticator.username.clone(),
            application_id: String::new(),
            device_api_url: None,
        };
        self.store.save(&totp_entry(&self.profile), &entry).await?;
        *locked(&self.totp) = Some(authenticator);
        Ok(())
    }

    pub fn has_totp(&self) -> bool {
        locked(&self.totp).is_some()
    }

    /// The TOTP authenticator's code now, when the profile holds one.
    pub fn totp_code(&self) -> Option<String> {
        locked(&self.totp).as_ref().map(|t| t.code_at(self.clock.unix()))
    }

    /// Forgets the PingOne pairing and the TOTP authenticator of this profile (locally only).
    pub async fn forget(&self) -> Result<(), DeviceError> {
        self.store.delete(&pairing_entry(&self.profile)).await?;
        self.store.delete(&totp_entry(&self.profile)).await?;
        *locked(&self.pairing) = None;
        *locked(&self.totp) = None;
        Ok(())
    }

    fn paired_api(&self) -> Result<Url, DeviceError> {
        locked(&self.pairing)
            .as_ref()
            .filter(|p| p.is_paired())
            .and_then(|p| p.device_api_url.clone())
            .ok_or_else(|| DeviceError::NotPaired { profile: pairing_entry(&self.profile) })
    }

    /// The key-store entry of a pairing with `offer` (`device_id: None` while not yet completed).
    fn entry(
        &self,
        offer: &PairingIdTokenClaims,
        api_url: &Url,
        device_id: Option<String>,
        otp_secret: Option<Secret<Vec<u8>>>,
    ) -> StoredIdentity {
        StoredIdentity {
            seed: self.identity.key().seed(),
            otp_secret,
            device_id,
            username: offer.preferred_username.clone(),
            application_id: offer.aud.clone(),
            device_api_url: Some(api_url.clone()),
        }
    }

    fn check_same_user(&self, username: &str) -> Result<(), DeviceError> {
        match locked(&self.pairing).as_ref() {
            Some(p) if p.is_paired() && p.username != username => Err(DeviceError::PairedWithOtherUser {
                profile: pairing_entry(&self.profile),
                paired_with: p.username.clone(),
                requested: username.to_string(),
            }),
            _ => Ok(()),
        }
    }

    async fn save_pairing(&self, pairing: StoredIdentity) -> Result<(), DeviceError> {
        self.store.save(&pairing_entry(&self.profile), &pairing).await?;
        *locked(&self.pairing) = Some(pairing);
        Ok(())
    }
}

fn pairing_entry(profile: &str) -> String {
    format!("{profile}.pingone")
}

fn totp_entry(profile: &str) -> String {
    format!("{profile}.pingone-totp")
}

/// A PingOne push as the app shows it (the shape the PingID SDK's pushes have too): no trust
/// levels; the deadline counted from `received_at`.
fn push_request(push: NotificationObject, username: &str, received_at: chrono::DateTime<chrono::Utc>) -> PushRequest {
    let expires_at = received_at + chrono::Duration::seconds(push.timeout_duration.max(0));
    PushRequest {
        authentication_id: push.authentication_id,
        username: username.to_string(),
        title: push.title,
        body: push.body,
        client_context: push.client_context,
        ip_address: None,
        requesting_device: None,
        trust_levels: Vec::new(),
        number_choices: push.number_matching_options,
        expires_at: expires_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pingone_push_shows_its_options_and_the_deadline_its_timeout_gives() {
        let push = NotificationObject {
            authentication_id: "a1".into(),
            title: "Sign-in request".into(),
            body: "Approve?".into(),
            client_context: None,
            number_matching_type: Some(moderno_wire::pingone::SELECT_NUMBER.into()),
            number_matching_options: vec![12, 34, 56],
            timeout_duration: 40,
        };
        let received = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let shown = push_request(push, "bob", received);
        assert_eq!((shown.username.as_str(), shown.number_choices.as_slice()), ("bob", &[12, 34, 56][..]));
        assert_eq!(shown.expires_at, "2027-01-15T08:00:40Z");
        assert!(shown.trust_levels.is_empty(), "PingOne has no trust levels");
    }
}
