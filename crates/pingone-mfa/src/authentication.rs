//! Device authentications on PingOne's auth path (`{authPath}/{envId}/deviceAuthentications`):
//! the second factor PingFederate asks for. Started with `{user: {id}}`; read with GET; advanced
//! by POSTs to the same resource, the action named by the content type (`device.select`,
//! `otp.check`), the actions allowed now listed in `_links`.
//!
//! A mobile payload from a device already paired with the user completes at once (PingOne's
//! device authorization); one from an unpaired device of a user without devices completes at once
//! too, with the ID token that pairs it; an unpaired device of a user with devices gets that token
//! once the authentication completes on one of the user's devices. Otherwise the user's one usable device (or the one selected) gets a push
//! (MOBILE) or a passcode (SMS, EMAIL: sent to the outbox; TOTP: from the authenticator). Three
//! wrong passcodes in a row lock the device for 15 minutes.
//!
//! Sources ("MFA Device Authentications"):
//! https://developer.pingidentity.com/pingone-api/mfa/mfa-authentication/mfa-device-authentications.html
//! and its pages "Initialize Device Authentication", "Select Device for Authentication",
//! "Validate OTP for Device", "Read Device Authentication".

use axum::extract::{Path, State as Shared};
use axum::http::StatusCode;
use axum::Json;
use moderno_ambient::{Fault, NumberChallenge};
use moderno_sql::{params, Conn};
use moderno_wire::pingone::{
    failure, CheckOtp, DeviceAuthentication, DeviceAuthenticationEmbedded, DeviceAuthenticationStatus as P1,
    FailureError, InnerError, MfaDeviceType, NumberMatching, ResourceRef, SelectDevice, StartDeviceAuthentication,
    DEVICE_SELECT_CONTENT_TYPE, OTP_CHECK_CONTENT_TYPE,
};

use crate::authentication_record::{
    complete, read_auth, read_auth_by_id, set_status, status_name, AuthRow, AuthenticationMethod, Status,
};
use crate::device_identity::check_mobile_payload;
use crate::otp_check::{check_code, send_code, Verdict};
use crate::pairing::still_offered;
use crate::requests::{check_environment, ActionBody, JsonBody};
use crate::shapes::{auth_base, device, links, Detail};
use crate::store::{device_by_fingerprint, find_device, rfc3339, user_devices, user_id_of, username_of, DeviceRow};
use crate::{ApiError, State};

/// PingOne's status and `error` for a stored status.
fn public_status(row: &AuthRow, now: i64) -> (P1, Option<FailureError>) {
    let error = |code: &str, message: &str| Some(FailureError { code: code.into(), message: message.into() });
    match row.effective_status(now) {
        Status::DeviceSelectionRequired => (P1::DeviceSelectionRequired, None),
        Status::OtpRequired => (P1::OtpRequired, None),
        Status::PushConfirmationWaiting => (P1::PushConfirmationRequired, None),
        Status::PushConfirmationTimedOut => (P1::PushConfirmationTimedOut, None),
        Status::Completed => (P1::Completed, None),
        Status::PushConfirmationRejected if row.failure_reason.as_deref() == Some(failure::WRONG_NUMBER) => {
            (P1::Failed, error(failure::WRONG_NUMBER, "The approving device picked another number than the one shown."))
        }
        Status::PushConfirmationRejected => {
            let message = match row.failure_reason.as_deref() {
                Some("REPORT_FRAUD") => {
                    "The user denied the push notification and reported it as fraud (REPORT_FRAUD)."
                }
                Some("BIOMETRICS_REJECTED") => {
                    "The push notification was denied: the biometric check failed (BIOMETRICS_REJECTED)."
                }
                _ => "The user denied the push notification.",
            };
            (P1::Failed, error(failure::PUSH_DENIED, message))
        }
        Status::Blocked => (P1::Failed, error(failure::OTP_LOCKED, "Too many wrong passcodes: the device is locked.")),
        Status::Failed => {
            let code = row.failure_reason.clone().unwrap_or_else(|| "FAILED".into());
            (P1::Failed, Some(FailureError { message: format!("The device authentication failed ({code})."), code }))
        }
    }
}

/// The stored statuses on which `device.select` may start the factor again on another device.
fn selectable(status: Status) -> bool {
    !matches!(status, Status::Completed | Status::Failed | Status::Blocked)
}

