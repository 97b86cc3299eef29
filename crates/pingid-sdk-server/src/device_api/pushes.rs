//! Pushes: the device long-polls for the authentications it should approve, and answers them
//! as Ping's SDK does with `setAuthenticationUserSelection` (an action, and for a new device a
//! trust level: trust it, let it in once, ignore it for a while — [D-NET], [APP] `PingID.h`).

use axum::extract::{Path, State};
use axum::Json;
use moderno_ambient::Pick;
use moderno_wire::device_api::{PushAction, PushAnswer, PushRequest, RequestingDevice};
use moderno_wire::sdk::{
    Authentication, AuthenticationLevel as Level, AuthenticationReason as Reason, AuthenticationStatus as Status,
    DeviceRole,
};

use super::long_poll::{until_found, wait_seconds};
use super::DeviceCall;
use crate::error::{ApiError, ApiResult};
use crate::new_device::{self, grantable};
use crate::state::SdkState;
use crate::store::authentications::{self as auths, AuthRow};
use crate::store::{devices, fingerprints, settings};
use crate::timestamps::rfc3339;

fn push_request(row: &AuthRow, user_has_primary: bool) -> PushRequest {
    let requester = row.requester.as_ref();
    PushRequest {
        authentication_id: row.id.clone(),
        username: row.username.clone(),
        title: row.push_title.clone().unwrap_or_else(|| "Sign-in request".to_string()),
        body: row.push_body.clone().unwrap_or_else(|| match requester {
            Some(r) => format!("{} is signing in on {}", row.username, r.name),
            None => format!("{} is signing in", row.username),
        }),
        client_context: row.client_context.clone(),
        ip_address: row.ip_address.clone(),
        requesting_device: requester.map(|r| RequestingDevice {
            device_name: r.name.clone(),
            device_type: r.device_type,
            os_version: r.os_version.clone(),
        }),
        trust_levels: if requester.is_some() { grantable(user_has_primary) } else { Vec::new() },
        number_choices: row.number_choices.clone(),
        expires_at: rfc3339(row.push_expires.unwrap_or(row.created)),
    }
}

/// `GET /pushes?waitSeconds=N`: marks the device online and answers its pending pushes, waiting
/// up to N seconds (real time) for one to arrive.
#[tracing::instrument(name = "poll_pushes", skip_all, fields(fingerprint = %call.fingerprint()))]
pub async fn poll(State(state): State<SdkState>, call: DeviceCall) -> ApiResult<Json<Vec<PushRequest>>> {
    let device = call.verify_paired(&state).await?;
    let wait = wait_seconds(call.query())?;
    let waiting = state.pushes.wait_on(&device.id);
    let take = || {
        let (id, now_ms) = (device.id.clone(), state.now_ms());
        let (username, application_id) = (device.username.clone(), device.application_id.clone());
        state.db.write(move |tx| {
            devices::set_last_seen(tx, &id, now_ms)?;
            let has_primary =
                devices::of_user(tx, &username, &application_id)?.iter().any(|d| d.role == DeviceRole::Primary);
            let pushes = auths::pending_pushes(tx, &id, now_ms)?;
            Ok(pushes.iter().map(|row| push_request(row, has_primary)).collect::<Vec<_>>())
        })
    };
    let peek = || {
        let (id, now_ms) = (device.id.clone(), state.now_ms());
        state.db.read(move |conn| Ok(auths::has_pending_push(conn, &id, now_ms)?))
    };
    let pending = until_found(waiting, wait, state.poll_recheck(), take, peek).await?;
    Ok(Json(pending))
}

/// `POST /pushes/{authenticationId}`: the approving device's answer.
#[tracing::instrument(name = "answer_push", skip_all, fields(fingerprint = %call.fingerprint(), authentication = %authentication_id, action))]
pub async fn answer(
    State(state): State<SdkState>,
    Path(authentication_id): Path<String>,
    call: DeviceCall,
) -> ApiResult<Json<Authentication>> {
    let device = call.verify_paired(&state).await?;
    let answer: PushAnswer = call.json()?;
    tracing::Span::current().record("action", tracing::field::debug(answer.action));
    let now_ms = state.now_ms();
    let st = state.clone();
    let auth = state
        .db
        .write(move |tx| {
            let mut row = auths::get(tx, &authentication_id)?
                .filter(|a| a.approving_device_id.as_deref() == Some(device.id.as_str()) && now_ms < a.session_expires)
                .ok_or_else(|| ApiError::not_found("authentication"))?;
            row.settle(now_ms);
            if row.status != Status::InProgress {
                return Err(ApiError::not_in_state("status", "the push is no longer waiting for an answer"));
            }
            let app_settings = settings::get(tx, &row.application_id)?.unwrap_or_else(settings::defaults);
            match (answer.action, Pick::of(row.match_number, answer.number)) {
                (PushAction::Approve, Pick::Missing) => return Err(ApiError::invalid_value("number", Pick::MISSING)),
                (PushAction::Approve, Pick::Wrong) => {
                    tracing::warn!("the approving device picked the wrong number");
                    row.decide(Status::Rejected, Some(Reason::WrongNumber), Level::None, now_ms);
                }
                (PushAction::Approve, Pick::Right | Pick::NotAsked) => {
                    row.decide(Status::Approved, None, Level::Push, now_ms);
                    let choice = answer.trust_level.map(|level| (level, answer.ignore_interval));
                    new_device::grant(tx, &st, &app_settings, &mut row, choice, now_ms)?;
                    auths::record_approval(tx, &row, now_ms)?;
                }
                (PushAction::Deny, _) => row.decide(Status::Rejected, Some(Reason::DeniedByUser), Level::None, now_ms),
                (PushAction::Block, _) => {
                    row.decide(Status::Rejected, Some(Reason::BlockedByUser), Level::None, now_ms);
                    if let Some(fp) = row.requesting_fingerprint() {
                        fingerprints::block(tx, &row.username, &row.application_id, fp, now_ms)?;
                    }
                }
            }
            auths::update(tx, &row)?;
            Ok(row.to_wire(u32::from(app_settings.otp_max_failures)))
        })
        .await?;
    tracing::info!(status = ?auth.status, "push answered");
    Ok(Json(auth))
}
