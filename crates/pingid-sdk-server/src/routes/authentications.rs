//! Authentications ([D-AUTH], [S-HELP]): start (payload approval, push, offline OTP or device
//! selection), read, cancel, and the offline OTP check. The mobile payload is optional: without
//! one (a web sign-in) the user's trusted device is asked. What an approval grants a new device,
//! and the server payload the authentication carries for it, come from `new_device`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Duration;
use moderno_ambient::{Fault, NumberChallenge};
use moderno_crypto::totp;
use moderno_sql::Conn;
use moderno_wire::sdk::{
    Authentication, AuthenticationLevel as Level, AuthenticationReason as Reason, AuthenticationRequest,
    AuthenticationStatus as Status, DetailCode, DeviceRole, DeviceSelection, OtpRequest,
};
use serde::Deserialize;

use super::{usable_user, UserPath};
use crate::body::JsonBody;
use crate::error::{ApiError, ApiResult};
use crate::mobile_payload::{self, DevicePayload, NonceUse};
use crate::new_device::{self, Choice};
use crate::push_limit;
use crate::scope::Application;
use crate::state::SdkState;
use crate::store::authentications::{self as auths, AuthRow, Requester};
use crate::store::devices::{self, DeviceRow};
use crate::store::{fingerprints, users};
use crate::timestamps::ms;
use crate::wake;

/// How long an authentication can be read: 30 minutes ([D-SET] "Authentication session lifetime").
pub(crate) const SESSION: Duration = Duration::minutes(30);

#[derive(Debug, Deserialize)]
pub struct AuthPath {
    username: String,
    auth_id: String,
}

#[tracing::instrument(name = "start_authentication", skip_all, fields(username = ?path.username, fingerprint, status))]
pub async fn start(
    State(state): State<SdkState>,
    app: Application,
    Path(path): Path<UserPath>,
    JsonBody(request): JsonBody<AuthenticationRequest>,
) -> ApiResult<(StatusCode, Json<Authentication>)> {
    let now_ms = state.now_ms();
    // Ping's payload is optional [D-AUTH]: without one, the sign-in comes from no device of the
    // user's (a web page) and a trusted device is asked.
    let opened =
        request.payload.as_deref().filter(|p| !p.trim().is_empty()).map(|p| mobile_payload::open(Some(p), now_ms));
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
        push_title: request.context.push_message_title.clone(),
        push_body: request.context.push_message_body.clone(),
        client_context: request.context.client_context.clone(),
        ip_address: request.context.ip_address.clone(),
        user_agent: request.context.user_agent.clone(),
        created: now_ms,
        push_expires: None,
        session_expires: now_ms + ms(SESSION),
        decided_at: None,
        match_number: None,
        number_choices: Vec::new(),
        grant: None,
        pairing_token_id: None,
        ignored_until: None,
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
    tracing::info!(reason = ?auth.reason, level = ?auth.level, "authentication started");
    // 201 for every start, a bypassed user's too: Ping's client accepts only 201 from a POST
    // ([S-API] `post()`).
    Ok((StatusCode::CREATED, Json(auth)))
}

