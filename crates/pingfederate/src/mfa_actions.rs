//! The PingOne MFA adapter's second-factor actions: `authenticate` (pairing a first device, or
//! asking PingOne MFA for the second factor), `selectDevice`, `poll`, `checkOtp`, and the device
//! management offered once MFA is done. PingOne's answer decides the next status (`apply`).

use moderno_wire::pingfederate::{
    Authenticate, AuthnErrorDetail, CheckOtp, DeviceChoice, FlowStatus as S, UpdateDeviceNickname,
    MFA_STATUS_DEVICE_PAIRED, MFA_STATUS_PAIRING_ERROR,
};
use moderno_wire::pingone::{failure, DeviceAuthentication, DeviceAuthenticationStatus as P, PairingIdTokenClaims};
use serde_json::Value;

use crate::error::AuthnApiError;
use crate::flow::{Failure, FlowRecord};
use crate::flow_actions::body_as;
use crate::pingone::Refusal;
use crate::pingone_devices::adapter_devices;
use crate::State;

/// A PingOne answer where a refusal can only mean something is wrong between the two servers.
pub fn accept<T>(answer: Result<T, Refusal>) -> Result<T, AuthnApiError> {
    answer.map_err(|r| AuthnApiError::Upstream(format!("PingOne refused: {} {}", r.status, r.code)))
}

/// A refusal caused by what the client sent, as a validation error on `field`.
fn refused_input(refusal: Refusal, field: &str, user_message: &str) -> AuthnApiError {
    if refusal.status.is_server_error() || refusal.status == reqwest::StatusCode::UNAUTHORIZED {
        return AuthnApiError::Upstream(format!("PingOne refused: {}", refusal.code));
    }
    if refusal.status == reqwest::StatusCode::TOO_MANY_REQUESTS {
        // PingOne's push limit (429 REQUEST_LIMITED): no push was sent; the flow stays where it was.
        tracing::warn!(code = %refusal.code, "PingOne rate limit");
        return AuthnApiError::Validation(vec![AuthnErrorDetail {
            code: "PUSH_LIMIT_EXCEEDED".into(),
            message: refusal.message,
            user_message: Some(
                "Too many sign-in requests were sent to your device. Please wait, or choose another device.".into(),
            ),
            target: None,
            attempts_remaining: None,
        }]);
    }
    AuthnApiError::field(&refusal.code, field, &refusal.message, user_message)
}

/// The user's PingOne id.
async fn user(state: &State, record: &FlowRecord) -> Result<String, AuthnApiError> {
    let username =
        record.username.as_deref().ok_or_else(|| AuthnApiError::Internal("MFA step without a user".into()))?;
    state.pingone().user_id(username).await
}

fn auth_id(record: &FlowRecord) -> Result<String, AuthnApiError> {
    record.device_auth_id.clone().ok_or_else(|| AuthnApiError::Internal("MFA step without an authentication".into()))
}

pub async fn run(state: &State, record: &mut FlowRecord, action: &str, body: Value) -> Result<(), AuthnApiError> {
    match action {
        "authenticate" => authenticate(state, record, body_as(body)?).await,
        "selectDevice" => select_device(state, record, body_as(body)?).await,
        "poll" => refresh_push(state, record).await,
        "checkOtp" => check_otp(state, record, body_as(body)?).await,
        "setDefaultDevice" | "removeDevice" | "updateDeviceNickname" => {
            manage_device(state, record, action, body).await
        }
        other => Err(AuthnApiError::Internal(format!("action {other} has no handler"))),
    }
}

/// `poll`, and a `GET` while a push waits: asks PingOne where the push is and moves the flow
/// there (approved: as far as the adapter goes by itself; denied; expired). Sends nothing to the
/// user's devices.
pub async fn refresh_push(state: &State, record: &mut FlowRecord) -> Result<(), AuthnApiError> {
    let answer = state.pingone().authentication(&auth_id(record)?).await?;
    apply(state, record, accept(answer)?).await
}

