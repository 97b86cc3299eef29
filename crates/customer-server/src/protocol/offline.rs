//! `auth_offline_user`: the one-time passcode shown on a trusted device, for a login whose
//! approving device is offline (1015) or did not answer the push (1016).

use moderno_wire::moderno::{ModernoRequest, ModernoResponse, Status};
use moderno_wire::sdk::OtpRequest;

use crate::error::{Answer, ForUser as _};
use crate::protocol::outcome::answer_authentication;
use crate::protocol::polling::{authentication_id, open_session};
use crate::protocol::{non_empty, required};
use crate::state::CustomerState;

pub(super) async fn auth_offline_user(state: &CustomerState, request: &ModernoRequest) -> Answer {
    let otp = required(&request.otp, "otp")?.trim().to_owned();
    if otp.len() != 6 || !otp.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(ModernoResponse::new(Status::InvalidInput, "the field `otp` must be the 6-digit one-time passcode"));
    }
    let (id, session) = open_session(state, request).await?;
    let username = session.username.clone();
    // The app's fresh payload, with its trust choice folded in (Ping's apps call
    // `updateExistingPayloadWithUserSelection` before `auth_offline_user`), goes with the passcode:
    // the answer's server payload then pairs the device.
    let submit = OtpRequest { otp, payload: non_empty(&request.ping_id_payload).map(str::to_owned) };
    let auth = match state.sdk.submit_otp(&username, &authentication_id(&session)?, &submit).await {
        Err(e) if e.is_not_in_state() => {
            let text = "the authentication is not waiting for a one-time passcode";
            return Ok(ModernoResponse::new(Status::NotInOfflineMode, text));
        }
        other => other.for_user(&username)?,
    };
    answer_authentication(state, &id, &session, auth).await
}