/// Decides how the login proceeds, in one transaction. Returns the answer and the device a push
/// was queued for.
fn decide_start(
    tx: &Conn<'_>,
    state: &SdkState,
    app: &Application,
    mut row: AuthRow,
    chosen_device: Option<&str>,
    opened: Option<ApiResult<DevicePayload>>,
) -> ApiResult<(Authentication, Option<String>)> {
    let now_ms = row.created;
    let user = usable_user(tx, &row.username)?;
    let payload = opened.transpose()?;
    let nonce_use = match &payload {
        Some(payload) => Some(mobile_payload::claim_nonce(tx, payload, &row.username, &app.id, now_ms)?),
        None => None,
    };
    row.requester = payload.as_ref().map(|p| Requester {
        fingerprint: p.claims.device_fingerprint.clone(),
        public_key: Some(p.public_key.to_b64()),
        name: p.claims.device_name.clone(),
        device_type: p.claims.device_type,
        os_version: p.claims.os_version.clone(),
    });
    let finish =
        |tx: &Conn<'_>, row: AuthRow, devices: Option<&[DeviceRow]>| -> ApiResult<(Authentication, Option<String>)> {
            auths::insert(tx, &row)?;
            if row.status == Status::Approved {
                auths::record_approval(tx, &row, now_ms)?;
            }
            let push_to = (row.status == Status::InProgress).then(|| row.approving_device_id.clone()).flatten();
            if let Some(device_id) = &push_to {
                tx.notify(wake::PUSHES, device_id)?;
            }
            let mut auth = view(tx, state, app, &row)?;
            if let Some(devices) = devices {
                auth.devices = Some(devices.iter().map(DeviceRow::to_wire).collect());
            }
            Ok((auth, push_to))
        };

    if user.is_bypassed(now_ms) {
        row.decide(Status::BypassedDevice, None, Level::None, now_ms);
        return finish(tx, row, None);
    }
    let user_devices = devices::of_user(tx, &row.username, &app.id)?;
    if user_devices.is_empty() {
        return Err(ApiError::refused(DetailCode::InvalidUserStatus, "the user has no paired device"));
    }
    if let Some(payload) = &payload {
        let fp = payload.claims.device_fingerprint.as_str();
        if fingerprints::is_blocked(tx, &row.username, &app.id, fp)? {
            row.decide(Status::Rejected, Some(Reason::DeviceBlocked), Level::None, now_ms);
            return finish(tx, row, None);
        }
        if payload.claims.rooted || state.config.faults.is_on(Fault::RootedDevice) {
            row.decide(Status::Rejected, Some(Reason::DeviceRooted), Level::None, now_ms);
            return finish(tx, row, None);
        }
        if let Some(paired) = user_devices.iter().find(|d| d.fingerprint == fp) {
            if nonce_use == Some(NonceUse::Again) {
                return Err(ApiError::invalid_payload("the mobile payload was already used"));
            }
            row.approving_device_id = Some(paired.id.clone());
            row.decide(Status::Approved, None, Level::MobilePayload, now_ms);
            return finish(tx, row, None);
        }
        if fingerprints::ignored_now(tx, &row.username, &app.id, fp, now_ms)?.is_some() {
            row.decide(Status::IgnoredDevice, None, Level::None, now_ms);
            return finish(tx, row, None);
        }
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
fn load(tx: &Conn<'_>, app: &str, username: &str, id: &str, now_ms: i64) -> ApiResult<AuthRow> {
    let mut row = auths::get(tx, id)?
        .filter(|a| a.username == username && a.application_id == app && now_ms < a.session_expires)
        .ok_or_else(|| ApiError::not_found("authentication"))?;
    if row.settle(now_ms) {
        auths::update(tx, &row)?;
    }
    Ok(row)
}

/// Ping's resource for a row: the approving device whole, the server payload for the accessing
/// device (when there is one), and with SELECT_DEVICE the devices to choose from.
pub(crate) fn view(tx: &Conn<'_>, state: &SdkState, app: &Application, row: &AuthRow) -> ApiResult<Authentication> {
    let mut auth = row.to_wire(u32::from(app.settings.otp_max_failures));
    let user_devices = devices::of_user(tx, &row.username, &row.application_id)?;
    auth.device = row
        .approving_device_id
        .as_deref()
        .and_then(|id| user_devices.iter().find(|d| d.id == id))
        .map(DeviceRow::to_wire);
    if row.status == Status::SelectDevice {
        auth.devices = Some(user_devices.iter().map(DeviceRow::to_wire).collect());
    }
    auth.payload = new_device::server_payload(state, row);
    Ok(auth)
}

#[tracing::instrument(name = "get_authentication", skip_all, fields(username = ?path.username, authentication = %path.auth_id))]
pub async fn get(
    State(state): State<SdkState>,
    app: Application,
    Path(path): Path<AuthPath>,
) -> ApiResult<Json<Authentication>> {
    let now_ms = state.now_ms();
    let st = state.clone();
    let auth = state
        .db
        .write(move |tx| view(tx, &st, &app, &load(tx, &app.id, &path.username, &path.auth_id, now_ms)?))
        .await?;
    Ok(Json(auth))
}

/// `DELETE`: withdraws a waiting authentication; 204 as Ping's client expects ([S-API]
/// `delete()` demands SC_NO_CONTENT; [S-MOD] `RetryHandler` deletes the live one before a retry).
#[tracing::instrument(name = "cancel_authentication", skip_all, fields(username = ?path.username, authentication = %path.auth_id))]
pub async fn cancel(
    State(state): State<SdkState>,
    app: Application,
    Path(path): Path<AuthPath>,
) -> ApiResult<Response> {
    let now_ms = state.now_ms();
    state
        .db
        .write(move |tx| {
            let mut row = load(tx, &app.id, &path.username, &path.auth_id, now_ms)?;
            if !matches!(row.status, Status::InProgress | Status::Otp | Status::SelectDevice | Status::InvalidOtp) {
                return Err(ApiError::not_in_state("status", "the authentication is already over"));
            }
            row.decide(Status::Canceled, Some(Reason::CanceledByUser), Level::None, now_ms);
            auths::update(tx, &row)?;
            Ok(())
        })
        .await?;
    tracing::info!("authentication canceled");
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[tracing::instrument(name = "check_otp", skip_all, fields(username = ?path.username, authentication = %path.auth_id, status))]
pub async fn check_otp(
    State(state): State<SdkState>,
    app: Application,
    Path(path): Path<AuthPath>,
    JsonBody(request): JsonBody<OtpRequest>,
) -> ApiResult<Json<Authentication>> {
    let now_ms = state.now_ms();
    let opened =
        request.payload.as_deref().filter(|p| !p.trim().is_empty()).map(|p| mobile_payload::open(Some(p), now_ms));
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
            view(tx, &st, &app, &row)
        })
        .await?;
    tracing::Span::current().record("status", tracing::field::debug(auth.status));
    tracing::info!(attempts_left = ?auth.otp_attempts_left, "offline OTP checked");
    Ok(Json(auth))
}