#[tracing::instrument(name = "authenticate", skip_all, fields(with_payload = body.mobile_payload.is_some()))]
async fn authenticate(state: &State, record: &mut FlowRecord, body: Authenticate) -> Result<(), AuthnApiError> {
    let user = user(state, record).await?;
    record.devices = accept(state.pingone().devices(&user).await?)?;
    const DEVICE_REJECTED: &str = "This device could not be verified.";
    if record.devices.is_empty() && body.mobile_payload.is_none() {
        record.status = S::MfaFailed;
        record.failure = Some(Failure {
            code: "NO_DEVICE".into(),
            message: "the user has no MFA device; pair one from the mobile app".into(),
        });
        return Ok(());
    }
    let with_payload = body.mobile_payload.is_some();
    // The adapter instance's PingOne policy, chosen per application (client).
    let policy = state
        .config()
        .clients
        .iter()
        .find(|c| c.client_id == record.client_id)
        .and_then(|c| c.pingone_policy_id.clone());
    let answer = state.pingone().start_authentication(&user, body.mobile_payload, policy.as_deref()).await?;
    let auth = answer.map_err(|r| refused_input(r, "mobilePayload", DEVICE_REJECTED))?;
    if let Some(token) = auth.id_token.as_deref().filter(|_| auth.status == P::Completed) {
        // A user without devices: PingOne bypassed MFA and answered the ID token that pairs the
        // payload's device.
        offer_pairing(record, &auth, token);
        tracing::info!("first device: pairing required");
        return Ok(());
    }
    if with_payload && auth.status == P::Completed {
        // PingOne's device authorization: the payload came from a device paired with the user.
        record.device_auth_id = Some(auth.id.clone());
        record.devices = adapter_devices(&auth.embedded.devices);
        record.mfa_status = Some(MFA_STATUS_DEVICE_PAIRED.into());
        record.status = S::MfaCompleted;
        tracing::info!("second factor passed by the paired device's payload");
        return Ok(());
    }
    // A payload that did not complete the authentication at once is a device not paired with
    // the user.
    record.new_device_auth = (with_payload && auth.status != P::Failed).then(|| auth.id.clone());
    apply(state, record, auth).await
}

/// How long PingOne's push waits (the device authentication policy's `pushTimeout`, default 40 s:
/// `patrickcping/pingone-go-sdk-v2:mfa/generate/pingone-mfa.yml`); PingOne's device authentication
/// shows no expiry, so the adapter counts from when it saw the push sent.
const PUSH_TIMEOUT_SECONDS: i64 = 40;

