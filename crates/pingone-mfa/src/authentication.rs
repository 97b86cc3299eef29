//! Device authentications: the second factor PingFederate asks for. A mobile payload from a
//! device already paired with the user completes at once; otherwise the user's one usable device
//! (or the one selected) gets a push (MOBILE) or a passcode (SMS, EMAIL: sent to the outbox;
//! TOTP: from the authenticator). Three wrong passcodes block the user's passcodes for 15 minutes.

use axum::extract::{Path, State as Shared};
use axum::http::StatusCode;
use axum::Json;
use moderno_ambient::{Fault, NumberChallenge};
use moderno_wire::pingone::{
    AuthenticationMethod, CheckMfaOtp, DeviceAuthentication, DeviceAuthenticationStatus as Status, MfaDeviceType,
    SelectMfaDevice, StartDeviceAuthentication,
};
use rusqlite::{params, OptionalExtension, Transaction};

use crate::authentication_record::{complete, read_auth, set_status, status_name, AuthRow};
use crate::device_identity::check_mobile_payload;
use crate::otp_check::{check_code, send_code};
use crate::requests::{check_environment, JsonBody};
use crate::store::{device_list, find_device, require_user, rfc3339, user_devices, DeviceRow};
use crate::{ApiError, State};

/// The answer for an authentication, with the user's devices as they are now.
pub fn describe(tx: &Transaction<'_>, state: &State, row: &AuthRow) -> Result<DeviceAuthentication, ApiError> {
    let now = state.now();
    let blocked_until: Option<i64> = tx
        .query_row("SELECT otp_blocked_until FROM users WHERE username = ?1", params![row.username], |r| r.get(0))
        .optional()?
        .flatten()
        .filter(|until| *until > now);
    Ok(DeviceAuthentication {
        id: row.id.clone(),
        username: row.username.clone(),
        status: row.effective_status(now),
        selected_device_id: row.selected_device_id.clone(),
        method: row.method,
        new_device: row.req_fingerprint.is_some(),
        devices: device_list(tx, &row.username)?,
        otp_valid: None,
        otp_attempts_left: None,
        blocked_until: blocked_until.filter(|_| row.status == Status::Blocked).map(rfc3339),
        push_expires_at: row.push_expires_at.map(rfc3339),
        match_number: row.match_number.filter(|_| row.effective_status(now) == Status::PushConfirmationWaiting),
        failure_reason: row.failure_reason.clone(),
        expires_at: rfc3339(row.expires_at),
    })
}

/// Starts the second factor on `device`: a push or a passcode.
fn start_on(tx: &Transaction<'_>, state: &State, auth_id: &str, device: &DeviceRow) -> Result<(), ApiError> {
    if !device.device.usable {
        return Err(ApiError::invalid("DEVICE_BLOCKED", "the device is blocked"));
    }
    let now = state.now();
    tx.execute(
        "UPDATE authentications SET selected_device_id = ?1, otp_hash = NULL, otp_expires_at = NULL, push_expires_at = NULL,
           match_number = NULL, number_choices = NULL, failure_reason = NULL
         WHERE id = ?2",
        params![device.device.id, auth_id],
    )?;
    if device.device.device_type == MfaDeviceType::Mobile {
        let limit = state.push_limit();
        limit.check(tx, &device.username, now)?;
        limit.record(tx, &device.username, now)?;
        let faults = &state.config().faults;
        let lifetime = if faults.is_on(Fault::PushTimesOut) { 0 } else { state.config().push_timeout.num_seconds() };
        tx.execute("UPDATE authentications SET push_expires_at = ?1 WHERE id = ?2", params![now + lifetime, auth_id])?;
        if state.config().number_matching && !faults.is_on(Fault::NoNumberMatching) {
            let challenge = NumberChallenge::draw(state.entropy());
            tx.execute(
                "UPDATE authentications SET match_number = ?1, number_choices = ?2 WHERE id = ?3",
                params![challenge.number, NumberChallenge::choices_text(&challenge.choices), auth_id],
            )?;
        }
        tracing::info!(device_id = %device.device.id, "push queued");
        if faults.is_on(Fault::PushDenied) {
            return set_status(tx, auth_id, Status::PushConfirmationRejected);
        }
        return set_status(tx, auth_id, Status::PushConfirmationWaiting);
    }
    if crate::otp_check::otp_blocked(tx, state, &device.username)? {
        return set_status(tx, auth_id, Status::Blocked);
    }
    if device.device.device_type != MfaDeviceType::Totp {
        send_code(tx, state, auth_id, device)?;
    }
    set_status(tx, auth_id, Status::OtpRequired)
}

