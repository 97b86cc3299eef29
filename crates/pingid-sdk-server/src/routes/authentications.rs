//! Authentications: start (payload approval, push, offline OTP or device selection), read,
//! cancel, and the offline OTP check.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::Duration;
use moderno_ambient::{Fault, NumberChallenge};
use moderno_crypto::totp;
use moderno_wire::sdk::{
    Authentication, AuthenticationLevel as Level, AuthenticationReason as Reason, AuthenticationRequest,
    AuthenticationStatus as Status, DetailCode, DeviceRole, DeviceSelection, OtpRequest,
};
use rusqlite::Connection;
use serde::Deserialize;

use super::{usable_user, UserPath};
use crate::body::JsonBody;
use crate::error::{ApiError, ApiResult};
use crate::mobile_payload::{self, DevicePayload, NonceUse};
use crate::push_limit;
use crate::scope::Application;
use crate::state::SdkState;
use crate::store::authentications::{self as auths, AuthRow, Requester};
use crate::store::devices::{self, DeviceRow};
use crate::store::{fingerprints, users};
use crate::timestamps::ms;

/// How long an authentication can be read.
const SESSION_MINUTES: i64 = 30;
/// How long a user stays blocked from OTPs after three wrong ones (PingOne's 15 minutes).
const OTP_BLOCK_MINUTES: i64 = 15;

#[derive(Debug, Deserialize)]
pub struct AuthPath {
    username: String,
    auth_id: String,
}

#[tracing::instrument(name = "start_authentication", skip_all, fields(username = %path.username, fingerprint, status))]
pub async fn start(
    State(state): State<SdkState>,
    app: Application,
    Path(path): Path<UserPath>,
    JsonBody(request): JsonBody<AuthenticationRequest>,
) -> ApiResult<(StatusCode, Json<Authentication>)> {
    let now_ms = state.now_ms();
    let opened = mobile_payload::open(request.payload.as_deref(), now_ms);
    let row = AuthRow {
        id: state.entropy.uuid(),
        username: path.username,
        application_id: app.id.clone(),
        requester: None,
        approving_device_id: None,
        status: Status::InProgress,
        reason: None,
        level: Level::None,
        otp_failures: 0,
        otp_any_device: false,
        push_title: request.push_message_title.clone(),
        push_body: request.push_message_body.clone(),
        client_context: request.client_context.clone(),
        ip_address: request.ip_address.clone(),
        created: now_ms,
        push_expires: None,
        session_expires: now_ms + ms(Duration::minutes(SESSION_MINUTES)),
        decided_at: None,
        match_number: None,
        number_choices: Vec::new(),
    };
    let st = state.clone();
    let (auth, push_to) = state
        .db
        .write(move |tx| decide_start(tx, &st, &app, row, request.device_id.as_deref(), opened))
        .await
        .inspect_err(|e| tracing::info!(detail = ?e.detail_code(), "authentication refused"))?;
    if let Some(device_id) = &push_to {
        state.pushes.notify(device_id);
    }
    tracing::Span::current().record("status", tracing::field::debug(auth.status));
    tracing::info!(reason = ?auth.reason, level = ?auth.authentication_level, "authentication started");
    let code = if auth.status == Status::BypassedDevice { StatusCode::OK } else { StatusCode::CREATED };
    Ok((code, Json(auth)))
}