/// The answer for an authentication, with the user's devices (masked) as they are now.
pub fn describe(tx: &Conn<'_>, state: &State, row: &AuthRow) -> Result<DeviceAuthentication, ApiError> {
    let now = state.now();
    let user_id = user_id_of(tx, &row.username)?;
    let (status, error) = public_status(row, now);
    let href = format!("{}/deviceAuthentications/{}", auth_base(state), row.id);
    let mut actions = links([("self", href.clone())]);
    let effective = row.effective_status(now);
    if selectable(effective) {
        actions.extend(links([("device.select", href.clone())]));
    }
    if effective == Status::OtpRequired {
        actions.extend(links([("otp.check", href)]));
    }
    let devices =
        user_devices(tx, &row.username)?.iter().map(|d| device(state, &user_id, d, now, Detail::Masked)).collect();
    Ok(DeviceAuthentication {
        links: actions,
        embedded: DeviceAuthenticationEmbedded { devices },
        id: row.id.clone(),
        environment: ResourceRef::new(&state.config().environment_id),
        user: ResourceRef::new(user_id),
        status,
        selected_device: row.selected_device_id.clone().map(ResourceRef::new),
        policy: state.config().policy(row.policy_id.as_deref()).map(|p| ResourceRef::new(&p.id)),
        number_matching: row
            .match_number
            .filter(|_| effective == Status::PushConfirmationWaiting)
            .map(|number| NumberMatching { kind: "SELECT_NUMBER".into(), number }),
        error,
        id_token: match (&row.id_token, &row.pairing_id) {
            // Shown while the pairing can still be approved: gone once approved, failed or expired.
            (Some(token), Some(pairing)) if effective == Status::Completed && still_offered(tx, pairing, now)? => {
                Some(token.clone())
            }
            _ => None,
        },
        created_at: rfc3339(row.created_at),
        updated_at: rfc3339(row.updated_at),
    })
}

/// Starts the second factor on `device`: a push or a passcode.
fn start_on(tx: &Conn<'_>, state: &State, auth_id: &str, device: &DeviceRow) -> Result<(), ApiError> {
    if !device.usable() {
        return Err(ApiError::Invalid {
            code: "CONSTRAINT_VIOLATION",
            message: "the device is blocked".into(),
            target: Some("device.id"),
            inner: None,
        });
    }
    let now = state.now();
    tx.execute(
        "UPDATE authentications SET selected_device_id = ?1, otp_hash = NULL, otp_expires_at = NULL, push_expires_at = NULL,
           match_number = NULL, number_choices = NULL, failure_reason = NULL
         WHERE id = ?2",
        params![device.id, auth_id],
    )?;
    if device.device_type == MfaDeviceType::Mobile {
        let limit = state.push_limit();
        limit.check(tx, &device.username, now)?;
        limit.record(tx, &device.username, now)?;
        let faults = &state.config().faults;
        let lifetime = if faults.is_on(Fault::PushTimesOut) { 0 } else { state.config().push_timeout.num_seconds() };
        // `push_seq`: after every push made before (the writers take turns), so a device lists its
        // pushes in the order they were made, however many in one second.
        tx.execute(
            "UPDATE authentications SET push_expires_at = ?1,
               push_seq = (SELECT COALESCE(MAX(push_seq), 0) + 1 FROM authentications)
             WHERE id = ?2",
            params![now + lifetime, auth_id],
        )?;
        let policy_id: Option<String> =
            tx.query_row("SELECT policy_id FROM authentications WHERE id = ?1", params![auth_id], |r| r.get(0))?;
        let number_matching = state.config().policy(policy_id.as_deref()).is_some_and(|p| p.number_matching);
        if number_matching && !faults.is_on(Fault::NoNumberMatching) {
            let challenge = NumberChallenge::draw(state.entropy());
            tx.execute(
                "UPDATE authentications SET match_number = ?1, number_choices = ?2 WHERE id = ?3",
                params![challenge.number, NumberChallenge::choices_text(&challenge.choices), auth_id],
            )?;
        }
        tracing::info!(device_id = %device.id, "push queued");
        if faults.is_on(Fault::PushDenied) {
            return set_status(tx, auth_id, Status::PushConfirmationRejected, now);
        }
        // Long polls on every instance look again once this commits (this instance's are woken by
        // the caller too).
        tx.notify(crate::PUSH_CHANNEL, auth_id)?;
        return set_status(tx, auth_id, Status::PushConfirmationWaiting, now);
    }
    if device.locked_at(now).is_some() {
        return set_status(tx, auth_id, Status::Blocked, now);
    }
    if device.device_type != MfaDeviceType::Totp {
        send_code(tx, state, auth_id, device)?;
    }
    set_status(tx, auth_id, Status::OtpRequired, now)
}