/// Checks an offline passcode. Wrong ones count against the application's limit; past it the
/// user is LOCKED for the application's lock time ([D-AUTH] LOCKED, [RN-2019] configurable per
/// application), and every passcode meanwhile answers LOCKED. A right one approves, granting
/// the requesting device what its payload's selection asks (Ping's sample folds TRUSTED in).
fn verify_otp(
    tx: &Conn<'_>,
    state: &SdkState,
    app: &Application,
    mut row: AuthRow,
    otp: &str,
    opened: Option<ApiResult<DevicePayload>>,
) -> ApiResult<AuthRow> {
    let now_ms = state.now_ms();
    if matches!(row.status, Status::Locked | Status::OtpIsBlocked) {
        return Ok(row);
    }
    if !matches!(row.status, Status::Otp | Status::Timeout | Status::SelectDevice | Status::InvalidOtp) {
        return Err(ApiError::not_in_state("status", "the authentication is not waiting for a one-time passcode"));
    }
    if now_ms >= row.created + ms(Duration::minutes(i64::from(app.settings.otp_lifetime_minutes))) {
        return Err(ApiError::not_in_state("status", "the time to enter a one-time passcode is over"));
    }
    let mut choice: Choice = None;
    if let Some(opened) = opened {
        let payload = opened?;
        if Some(payload.claims.device_fingerprint.as_str()) != row.requesting_fingerprint() {
            return Err(ApiError::invalid_payload("the mobile payload is not the one of the device logging in"));
        }
        mobile_payload::claim_nonce(tx, &payload, &row.username, &app.id, now_ms)?;
        choice = payload.claims.user_selection.map(|s| (s.trust_level, s.ignore_interval));
    }
    let user = usable_user(tx, &row.username)?;
    if user.otp_blocked_until.is_some_and(|until| until > now_ms) {
        row.decide(Status::Locked, None, Level::None, now_ms);
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
        new_device::grant(tx, state, &app.settings, &mut row, choice, now_ms)?;
        auths::record_approval(tx, &row, now_ms)?;
    } else {
        row.otp_failures += 1;
        if row.otp_attempts_left(u32::from(app.settings.otp_max_failures)) == 0 {
            let lock = Duration::minutes(i64::from(app.settings.otp_lock_minutes));
            users::set_otp_blocked_until(tx, &row.username, now_ms + ms(lock))?;
            row.decide(Status::Locked, None, Level::None, now_ms);
        } else {
            row.status = Status::InvalidOtp;
        }
    }
    auths::update(tx, &row)?;
    Ok(row)
}