/// Decides how the login proceeds, in one transaction. Returns the answer and the device a push
/// was queued for.
fn decide_start(
    tx: &Connection,
    state: &SdkState,
    app: &Application,
    mut row: AuthRow,
    chosen_device: Option<&str>,
    opened: ApiResult<DevicePayload>,
) -> ApiResult<(Authentication, Option<String>)> {
    let now_ms = row.created;
    let user = usable_user(tx, &row.username)?;
    let payload = opened?;
    let claims = &payload.claims;
    let fp = claims.device_fingerprint.clone();
    let nonce_use = mobile_payload::claim_nonce(tx, &payload, &row.username, &app.id, now_ms)?;
    row.requester = Some(Requester {
        fingerprint: fp.clone(),
        name: claims.device_name.clone(),
        device_type: claims.device_type,
        os_version: claims.os_version.clone(),
    });
    let finish = |tx: &Connection, row: AuthRow, devices: Option<&[DeviceRow]>| -> ApiResult<(Authentication, Option<String>)> {
        auths::insert(tx, &row)?;
        if row.status == Status::Approved {
            auths::record_approval(tx, &row, now_ms)?;
        }
        let push_to = (row.status == Status::InProgress).then(|| row.approving_device_id.clone()).flatten();
        Ok((row.to_wire(devices.map(|d| d.iter().map(DeviceRow::to_wire).collect())), push_to))
    };

    if user.is_bypassed(now_ms) {
        row.decide(Status::BypassedDevice, None, Level::None, now_ms);
        return finish(tx, row, None);
    }
    let user_devices = devices::of_user(tx, &row.username, &app.id)?;
    if user_devices.is_empty() {
        return Err(ApiError::refused(DetailCode::InvalidUserStatus, "the user has no paired device"));
    }
    if fingerprints::is_blocked(tx, &row.username, &app.id, &fp)? {
        row.decide(Status::Rejected, Some(Reason::DeviceBlocked), Level::None, now_ms);
        return finish(tx, row, None);
    }
    if claims.rooted || state.config.faults.is_on(Fault::RootedDevice) {
        row.decide(Status::Rejected, Some(Reason::DeviceRooted), Level::None, now_ms);
        return finish(tx, row, None);
    }
    if let Some(paired) = user_devices.iter().find(|d| d.fingerprint == fp) {
        if nonce_use == NonceUse::Again {
            return Err(ApiError::invalid_payload("the mobile payload was already used"));
        }
        row.approving_device_id = Some(paired.id.clone());
        row.decide(Status::Approved, None, Level::MobilePayload, now_ms);
        return finish(tx, row, None);
    }
    if fingerprints::ignored_now(tx, &row.username, &app.id, &fp, now_ms)?.is_some() {
        row.decide(Status::IgnoredDevice, None, Level::None, now_ms);
        return finish(tx, row, None);
    }
    let Some(approver) = choose_approver(&user_devices, chosen_device, app.settings.device_selection)? else {
        row.status = Status::SelectDevice;
        row.otp_any_device = true;
        return finish(tx, row, Some(&user_devices));
    };
    row.approving_device_id = Some(approver.id.clone());
    let faults = &state.config.faults;
    let online = approver.is_online(now_ms, ms(state.config.online_window)) && !faults.is_on(Fault::ApproverOffline);
    if online {
        push_limit::check(tx, &state.config, &row.username, &app.id, now_ms)?;
        row.status = Status::InProgress;
        let lifetime = if faults.is_on(Fault::PushTimesOut) { 0 } else { ms(state.config.push_timeout) };
        row.push_expires = Some(now_ms + lifetime);
        if app.settings.number_matching && !faults.is_on(Fault::NoNumberMatching) {
            let challenge = NumberChallenge::draw(&state.entropy);
            row.match_number = Some(challenge.number);
            row.number_choices = challenge.choices.to_vec();
        }
        if faults.is_on(Fault::PushDenied) {
            row.decide(Status::Rejected, Some(Reason::DeniedByUser), Level::None, now_ms);
        }
    } else {
        row.status = Status::Otp;
    }
    finish(tx, row, None)
}

/// The device that approves, or `None` when the customer server must choose (SELECT_DEVICE).
fn choose_approver<'a>(
    user_devices: &'a [DeviceRow],
    chosen: Option<&str>,
    selection: DeviceSelection,
) -> ApiResult<Option<&'a DeviceRow>> {
    if let Some(id) = chosen {
        return user_devices
            .iter()
            .find(|d| d.id == id)
            .map(Some)
            .ok_or_else(|| ApiError::invalid_value("deviceId", "deviceId is not one of the user's devices"));
    }
    let primary = user_devices.iter().find(|d| d.role == DeviceRole::Primary);
    Ok(match (selection, primary, user_devices) {
        (DeviceSelection::DefaultToPrimary, Some(primary), _) => Some(primary),
        (_, _, [only]) => Some(only),
        _ => None,
    })
}

/// The user's authentication, settled (a push past its lifetime becomes TIMEOUT, persisted);
/// 404 when unknown, someone else's, or older than its 30-minute session.
fn load(tx: &Connection, app: &str, username: &str, id: &str, now_ms: i64) -> ApiResult<AuthRow> {
    let mut row = auths::get(tx, id)?
        .filter(|a| a.username == username && a.application_id == app && now_ms < a.session_expires)
        .ok_or_else(|| ApiError::not_found("authentication"))?;
    if row.settle(now_ms) {
        auths::update(tx, &row)?;
    }
    Ok(row)
}

/// The answer for a row: SELECT_DEVICE lists the devices to choose from.
fn view(tx: &Connection, row: &AuthRow) -> ApiResult<Authentication> {
    let devices = if row.status == Status::SelectDevice {
        Some(devices::of_user(tx, &row.username, &row.application_id)?.iter().map(DeviceRow::to_wire).collect())
    } else {
        None
    };
    Ok(row.to_wire(devices))
}

#[tracing::instrument(name = "get_authentication", skip_all, fields(username = %path.username, authentication = %path.auth_id))]
pub async fn get(State(state): State<SdkState>, app: Application, Path(path): Path<AuthPath>) -> ApiResult<Json<Authentication>> {
    let now_ms = state.now_ms();
    let auth = state
        .db
        .write(move |tx| view(tx, &load(tx, &app.id, &path.username, &path.auth_id, now_ms)?))
        .await?;
    Ok(Json(auth))
}

