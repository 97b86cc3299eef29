//! What an approval grants the device that asked to sign in, and the server payload that tells
//! its SDK component — Ping's network of trusted devices ([D-NET]): the approving device (or the
//! offline passcode, with the choice the app folded into its payload) decides whether the new
//! device is trusted from now on, let in once, or ignored for a while.
//!
//! Ping's SDK flow states ([APP] `PingID.h` `PIDFlowState`) come out of here for authentications:
//! `OneTimePasscode` while the approving device is offline, `DeviceIsTrusted` once it was trusted
//! (the SDK component completes the pairing behind the scenes), `Done` once it was let in without
//! pairing. Ping's registration tokens stay for users without an active device ([D-RT]); the
//! token a trusted device grants is the server's own, inside the payload.

use chrono::Duration;
use moderno_crypto::payload;
use moderno_sql::Conn;
use moderno_wire::device_api::IgnoreInterval;
use moderno_wire::payload::{GrantedAccess, ServerFlow, ServerPayloadClaims, TrustLevel, PAYLOAD_VERSION};
use moderno_wire::sdk::{
    ApplicationSettings, AuthenticationLevel, AuthenticationStatus as Status, DeviceRole, RegistrationTokenStatus,
};

use crate::device_api::ignore_until;
use crate::error::{ApiError, ApiResult};
use crate::routes::check_device_limit;
use crate::state::SdkState;
use crate::store::authentications::{AuthRow, Grant};
use crate::store::devices;
use crate::store::fingerprints::{self, Ignored};
use crate::store::registration_tokens::{self as tokens, TokenRow};
use crate::timestamps::{ms, rfc3339};

/// What an app waiting for a passcode may fold into its payload (Ping's sample folds TRUSTED).
pub(crate) const GRANTABLE: [TrustLevel; 2] = [TrustLevel::Trusted, TrustLevel::Ignore];

/// What the approving device may decide about a new device besides the sign-in: PRIMARY too
/// while the user has no primary device (Ping's guide, "Pair additional devices"; Ping's iOS
/// sample offers it then).
pub(crate) fn grantable(user_has_primary: bool) -> Vec<TrustLevel> {
    let primary = (!user_has_primary).then_some(TrustLevel::Primary);
    primary.into_iter().chain(GRANTABLE).collect()
}

/// The approver's (or the payload's) decision about the new device: a trust level with its
/// ignore interval, or `None` for this sign-in only.
pub(crate) type Choice = Option<(TrustLevel, Option<IgnoreInterval>)>;

/// Records on an APPROVED row what the approval grants the requesting device. A sign-in without
/// a requesting device (a web sign-in) grants nothing and may not ask for a trust level.
pub(crate) fn grant(
    tx: &Conn<'_>,
    state: &SdkState,
    settings: &ApplicationSettings,
    row: &mut AuthRow,
    choice: Choice,
    now_ms: i64,
) -> ApiResult<()> {
    let Some(requester) = row.requester.clone() else {
        if choice.is_some() {
            return Err(ApiError::invalid_value(
                "trustLevel",
                "this sign-in comes from no device: there is no device to trust or ignore",
            ));
        }
        return Ok(());
    };
    match choice {
        None => row.grant = Some(Grant::OneTime),
        Some((TrustLevel::Primary, _))
            if devices::of_user(tx, &row.username, &row.application_id)?
                .iter()
                .any(|d| d.role == DeviceRole::Primary) =>
        {
            return Err(ApiError::invalid_value(
                "trustLevel",
                "the user has a primary device: a new device may be TRUSTED, not PRIMARY",
            ));
        }
        Some((TrustLevel::Ignore, interval)) => {
            let ignored = ignore_until(state.now(), interval)?;
            fingerprints::ignore(tx, &row.username, &row.application_id, &requester.fingerprint, ignored)?;
            row.grant = Some(Grant::Ignored);
            row.ignored_until = match ignored {
                Ignored::Until(t) => Some(t),
                Ignored::Forever => None,
            };
        }
        Some((level @ (TrustLevel::Trusted | TrustLevel::Primary), _)) => {
            let public_key = requester.public_key.clone().ok_or_else(|| {
                ApiError::invalid_value("trustLevel", "the device's key is unknown: it must sign in again")
            })?;
            let user_devices = devices::of_user(tx, &row.username, &row.application_id)?;
            check_device_limit(settings, user_devices.len())?;
            let token_id = state.entropy.uuid();
            tokens::insert(
                tx,
                &TokenRow {
                    id: token_id.clone(),
                    secret_hash: state.secrets.pepper.hash(&state.secrets.granted_token_secret(&token_id)),
                    username: row.username.clone(),
                    application_id: row.application_id.clone(),
                    fingerprint: requester.fingerprint.clone(),
                    public_key,
                    device_type: requester.device_type,
                    device_name: requester.name.clone(),
                    os_version: requester.os_version.clone(),
                    trust_levels: vec![level],
                    status: RegistrationTokenStatus::NotClaimed,
                    created: now_ms,
                    expires: now_ms + ms(state.config.registration_token_lifetime),
                },
            )?;
            row.grant = Some(if level == TrustLevel::Primary { Grant::Primary } else { Grant::Trusted });
            row.pairing_token_id = Some(token_id);
        }
    }
    Ok(())
}

/// The server payload the authentication carries for the requesting device's SDK component, if
/// it has one to carry: Ping's sample forwards it as `pingIdPayload` whenever it exists.
pub(crate) fn server_payload(state: &SdkState, row: &AuthRow) -> Option<String> {
    let requester = row.requester.as_ref()?;
    let decided = row.decided_at.unwrap_or(row.created);
    let (flow, expires_ms) = match (row.status, row.level, row.grant) {
        (Status::Otp | Status::InvalidOtp | Status::Timeout, _, _) => (
            ServerFlow::OneTimePasscode { authentication_id: row.id.clone(), trust_levels: GRANTABLE.to_vec() },
            row.session_expires,
        ),
        (
            Status::Approved,
            AuthenticationLevel::Push | AuthenticationLevel::Otp,
            Some(grant @ (Grant::Trusted | Grant::Primary)),
        ) => {
            let token_id = row.pairing_token_id.clone()?;
            let secret = state.secrets.granted_token_secret(&token_id);
            let trust_level = if grant == Grant::Primary { TrustLevel::Primary } else { TrustLevel::Trusted };
            (
                ServerFlow::DeviceIsTrusted {
                    registration_token_id: token_id,
                    registration_token_secret: secret.to_string(),
                    trust_level,
                },
                decided + ms(state.config.registration_token_lifetime),
            )
        }
        (Status::Approved, AuthenticationLevel::Push | AuthenticationLevel::Otp, Some(grant)) => {
            let granted = match grant {
                Grant::Ignored => GrantedAccess::Ignored { until: row.ignored_until.map(rfc3339) },
                Grant::OneTime | Grant::Trusted | Grant::Primary => GrantedAccess::OneTime,
            };
            (ServerFlow::Done { granted: Some(granted) }, decided + ms(Duration::minutes(10)))
        }
        _ => return None,
    };
    let claims = ServerPayloadClaims {
        v: PAYLOAD_VERSION,
        account_id: state.config.account_id.clone(),
        application_id: row.application_id.clone(),
        username: row.username.clone(),
        device_fingerprint: requester.fingerprint.clone(),
        device_api_url: state.config.device_api_url(),
        flow,
        expires_at: expires_ms.div_euclid(1000),
    };
    Some(payload::seal(&claims, &state.secrets.payload_key))
}