/// Moves the flow to the status PingOne's authentication is in, the adapter's names for
/// PingOne's: PUSH_CONFIRMATION_REQUIRED is PUSH_CONFIRMATION_WAITING; FAILED with a denied push
/// is PUSH_CONFIRMATION_REJECTED; FAILED with locked passcodes is MFA_FAILED `OTP_BLOCKED`.
async fn apply(state: &State, record: &mut FlowRecord, auth: DeviceAuthentication) -> Result<(), AuthnApiError> {
    let selected = auth.selected_device.as_ref().map(|d| d.id.clone());
    let newly_pushed = auth.status == P::PushConfirmationRequired
        && (record.status != S::PushConfirmationWaiting
            || record.device_auth_id.as_deref() != Some(auth.id.as_str())
            || record.selected_device_id != selected);
    record.device_auth_id = Some(auth.id.clone());
    record.devices = adapter_devices(&auth.embedded.devices);
    record.selected_device_id = selected;
    if newly_pushed {
        let expires = chrono::DateTime::from_timestamp(state.now() + PUSH_TIMEOUT_SECONDS, 0).unwrap_or_default();
        record.push_expires_at = Some(expires.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    } else if auth.status != P::PushConfirmationRequired {
        record.push_expires_at = None;
    }
    record.match_number = auth.number_matching.as_ref().map(|n| n.number);
    let failed = |code: &str, message: String| (S::MfaFailed, Some(Failure { code: code.into(), message }));
    let error_code = auth.error.as_ref().map(|e| e.code.as_str());
    let (status, failure) = match auth.status {
        P::DeviceSelectionRequired => (S::DeviceSelectionRequired, None),
        P::PushConfirmationRequired => (S::PushConfirmationWaiting, None),
        P::PushConfirmationTimedOut => (S::PushConfirmationTimedOut, None),
        P::OtpRequired => (S::OtpRequired, None),
        P::Failed if matches!(error_code, Some(failure::PUSH_DENIED | failure::WRONG_NUMBER)) => {
            (S::PushConfirmationRejected, None)
        }
        P::Failed if error_code == Some(failure::OTP_LOCKED) => {
            let device = auth.embedded.devices.iter().find(|d| Some(&d.id) == record.selected_device_id.as_ref());
            let until = device.and_then(|d| d.lock.expires_at.clone()).unwrap_or_default();
            failed("OTP_BLOCKED", format!("too many wrong passcodes; passcodes are blocked until {until}"))
        }
        P::Failed => failed(error_code.unwrap_or("MFA_FAILED"), "the second factor failed".into()),
        P::Completed => return mfa_done(record, &auth),
    };
    record.status = status;
    record.failure = failure;
    Ok(())
}

/// MOBILE_PAIRING_REQUIRED with "the PingOne ID token" as its server payload (integration kit,
/// "Overview of the automatic device pairing flow"); the adapter keeps the id the new MOBILE device
/// will have (the token's `pairing.device.id`) to find it among the user's devices afterwards.
fn offer_pairing(record: &mut FlowRecord, auth: &DeviceAuthentication, token: &str) {
    record.device_auth_id = Some(auth.id.clone());
    record.devices = adapter_devices(&auth.embedded.devices);
    record.pairing_id = planned_device(token);
    record.server_payload = Some(token.to_string());
    record.status = S::MobilePairingRequired;
}

/// The id of the device a pairing ID token will create (PingOne signed the token; the adapter got
/// it from PingOne over its own connection and only reads it).
fn planned_device(token: &str) -> Option<String> {
    let body = moderno_crypto::b64url_decode(token.split('.').nth(1)?)?;
    let claims: PairingIdTokenClaims = serde_json::from_slice(&body).ok()?;
    claims.pairing.device.map(|d| d.id)
}

/// The second factor passed. A device that authenticated by its own payload is paired; a new
/// device that sent its payload is offered pairing now with the ID token PingOne's completed
/// authentication carries; when PingOne could not pair it (no token) that is a pairing error and
/// the flow still succeeds.
fn mfa_done(record: &mut FlowRecord, auth: &DeviceAuthentication) -> Result<(), AuthnApiError> {
    let new_device = record.new_device_auth.take().is_some_and(|id| id == auth.id);
    if let Some(token) = auth.id_token.as_deref() {
        offer_pairing(record, auth, token);
        tracing::info!("second factor passed: pairing the new device");
        return Ok(());
    }
    if new_device {
        tracing::warn!("PingOne answered no pairing for the new device");
        record.mfa_status = Some(MFA_STATUS_PAIRING_ERROR.into());
    }
    record.status = S::MfaCompleted;
    tracing::info!("second factor passed");
    Ok(())
}

#[tracing::instrument(name = "select_device", skip_all, fields(device_id = %body.device_ref.id))]
async fn select_device(state: &State, record: &mut FlowRecord, body: DeviceChoice) -> Result<(), AuthnApiError> {
    let answer = state.pingone().select_device(&auth_id(record)?, &body.device_ref.id).await?;
    let auth = answer.map_err(|r| refused_input(r, "deviceRef.id", "Please choose one of your devices."))?;
    apply(state, record, auth).await
}

#[tracing::instrument(name = "check_otp", skip_all)]
async fn check_otp(state: &State, record: &mut FlowRecord, body: CheckOtp) -> Result<(), AuthnApiError> {
    let otp = body.otp.trim();
    if otp.is_empty() || otp.len() > 12 {
        return Err(AuthnApiError::field(
            "REQUIRED_VALUE",
            "otp",
            "a passcode is required",
            "Please enter the passcode.",
        ));
    }
    let auth = match state.pingone().check_otp(&auth_id(record)?, otp).await? {
        Ok(auth) => auth,
        // PingOne: 400 INVALID_DATA, detail INVALID_OTP (Ping's 400 schema); the flow stays.
        Err(refusal) if refusal.code == "INVALID_OTP" => {
            tracing::info!(attempts_left = ?refusal.remaining_attempts, "wrong passcode");
            return Err(AuthnApiError::Validation(vec![AuthnErrorDetail {
                code: "INVALID_OTP".into(),
                message: "the passcode is not right".into(),
                user_message: Some("The passcode you entered is incorrect. Please try again.".into()),
                target: Some("otp".into()),
                attempts_remaining: refusal.remaining_attempts,
            }]));
        }
        Err(refusal) => {
            return Err(AuthnApiError::Upstream(format!("PingOne refused: {} {}", refusal.status, refusal.code)))
        }
    };
    apply(state, record, auth).await
}

#[tracing::instrument(name = "manage_device", skip_all, fields(action))]
async fn manage_device(state: &State, record: &mut FlowRecord, action: &str, body: Value) -> Result<(), AuthnApiError> {
    let user = user(state, record).await?;
    let (device_id, nickname) = if action == "updateDeviceNickname" {
        let body: UpdateDeviceNickname = body_as(body)?;
        (body.device_ref.id, Some(body.nickname))
    } else {
        (body_as::<DeviceChoice>(body)?.device_ref.id, None)
    };
    if !record.devices.iter().any(|d| d.id == device_id) {
        return Err(AuthnApiError::field(
            "INVALID_DEVICE",
            "deviceRef.id",
            "no such device for this user",
            "Please choose one of your devices.",
        ));
    }
    let pingone = state.pingone();
    let refused = |r: Refusal| refused_input(r, "nickname", "Please check the nickname.");
    match action {
        "setDefaultDevice" => {
            record.devices = pingone.make_default(&user, &device_id, &record.devices).await?.map_err(refused)?;
            return Ok(());
        }
        "removeDevice" => pingone.remove_device(&user, &device_id).await?.map_err(refused)?,
        _ => {
            pingone.set_nickname(&user, &device_id, nickname.as_deref().unwrap_or_default()).await?.map_err(refused)?;
        }
    }
    record.devices = accept(pingone.devices(&user).await?)?;
    tracing::info!(device_id = %device_id, "device managed");
    Ok(())
}