#[tracing::instrument(name = "start_device_authentication", skip_all, fields(auth_id))]
pub async fn start(
    Shared(state): Shared<State>,
    Path(env): Path<String>,
    JsonBody(body): JsonBody<StartDeviceAuthentication>,
) -> Result<(StatusCode, Json<DeviceAuthentication>), ApiError> {
    check_environment(&state, &env)?;
    let id = state.entropy().uuid();
    tracing::Span::current().record("auth_id", id.as_str());
    let now = state.now();
    let answer = state.tx(move |tx, state| {
        let user = username_of(tx, &body.user.id).map_err(|_| ApiError::invalid_field("user.id", "no user has this id"))?;
        let policy_id = match &body.policy {
            None => None,
            Some(policy) => match state.config().policy(Some(&policy.id)) {
                Some(known) => Some(known.id.clone()),
                None => return Err(ApiError::invalid_field("policy.id", "no device authentication policy has this id")),
            },
        };
        if body.mobile_payload.is_some() {
            check_application(state, body.application.as_ref())?;
        }
        let devices = user_devices(tx, &user)?;
        if devices.is_empty() && body.mobile_payload.is_none() {
            return Err(ApiError::invalid("CONSTRAINT_VIOLATION", "the user has no MFA device"));
        }
        let claims = body.mobile_payload.as_deref().map(|p| check_mobile_payload(state, tx, p)).transpose()?;
        let own = claims.as_ref().and_then(|c| devices.iter().find(|d| d.fingerprint.as_ref() == Some(&c.device_fingerprint)));
        let new_device = claims.as_ref().filter(|_| own.is_none());
        if devices.is_empty() && new_device.is_some_and(|c| device_by_fingerprint(tx, &c.device_fingerprint).ok().flatten().is_some()) {
            return Err(ApiError::invalid("DEVICE_ALREADY_PAIRED", "this device is already paired"));
        }
        tx.execute(
            "INSERT INTO authentications (id, username, status, req_fingerprint, req_public_key, req_name, created_at, updated_at, expires_at, policy_id)
             VALUES (?1, ?2, 'DEVICE_SELECTION_REQUIRED', ?3, ?4, ?5, ?6, ?6, ?7, ?8)",
            params![
                id,
                user,
                new_device.map(|c| &c.device_fingerprint),
                new_device.map(|c| &c.public_key),
                new_device.map(|c| &c.device_name),
                now,
                now + state.config().authentication_lifetime.num_seconds(),
                policy_id
            ],
        )?;
        match (own, &body.selected_device) {
            // The user's first device: no second factor to ask for, MFA is bypassed and the
            // automatic pairing goes on (PingOne MFA integration kit, "Overview of the automatic
            // device pairing flow": for a user without devices "a PingOne setting determines
            // whether the user is blocked or MFA is bypassed; if bypassed, the automatic pairing
            // flow continues").
            _ if devices.is_empty() => complete(tx, state, &id, AuthenticationMethod::Bypassed, now)?,
            (Some(device), _) if device.usable() => {
                tx.execute("UPDATE authentications SET selected_device_id = ?1 WHERE id = ?2", params![device.id, id])?;
                complete(tx, state, &id, AuthenticationMethod::MobilePayload, now)?;
            }
            (Some(_), _) => fail(tx, &id, failure::DEVICE_BLOCKED, now)?,
            (None, Some(selected)) => start_on(tx, state, &id, &find_device(tx, &user, &selected.id)?)?,
            (None, None) => {
                let usable: Vec<&DeviceRow> = devices.iter().filter(|d| d.usable()).collect();
                match usable.as_slice() {
                    [] => fail(tx, &id, failure::NO_USABLE_DEVICE, now)?,
                    [only] => start_on(tx, state, &id, only)?,
                    _ => {}
                }
            }
        }
        describe(tx, state, &read_auth(tx, &user, &id)?)
    }).await?;
    if answer.status == P1::PushConfirmationRequired {
        state.wake_pushes();
    }
    tracing::info!(status = ?answer.status, "device authentication started");
    Ok((StatusCode::CREATED, Json(answer)))
}

/// A mobile payload needs the native application it comes from: `application.id` is "required
/// only during device authorization flows when the mobilePayload value is provided" ("MFA Device
/// Authentications" data model); the emulator knows one application.
fn check_application(state: &State, application: Option<&ResourceRef>) -> Result<(), ApiError> {
    match application {
        None => Err(ApiError::Invalid {
            code: "REQUIRED_VALUE",
            message: "application.id is required with a mobilePayload".into(),
            target: Some("application.id"),
            inner: None,
        }),
        Some(app) if app.id != state.config().application_id => {
            Err(ApiError::invalid_field("application.id", "no native application has this id"))
        }
        Some(_) => Ok(()),
    }
}