#[tracing::instrument(name = "cancel_authentication", skip_all, fields(username = %path.username, authentication = %path.auth_id))]
pub async fn cancel(State(state): State<SdkState>, app: Application, Path(path): Path<AuthPath>) -> ApiResult<Json<Authentication>> {
    let now_ms = state.now_ms();
    let auth = state
        .db
        .write(move |tx| {
            let mut row = load(tx, &app.id, &path.username, &path.auth_id, now_ms)?;
            if !matches!(row.status, Status::InProgress | Status::Otp | Status::SelectDevice | Status::InvalidOtp) {
                return Err(ApiError::refused(DetailCode::InvalidState, "the authentication is already over"));
            }
            row.decide(Status::Canceled, Some(Reason::CanceledByUser), Level::None, now_ms);
            auths::update(tx, &row)?;
            view(tx, &row)
        })
        .await?;
    tracing::info!("authentication canceled");
    Ok(Json(auth))
}

#[tracing::instrument(name = "check_otp", skip_all, fields(username = %path.username, authentication = %path.auth_id, status))]
pub async fn check_otp(
    State(state): State<SdkState>,
    app: Application,
    Path(path): Path<AuthPath>,
    JsonBody(request): JsonBody<OtpRequest>,
) -> ApiResult<Json<Authentication>> {
    let now_ms = state.now_ms();
    let opened = request.payload.as_deref().map(|p| mobile_payload::open(Some(p), now_ms));
    let otp = request.otp.trim().to_string();
    if otp.len() != 6 || !otp.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::invalid_value("otp", "the one-time passcode is 6 digits"));
    }
    let st = state.clone();
    let auth = state
        .db
        .write(move |tx| {
            let row = load(tx, &app.id, &path.username, &path.auth_id, now_ms)?;
            let row = verify_otp(tx, &st, &app, row, &otp, opened)?;
            view(tx, &row)
        })
        .await?;
    tracing::Span::current().record("status", tracing::field::debug(auth.status));
    tracing::info!(attempts_left = ?auth.otp_attempts_left, "offline OTP checked");
    Ok(Json(auth))
}

fn verify_otp(
    tx: &Connection,
    state: &SdkState,
    app: &Application,
    mut row: AuthRow,
    otp: &str,
    opened: Option<ApiResult<DevicePayload>>,
) -> ApiResult<AuthRow> {
    let now_ms = state.now_ms();
    if row.status == Status::OtpIsBlocked {
        return Ok(row);
    }
    if !matches!(row.status, Status::Otp | Status::Timeout | Status::SelectDevice | Status::InvalidOtp) {
        return Err(ApiError::refused(DetailCode::InvalidState, "the authentication is not waiting for a one-time passcode"));
    }
    if now_ms >= row.created + ms(Duration::minutes(i64::from(app.settings.otp_lifetime_minutes))) {
        return Err(ApiError::refused(DetailCode::InvalidState, "the time to enter a one-time passcode is over"));
    }
    if let Some(opened) = opened {
        let payload = opened?;
        if Some(payload.claims.device_fingerprint.as_str()) != row.requesting_fingerprint() {
            return Err(ApiError::invalid_payload("the mobile payload is not the one of the device logging in"));
        }
        mobile_payload::claim_nonce(tx, &payload, &row.username, &app.id, now_ms)?;
    }
    let user = usable_user(tx, &row.username)?;
    if user.otp_blocked_until.is_some_and(|until| until > now_ms) {
        row.decide(Status::OtpIsBlocked, None, Level::None, now_ms);
        auths::update(tx, &row)?;
        return Ok(row);
    }
    let candidates: Vec<DeviceRow> = devices::of_user(tx, &row.username, &app.id)?
        .into_iter()
        .filter(|d| row.otp_any_device || row.approving_device_id.as_deref() == Some(d.id.as_str()))
        .collect();
    let now_unix = now_ms.div_euclid(1000);
    let wrong_anyway = state.config.faults.is_on(Fault::WrongPasscodes);
    let matched = candidates.iter().filter(|_| !wrong_anyway).find_map(|d| {
        totp::verify(&state.secrets.totp_secret(&d.id), otp, now_unix, d.last_totp_step).map(|step| (d, step))
    });
    if let Some((device, step)) = matched {
        devices::set_last_totp_step(tx, &device.id, step)?;
        row.approving_device_id = Some(device.id.clone());
        row.decide(Status::Approved, None, Level::Otp, now_ms);
        auths::record_approval(tx, &row, now_ms)?;
    } else {
        row.otp_failures += 1;
        if row.otp_attempts_left() == 0 {
            users::set_otp_blocked_until(tx, &row.username, now_ms + ms(Duration::minutes(OTP_BLOCK_MINUTES)))?;
            row.decide(Status::OtpIsBlocked, None, Level::None, now_ms);
        } else {
            row.status = Status::InvalidOtp;
        }
    }
    auths::update(tx, &row)?;
    Ok(row)
}