#[tracing::instrument(name = "start_device_authentication", skip_all, fields(user = %user, auth_id))]
pub async fn start(
    Shared(state): Shared<State>,
    Path((env, user)): Path<(String, String)>,
    JsonBody(body): JsonBody<StartDeviceAuthentication>,
) -> Result<(StatusCode, Json<DeviceAuthentication>), ApiError> {
    check_environment(&state, &env)?;
    let id = state.entropy().uuid();
    tracing::Span::current().record("auth_id", id.as_str());
    let now = state.now();
    let answer = state.db().tx(|tx| {
        require_user(tx, &user)?;
        let devices = user_devices(tx, &user)?;
        if devices.is_empty() {
            return Err(ApiError::invalid("NO_DEVICES", "the user has no MFA device"));
        }
        let claims = body.mobile_payload.as_deref().map(|p| check_mobile_payload(&state, tx, p)).transpose()?;
        let own = claims.as_ref().and_then(|c| devices.iter().find(|d| d.device.device_fingerprint.as_ref() == Some(&c.device_fingerprint)));
        let new_device = claims.as_ref().filter(|_| own.is_none());
        tx.execute(
            "INSERT INTO authentications (id, username, status, req_fingerprint, req_public_key, req_name, created_at, expires_at)
             VALUES (?1, ?2, 'DEVICE_SELECTION_REQUIRED', ?3, ?4, ?5, ?6, ?7)",
            params![
                id,
                user,
                new_device.map(|c| &c.device_fingerprint),
                new_device.map(|c| &c.public_key),
                new_device.map(|c| &c.device_name),
                now,
                now + state.config().authentication_lifetime.num_seconds()
            ],
        )?;
        match (own, &body.device_id) {
            (Some(device), _) if device.device.usable => {
                complete(tx, &id, AuthenticationMethod::MobilePayload)?;
            }
            (Some(_), _) => fail(tx, &id, "DEVICE_BLOCKED")?,
            (None, Some(device_id)) => start_on(tx, &state, &id, &find_device(tx, &user, device_id)?)?,
            (None, None) => {
                let usable: Vec<&DeviceRow> = devices.iter().filter(|d| d.device.usable).collect();
                match usable.as_slice() {
                    [] => fail(tx, &id, "NO_USABLE_DEVICE")?,
                    [only] => start_on(tx, &state, &id, only)?,
                    _ => {}
                }
            }
        }
        describe(tx, &state, &read_auth(tx, &user, &id)?)
    })?;
    if answer.status == Status::PushConfirmationWaiting {
        state.0.pushes.notify_waiters();
    }
    tracing::info!(status = status_name(answer.status), new_device = answer.new_device, "device authentication started");
    Ok((StatusCode::CREATED, Json(answer)))
}

fn fail(tx: &Transaction<'_>, id: &str, reason: &str) -> Result<(), ApiError> {
    tx.execute("UPDATE authentications SET failure_reason = ?1 WHERE id = ?2", params![reason, id])?;
    set_status(tx, id, Status::Failed)
}

pub async fn read(
    Shared(state): Shared<State>,
    Path((env, user, id)): Path<(String, String, String)>,
) -> Result<Json<DeviceAuthentication>, ApiError> {
    check_environment(&state, &env)?;
    Ok(Json(state.db().tx(|tx| describe(tx, &state, &read_auth(tx, &user, &id)?))?))
}

/// Loads an authentication that is still open (not expired, not finished).
fn open_auth(tx: &Transaction<'_>, state: &State, user: &str, id: &str) -> Result<AuthRow, ApiError> {
    let row = read_auth(tx, user, id)?;
    if row.expires_at <= state.now() {
        return Err(ApiError::NotFound("device authentication"));
    }
    Ok(row)
}

#[tracing::instrument(name = "select_device", skip_all, fields(user = %user, auth_id = %id, device_id = %body.device_id))]
pub async fn select(
    Shared(state): Shared<State>,
    Path((env, user, id)): Path<(String, String, String)>,
    JsonBody(body): JsonBody<SelectMfaDevice>,
) -> Result<Json<DeviceAuthentication>, ApiError> {
    check_environment(&state, &env)?;
    let answer = state.db().tx(|tx| {
        let row = open_auth(tx, &state, &user, &id)?;
        if matches!(row.status, Status::Completed | Status::Failed | Status::Blocked) {
            return Err(ApiError::invalid("INVALID_STATE", format!("the authentication is {}", status_name(row.status))));
        }
        start_on(tx, &state, &id, &find_device(tx, &user, &body.device_id)?)?;
        describe(tx, &state, &read_auth(tx, &user, &id)?)
    })?;
    if answer.status == Status::PushConfirmationWaiting {
        state.0.pushes.notify_waiters();
    }
    tracing::info!(status = status_name(answer.status), "device selected");
    Ok(Json(answer))
}

#[tracing::instrument(name = "check_otp", skip_all, fields(user = %user, auth_id = %id))]
pub async fn check_otp(
    Shared(state): Shared<State>,
    Path((env, user, id)): Path<(String, String, String)>,
    JsonBody(body): JsonBody<CheckMfaOtp>,
) -> Result<Json<DeviceAuthentication>, ApiError> {
    check_environment(&state, &env)?;
    let answer = state.db().tx(|tx| {
        let row = open_auth(tx, &state, &user, &id)?;
        if row.status != Status::OtpRequired {
            return Err(ApiError::invalid("INVALID_STATE", format!("the authentication is {}", status_name(row.status))));
        }
        let device_id = row.selected_device_id.clone().ok_or_else(|| ApiError::Internal("OTP state without device".into()))?;
        let device = find_device(tx, &user, &device_id)?;
        let verdict = check_code(tx, &state, &row, &device, body.otp.trim())?;
        let mut answer = describe(tx, &state, &read_auth(tx, &user, &id)?)?;
        answer.otp_valid = Some(verdict.valid);
        answer.otp_attempts_left = verdict.attempts_left;
        Ok(answer)
    })?;
    tracing::info!(valid = ?answer.otp_valid, status = status_name(answer.status), "passcode checked");
    Ok(Json(answer))
}
