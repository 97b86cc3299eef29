//! Reading the server payload into a flow state, and the rules for the user's answer to it.
//!
//! A server payload is only believed once its signature verifies under the SDK server's payload
//! key, it was issued for this device's key, and it has not expired.

use moderno_crypto::device_key::DevicePublicKey;
use moderno_crypto::payload::{open_server_payload, open_unverified, PayloadError};
use moderno_wire::device_api::{IgnoreInterval, IntervalUnit};
use moderno_wire::payload::{GrantedAccess, ServerFlow, ServerPayloadClaims, TrustLevel};
use moderno_wire::sdk::DeviceRole;
use serde::Serialize;
use url::Url;
use zeroize::Zeroizing;

use crate::error::DeviceError;
use moderno_ambient::http_url;

/// What the server payload asks of this device: Ping's SDK flow states (`PIDFlowState`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FlowState {
    /// Pair this device: ask the user for one of `levels`, then call `set_user_selection`.
    #[serde(rename_all = "camelCase")]
    TrustLevels { levels: Vec<TrustLevel>, username: String, application_id: String },
    /// A trusted device of the user trusted this one: it is paired now (the SDK component did it
    /// behind the scenes, as TRUSTED).
    #[serde(rename_all = "camelCase")]
    DeviceIsTrusted { device_id: String, role: DeviceRole },
    /// The approving device is offline: the login waits for a one-time passcode from one of the
    /// user's trusted devices; `levels` may be folded into the payload sent with it.
    #[serde(rename_all = "camelCase")]
    OneTimePasscode { authentication_id: String, levels: Vec<TrustLevel> },
    /// Nothing more to do; `granted` says how this unpaired device got in (once, or ignored).
    #[serde(rename_all = "camelCase")]
    Done { granted: Option<GrantedAccess> },
}

/// The user's (or app's) answer to [`FlowState::TrustLevels`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserSelection {
    /// PRIMARY or TRUSTED; PRIMARY only when offered.
    Trust(TrustLevel),
    /// Do not pair; stop asking for this long.
    Ignore(IgnoreInterval),
}

impl UserSelection {
    /// The trust level and interval to send, if the selection is one the server offered.
    pub fn check_offered(self, offered: &[TrustLevel]) -> Result<(TrustLevel, Option<IgnoreInterval>), DeviceError> {
        let (level, interval) = match self {
            Self::Trust(TrustLevel::Ignore) => {
                return Err(DeviceError::InvalidSelection(
                    "IGNORE needs an interval: choose UserSelection::Ignore(interval)".into(),
                ))
            }
            Self::Trust(level) => (level, None),
            Self::Ignore(interval) => {
                if interval.value == 0 && interval.unit != IntervalUnit::Always {
                    return Err(DeviceError::InvalidSelection("an ignore interval must be at least 1".into()));
                }
                (TrustLevel::Ignore, Some(interval))
            }
        };
        if !offered.contains(&level) {
            return Err(DeviceError::TrustLevelNotOffered { chosen: level, offered: offered.to_vec() });
        }
        Ok((level, interval))
    }
}

/// A pairing offer waiting for the user's selection. Holds the registration token's secret.
#[derive(Clone)]
pub(crate) struct PendingPairing {
    pub registration_token_id: String,
    pub registration_token_secret: Zeroizing<String>,
    pub levels: Vec<TrustLevel>,
    pub username: String,
    pub application_id: String,
    pub device_api_url: Url,
    pub expires_at: i64,
}

impl PendingPairing {
    /// The offer a verified payload makes (its token, for `levels`), kept until answered.
    fn offered(
        claims: &ServerPayloadClaims,
        device_api_url: &Url,
        token_id: String,
        secret: String,
        levels: Vec<TrustLevel>,
    ) -> Self {
        Self {
            registration_token_id: token_id,
            registration_token_secret: Zeroizing::new(secret),
            levels,
            username: claims.username.clone(),
            application_id: claims.application_id.clone(),
            device_api_url: device_api_url.clone(),
            expires_at: claims.expires_at,
        }
    }
}

/// What the payload must match besides its signature.
pub(crate) struct Expected<'a> {
    pub fingerprint: &'a str,
    pub now_unix: i64,
    /// The device API this payload names, parsed once by [`claimed_device_api_url`] (the key
    /// that verifies it came from there); an offer keeps it.
    pub device_api_url: &'a Url,
}

/// The device API URL a payload names, read before its signature is checked: only to know where
/// to fetch the key that checks it. The caller must decide whether it trusts that URL.
pub(crate) fn claimed_device_api_url(payload: &str) -> Result<Url, DeviceError> {
    let (claims, _, _): (ServerPayloadClaims, _, _) = open_unverified(payload.trim()).map_err(refused)?;
    http_url(&claims.device_api_url)
        .ok_or_else(|| DeviceError::InvalidServerPayload("its device API URL is not an http(s) URL".into()))
}

