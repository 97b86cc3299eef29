//! `POST /pairings`: the device completes pairing with the trust level the user chose, signed by
//! the key its registration token is bound to. One transaction; a token completes once; the
//! user's other devices are told of a new device.

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Duration, Utc};
use moderno_crypto::device_key::DevicePublicKey;
use moderno_sql::Conn;
use moderno_wire::device_api::{CompletePairing, IgnoreInterval, IntervalUnit, PairingCompleted, PairingOutcome};
use moderno_wire::payload::TrustLevel;
use moderno_wire::sdk::{DetailCode, DeviceRole, RegistrationTokenStatus};

use super::DeviceCall;
use crate::device_notices;
use crate::error::{ApiError, ApiResult};
use crate::routes::check_device_limit;
use crate::routes::check_nickname;
use crate::state::SdkState;
use crate::store::devices::{self, DeviceRow};
use crate::store::fingerprints::{self, Ignored};
use crate::store::registration_tokens::{self as tokens, TokenRow};
use crate::store::{settings, users};
use crate::timestamps::rfc3339;

fn invalid_token() -> ApiError {
    ApiError::invalid_value(
        "registrationToken",
        "the registration token is not valid (unknown, used, expired or issued to another device)",
    )
}

#[tracing::instrument(name = "complete_pairing", skip_all, fields(fingerprint = %call.fingerprint(), username, outcome))]
pub async fn complete(State(state): State<SdkState>, call: DeviceCall) -> ApiResult<Json<PairingCompleted>> {
    let request: CompletePairing = call.json()?;
    let token_id = request.registration_token_id.clone();
    let token = state
        .db
        .read(move |conn| Ok(tokens::get(conn, &token_id)?))
        .await?
        .filter(|t| t.fingerprint == call.fingerprint())
        .ok_or_else(invalid_token)?;
    tracing::Span::current().record("username", tracing::field::debug(&token.username));
    let key = DevicePublicKey::from_b64(&token.public_key)
        .ok_or_else(|| ApiError::internal("a stored registration key does not decode"))?;
    call.verify(&state, &key).await?;
    if state.config.faults.is_on(moderno_ambient::Fault::PairingFails) {
        tracing::info!("pairing refused: the pairing-fails switch is on");
        return Err(invalid_token());
    }
    if let Some(nickname) = &request.device_nickname {
        check_nickname(nickname)?;
    }
    let now = state.now();
    let ignore_until = match request.trust_level {
        TrustLevel::Ignore => Some(ignore_until(now, request.ignore_interval)?),
        TrustLevel::Primary | TrustLevel::Trusted => None,
    };
    let device_id = state.entropy.uuid();
    let st = state.clone();
    let answer = state
        .db
        .write(move |tx| settle_token(tx, &st, &request, device_id, ignore_until, now.timestamp_millis()))
        .await
        .inspect_err(|e| tracing::info!(detail = ?e.detail_code(), "pairing refused"))?;
    if answer.device_id.is_some() {
        device_notices::wake(&state, &token.application_id, &token.username);
    }
    tracing::Span::current().record("outcome", tracing::field::debug(answer.outcome));
    tracing::info!(device = ?answer.device_id, role = ?answer.device_role, "pairing completed");
    Ok(Json(answer))
}

/// When an IGNORE choice ends: months are 30 days, years 365; ALWAYS never.
pub(crate) fn ignore_until(now: DateTime<Utc>, interval: Option<IgnoreInterval>) -> ApiResult<Ignored> {
    let interval =
        interval.ok_or_else(|| ApiError::invalid_value("ignoreInterval", "IGNORE needs an ignoreInterval"))?;
    let value = i64::from(interval.value);
    let length = match interval.unit {
        IntervalUnit::Always => return Ok(Ignored::Forever),
        _ if value == 0 => None,
        IntervalUnit::Minutes => Duration::try_minutes(value),
        IntervalUnit::Hours => Duration::try_hours(value),
        IntervalUnit::Days => Duration::try_days(value),
        IntervalUnit::Weeks => Duration::try_weeks(value),
        IntervalUnit::Months => value.checked_mul(30).and_then(Duration::try_days),
        IntervalUnit::Years => value.checked_mul(365).and_then(Duration::try_days),
    };
    length
        .and_then(|l| now.checked_add_signed(l))
        .map(|until| Ignored::Until(until.timestamp_millis()))
        .ok_or_else(|| ApiError::invalid_value("ignoreInterval", "the ignore interval is zero or too long"))
}