fn fail(tx: &Conn<'_>, id: &str, reason: &str, now: i64) -> Result<(), ApiError> {
    tx.execute("UPDATE authentications SET failure_reason = ?1 WHERE id = ?2", params![reason, id])?;
    set_status(tx, id, Status::Failed, now)
}

pub async fn read(
    Shared(state): Shared<State>,
    Path((env, id)): Path<(String, String)>,
) -> Result<Json<DeviceAuthentication>, ApiError> {
    check_environment(&state, &env)?;
    Ok(Json(state.read(move |tx, state| describe(tx, state, &read_auth_by_id(tx, &id)?)).await?))
}

/// Loads an authentication that is still open (not expired).
fn open_auth(tx: &Conn<'_>, state: &State, id: &str) -> Result<AuthRow, ApiError> {
    let row = read_auth_by_id(tx, id)?;
    if row.expires_at <= state.now() {
        return Err(ApiError::NotFound("device authentication"));
    }
    Ok(row)
}

fn not_offered(action: &str, row: &AuthRow) -> ApiError {
    ApiError::BadRequest(format!(
        "{action} is not offered while the device authentication is {}",
        status_name(row.status)
    ))
}

/// `POST {authPath}/{envId}/deviceAuthentications/{id}`: the content type names the action.
pub async fn act(
    Shared(state): Shared<State>,
    Path((env, id)): Path<(String, String)>,
    body: ActionBody,
) -> Result<Json<DeviceAuthentication>, ApiError> {
    check_environment(&state, &env)?;
    if body.is(DEVICE_SELECT_CONTENT_TYPE) {
        select(&state, &id, body.json()?).await
    } else if body.is(OTP_CHECK_CONTENT_TYPE) {
        check_otp(&state, &id, body.json()?).await
    } else {
        Err(ApiError::UnsupportedMediaType)
    }
    .map(Json)
}

#[tracing::instrument(name = "select_device", skip_all, fields(auth_id = %id, device_id = %body.device.id))]
async fn select(state: &State, id: &str, body: SelectDevice) -> Result<DeviceAuthentication, ApiError> {
    let id = id.to_owned();
    let answer = state
        .tx(move |tx, state| {
            let id = id.as_str();
            let row = open_auth(tx, state, id)?;
            if !selectable(row.status) {
                return Err(not_offered("device.select", &row));
            }
            let device = find_device(tx, &row.username, &body.device.id)
                .map_err(|_| ApiError::invalid_field("device.id", "the user has no device with this id"))?;
            start_on(tx, state, id, &device)?;
            describe(tx, state, &read_auth(tx, &row.username, id)?)
        })
        .await?;
    if answer.status == P1::PushConfirmationRequired {
        state.wake_pushes();
    }
    tracing::info!(status = ?answer.status, "device selected");
    Ok(answer)
}

/// A wrong passcode that did not lock is a 400 `INVALID_DATA` with detail `INVALID_OTP` (the
/// detail code of Ping's 400 schema); its failure is counted (committed) all the same.
#[tracing::instrument(name = "check_otp", skip_all, fields(auth_id = %id))]
async fn check_otp(state: &State, id: &str, body: CheckOtp) -> Result<DeviceAuthentication, ApiError> {
    let id = id.to_owned();
    let (verdict, answer) = state
        .tx(move |tx, state| {
            let id = id.as_str();
            let row = open_auth(tx, state, id)?;
            if row.status != Status::OtpRequired {
                return Err(not_offered("otp.check", &row));
            }
            let device_id =
                row.selected_device_id.clone().ok_or_else(|| ApiError::Internal("OTP state without device".into()))?;
            let device = find_device(tx, &row.username, &device_id)?;
            let verdict = check_code(tx, state, &row, &device, body.otp.trim())?;
            Ok((verdict, describe(tx, state, &read_auth(tx, &row.username, id)?)?))
        })
        .await?;
    tracing::info!(valid = verdict.valid, status = ?answer.status, "passcode checked");
    match verdict {
        Verdict { valid: false, attempts_left: Some(left) } if left > 0 => Err(ApiError::Invalid {
            code: "INVALID_OTP",
            message: "The one-time passcode is not valid.".into(),
            target: Some("otp"),
            inner: Some(InnerError { retry_after: None, remaining_attempts: Some(left) }),
        }),
        _ => Ok(answer),
    }
}