/// Verifies the payload with the server key and turns it into a flow state (plus, for
/// TRUST_LEVELS, the offer to keep until the user chooses).
pub(crate) fn read_server_payload(
    payload: &str,
    server_key: &DevicePublicKey,
    expected: &Expected<'_>,
) -> Result<(FlowState, Option<PendingPairing>), DeviceError> {
    let mut claims = open_server_payload(payload.trim(), server_key).map_err(refused)?;
    if claims.device_fingerprint != expected.fingerprint {
        return Err(DeviceError::InvalidServerPayload("it was issued for another device".into()));
    }
    if claims.expires_at <= expected.now_unix {
        return Err(DeviceError::InvalidServerPayload("it has expired: log in again".into()));
    }
    // The flow is taken out (not cloned), so a token secret in it moves into `Zeroizing` once.
    let flow = std::mem::replace(&mut claims.flow, ServerFlow::Done { granted: None });
    Ok(match flow {
        ServerFlow::TrustLevels { registration_token_id, registration_token_secret, trust_levels } => {
            let state = FlowState::TrustLevels {
                levels: trust_levels.clone(),
                username: claims.username.clone(),
                application_id: claims.application_id.clone(),
            };
            (
                state,
                Some(PendingPairing::offered(
                    &claims,
                    expected.device_api_url,
                    registration_token_id,
                    registration_token_secret,
                    trust_levels,
                )),
            )
        }
        ServerFlow::DeviceIsTrusted { registration_token_id, registration_token_secret, trust_level } => {
            // Paired by the caller before anyone sees this state: the ids come from the pairing.
            let role = if trust_level == TrustLevel::Primary { DeviceRole::Primary } else { DeviceRole::Trusted };
            let state = FlowState::DeviceIsTrusted { device_id: String::new(), role };
            (
                state,
                Some(PendingPairing::offered(
                    &claims,
                    expected.device_api_url,
                    registration_token_id,
                    registration_token_secret,
                    vec![trust_level],
                )),
            )
        }
        ServerFlow::OneTimePasscode { authentication_id, trust_levels } => {
            (FlowState::OneTimePasscode { authentication_id, levels: trust_levels }, None)
        }
        ServerFlow::Done { granted } => (FlowState::Done { granted }, None),
    })
}