fn settle_token(
    tx: &Conn<'_>,
    state: &SdkState,
    request: &CompletePairing,
    device_id: String,
    ignore_until: Option<Ignored>,
    now_ms: i64,
) -> ApiResult<PairingCompleted> {
    let token = tokens::get(tx, &request.registration_token_id)?.ok_or_else(invalid_token)?;
    let secret_matches = state.secrets.pepper.hash(&request.registration_token_secret) == token.secret_hash;
    if token.status_at(now_ms) != RegistrationTokenStatus::NotClaimed || !secret_matches {
        return Err(invalid_token());
    }
    if !token.trust_levels.contains(&request.trust_level) {
        return Err(ApiError::invalid_value("trustLevel", "this trust level was not offered"));
    }
    let user = users::get(tx, &token.username)?.ok_or_else(|| ApiError::not_found("user"))?;
    if user.is_suspended() {
        return Err(ApiError::refused(DetailCode::UserDisabled, "the user is suspended"));
    }
    if let Some(ignored) = ignore_until {
        fingerprints::ignore(tx, &token.username, &token.application_id, &token.fingerprint, ignored)?;
        tokens::set_status(tx, &token.id, RegistrationTokenStatus::Invalidated)?;
        return Ok(PairingCompleted {
            outcome: PairingOutcome::Ignored,
            device_id: None,
            device_role: None,
            otp_secret: None,
            ignored_until: match ignored {
                Ignored::Until(t) => Some(rfc3339(t)),
                Ignored::Forever => None,
            },
        });
    }
    let role = if request.trust_level == TrustLevel::Primary { DeviceRole::Primary } else { DeviceRole::Trusted };
    let device = pair(tx, &token, request, device_id, role, now_ms)?;
    device_notices::added(tx, &state.entropy, &device, now_ms)?;
    let re_paired = fingerprints::record_pairing(tx, &token.username, &token.application_id, &token.fingerprint)?;
    tokens::set_status(tx, &token.id, RegistrationTokenStatus::Active)?;
    Ok(PairingCompleted {
        outcome: if re_paired { PairingOutcome::RePairSuccess } else { PairingOutcome::Success },
        device_id: Some(device.id.clone()),
        device_role: Some(role),
        otp_secret: Some(state.secrets.totp_secret_base32(&device.id)),
        ignored_until: None,
    })
}

/// Inserts the device row, after the checks that may have changed since the token was issued.
fn pair(
    tx: &Conn<'_>,
    token: &TokenRow,
    request: &CompletePairing,
    device_id: String,
    role: DeviceRole,
    now_ms: i64,
) -> ApiResult<DeviceRow> {
    let user_devices = devices::of_user(tx, &token.username, &token.application_id)?;
    if role == DeviceRole::Primary && user_devices.iter().any(|d| d.role == DeviceRole::Primary) {
        return Err(ApiError::already_exists("deviceRole", "the user already has a primary device"));
    }
    let app_settings = settings::get(tx, &token.application_id)?.unwrap_or_else(settings::defaults);
    check_device_limit(&app_settings, user_devices.len())?;
    if devices::by_fingerprint(tx, &token.fingerprint)?.is_some() {
        return Err(ApiError::already_exists("payload", "the device is already paired"));
    }
    let device = DeviceRow {
        id: device_id,
        username: token.username.clone(),
        application_id: token.application_id.clone(),
        fingerprint: token.fingerprint.clone(),
        public_key: token.public_key.clone(),
        device_type: token.device_type,
        name: token.device_name.clone(),
        nickname: request.device_nickname.clone().unwrap_or_default(),
        role,
        enrolled: now_ms,
        os_version: token.os_version.clone(),
        rooted: false,
        last_totp_step: None,
        last_seen: None,
        last_used: None,
    };
    devices::insert(tx, &device)?;
    fingerprints::forget_ignore(tx, &token.username, &token.application_id, &token.fingerprint)?;
    Ok(device)
}