fn refused(error: PayloadError) -> DeviceError {
    DeviceError::InvalidServerPayload(error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use moderno_crypto::device_key::DeviceKey;
    use moderno_crypto::payload::seal;

    const NOW: i64 = 1_700_000_000;

    fn server_key() -> DeviceKey {
        DeviceKey::from_seed(&[8u8; 32])
    }

    fn public(key: &DeviceKey) -> DevicePublicKey {
        DevicePublicKey::from_b64(&key.public_key_b64()).expect("public key")
    }

    fn claims(flow: ServerFlow) -> ServerPayloadClaims {
        ServerPayloadClaims {
            v: 1,
            account_id: "acct".into(),
            application_id: "app".into(),
            username: "alice".into(),
            device_fingerprint: "f".repeat(32),
            device_api_url: "http://127.0.0.1:7001/pingid/v1/device".into(),
            flow,
            expires_at: NOW + 600,
        }
    }

    fn offer() -> ServerFlow {
        ServerFlow::TrustLevels {
            registration_token_id: "tok".into(),
            registration_token_secret: "secret".into(),
            trust_levels: vec![TrustLevel::Trusted, TrustLevel::Ignore],
        }
    }

    fn read(payload: &str) -> Result<(FlowState, Option<PendingPairing>), DeviceError> {
        let device_api_url = claimed_device_api_url(payload)?;
        let expected = Expected {
            fingerprint: "ffffffffffffffffffffffffffffffff",
            now_unix: NOW,
            device_api_url: &device_api_url,
        };
        read_server_payload(payload, &public(&server_key()), &expected)
    }

    #[test]
    fn a_trust_level_offer_becomes_a_pending_pairing() {
        let (state, pending) = read(&seal(&claims(offer()), &server_key())).expect("reads");
        assert_eq!(
            state,
            FlowState::TrustLevels {
                levels: vec![TrustLevel::Trusted, TrustLevel::Ignore],
                username: "alice".into(),
                application_id: "app".into()
            }
        );
        let pending = pending.expect("an offer to answer");
        assert_eq!(pending.registration_token_id, "tok");
        assert_eq!(pending.registration_token_secret.as_str(), "secret");
        let json = serde_json::to_string(&state).expect("serializes for the UI");
        assert!(!json.contains("secret"), "the token secret stays inside: {json}");
    }

    #[test]
    fn the_other_flow_states_read_as_such() {
        let trusted = ServerFlow::DeviceIsTrusted {
            registration_token_id: "t1".into(),
            registration_token_secret: "s1".into(),
            trust_level: TrustLevel::Trusted,
        };
        let (state, pending) = read(&seal(&claims(trusted), &server_key())).expect("reads");
        assert!(matches!(state, FlowState::DeviceIsTrusted { role: DeviceRole::Trusted, .. }), "{state:?}");
        let pending = pending.expect("a pairing to complete behind the scenes");
        assert_eq!(
            (pending.registration_token_id.as_str(), pending.levels.as_slice()),
            ("t1", &[TrustLevel::Trusted][..])
        );
        let otp =
            ServerFlow::OneTimePasscode { authentication_id: "a1".into(), trust_levels: vec![TrustLevel::Trusted] };
        assert_eq!(
            read(&seal(&claims(otp), &server_key())).expect("reads").0,
            FlowState::OneTimePasscode { authentication_id: "a1".into(), levels: vec![TrustLevel::Trusted] }
        );
        let once = ServerFlow::Done { granted: Some(GrantedAccess::OneTime) };
        assert_eq!(
            read(&seal(&claims(once), &server_key())).expect("reads").0,
            FlowState::Done { granted: Some(GrantedAccess::OneTime) }
        );
    }

    #[test]
    fn a_payload_signed_by_another_key_is_refused_as_forged() {
        let forger = DeviceKey::from_seed(&[66u8; 32]);
        let err = read(&seal(&claims(offer()), &forger)).err().expect("refused");
        assert_eq!(err.code(), "invalid_server_payload");
        assert!(err.to_string().contains("signature"), "{err}");
    }

    #[test]
    fn a_tampered_garbled_expired_or_foreign_payload_is_refused() {
        let sealed = seal(&claims(offer()), &server_key());
        let (_, sig) = sealed.split_once('.').expect("two parts");
        let mut richer = claims(offer());
        richer.flow = ServerFlow::TrustLevels {
            registration_token_id: "tok".into(),
            registration_token_secret: "secret".into(),
            trust_levels: vec![TrustLevel::Primary],
        };
        let forged_body = moderno_crypto::b64url(&serde_json::to_vec(&richer).expect("json"));
        let mut expired = claims(offer());
        expired.expires_at = NOW;
        let mut foreign = claims(offer());
        foreign.device_fingerprint = "0".repeat(32);
        for (case, payload) in [
            ("tampered", format!("{forged_body}.{sig}")),
            ("garbled", "not a payload".to_string()),
            ("empty", String::new()),
            ("expired", seal(&expired, &server_key())),
            ("for another device", seal(&foreign, &server_key())),
        ] {
            let err = read(&payload).err().unwrap_or_else(|| panic!("{case} payload accepted"));
            assert_eq!(err.code(), "invalid_server_payload", "{case}: {err}");
        }
    }

    #[test]
    fn the_device_api_url_is_read_only_when_it_is_http() {
        let sealed = seal(&claims(offer()), &server_key());
        assert_eq!(claimed_device_api_url(&sealed).expect("url").as_str(), "http://127.0.0.1:7001/pingid/v1/device");
        let (_, pending) = read(&sealed).expect("read");
        assert_eq!(pending.map(|o| o.device_api_url.path().to_string()).as_deref(), Some("/pingid/v1/device"));
        for bad in ["file:///etc/passwd", "127.0.0.1:7001/pingid/v1/device", "not a url"] {
            let mut odd = claims(offer());
            odd.device_api_url = bad.into();
            assert_eq!(
                claimed_device_api_url(&seal(&odd, &server_key())).err().map(|e| e.code().as_str()),
                Some("invalid_server_payload"),
                "{bad}"
            );
        }
    }

    #[test]
    fn primary_is_accepted_only_when_offered() {
        let offered = [TrustLevel::Trusted, TrustLevel::Ignore];
        let err = UserSelection::Trust(TrustLevel::Primary).check_offered(&offered).expect_err("not offered");
        assert_eq!(err.code(), "trust_level_not_offered");
        assert!(err.to_string().contains("Primary"), "{err}");
        assert_eq!(
            UserSelection::Trust(TrustLevel::Trusted).check_offered(&offered).ok(),
            Some((TrustLevel::Trusted, None))
        );
        let all = [TrustLevel::Primary, TrustLevel::Trusted, TrustLevel::Ignore];
        assert_eq!(
            UserSelection::Trust(TrustLevel::Primary).check_offered(&all).ok(),
            Some((TrustLevel::Primary, None))
        );
    }

    #[test]
    fn ignore_needs_an_offer_and_a_real_interval() {
        let week = IgnoreInterval { value: 1, unit: IntervalUnit::Weeks };
        let offered = [TrustLevel::Trusted, TrustLevel::Ignore];
        assert_eq!(UserSelection::Ignore(week).check_offered(&offered).ok(), Some((TrustLevel::Ignore, Some(week))));
        let code = |s: UserSelection, o: &[TrustLevel]| s.check_offered(o).err().map(|e| e.code().as_str());
        assert_eq!(code(UserSelection::Ignore(week), &[TrustLevel::Trusted]), Some("trust_level_not_offered"));
        assert_eq!(code(UserSelection::Trust(TrustLevel::Ignore), &offered), Some("invalid_selection"));
        let zero = IgnoreInterval { value: 0, unit: IntervalUnit::Days };
        assert_eq!(code(UserSelection::Ignore(zero), &offered), Some("invalid_selection"));
        let always = IgnoreInterval { value: 0, unit: IntervalUnit::Always };
        assert!(UserSelection::Ignore(always).check_offered(&offered).is_ok());
    }
}
