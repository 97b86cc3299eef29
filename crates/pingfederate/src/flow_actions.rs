//! The actions outside the second factor itself: the first factor, continuing after pairing or
//! MFA (which decides `pingone.mfa.status` and issues the code), and cancelling. Each mutates a
//! copy of the flow record; the caller saves it only on success.

use moderno_sql::{params, OptionalExtension as _};
use moderno_wire::pingfederate::{
    CheckUsernamePassword, FlowStatus, MFA_STATUS_DEVICE_NOT_PAIRED, MFA_STATUS_DEVICE_PAIRED, MFA_STATUS_PAIRING_ERROR,
};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::AuthnApiError;
use crate::first_factor::{self, Verdict};
use crate::flow::FlowRecord;
use crate::oauth::complete_flow;
use crate::{mfa_actions, State};

/// Reads an action's body as `T`; a mismatch is a validation error.
pub fn body_as<T: DeserializeOwned>(body: Value) -> Result<T, AuthnApiError> {
    serde_json::from_value(body)
        .map_err(|e| AuthnApiError::field("INVALID_VALUE", "", &e.to_string(), "Please check what you entered."))
}

pub async fn run(state: &State, record: &mut FlowRecord, action: &str, body: Value) -> Result<(), AuthnApiError> {
    match action {
        "checkUsernamePassword" => check_username_password(state, record, body_as(body)?).await,
        "continueAuthentication" => continue_authentication(state, record).await,
        "cancelAuthentication" => {
            record.fail("AUTHENTICATION_CANCELED", "the user canceled the authentication");
            tracing::info!("flow canceled");
            Ok(())
        }
        _ => mfa_actions::run(state, record, action, body).await,
    }
}

const WRONG_CREDENTIALS: &str = "We didn't recognize the username or password you entered. Please try again.";
const LOCKED: &str = "Too many failed sign-in attempts: this account is locked. Please contact your administrator.";

#[tracing::instrument(name = "check_username_password", skip_all, fields(user = ?creds.username))]
async fn check_username_password(
    state: &State,
    record: &mut FlowRecord,
    creds: CheckUsernamePassword,
) -> Result<(), AuthnApiError> {
    let username = creds.username.trim().to_string();
    if username.is_empty() {
        return Err(AuthnApiError::field(
            "REQUIRED_VALUE",
            "username",
            "username is required",
            "Please enter your username.",
        ));
    }
    if creds.password.is_empty() {
        return Err(AuthnApiError::field(
            "REQUIRED_VALUE",
            "password",
            "password is required",
            "Please enter your password.",
        ));
    }
    match first_factor::check(state, &username, &creds.password).await? {
        Verdict::Passed => {}
        Verdict::WrongCredentials => {
            return Err(AuthnApiError::field(
                "CREDENTIAL_VALIDATION_FAILED",
                "password",
                "invalid username or password",
                WRONG_CREDENTIALS,
            ));
        }
        // Ping publishes no answer of the authentication API for a throttled or locked name: the
        // refusal of a wrong password, in words that say what to do.
        Verdict::BackingOff { retry_in_secs } => {
            let message = format!("too many failed attempts; nothing is checked for {retry_in_secs} s");
            let words = format!("Too many failed sign-in attempts. Please wait {retry_in_secs} seconds and try again.");
            return Err(AuthnApiError::field("CREDENTIAL_VALIDATION_FAILED", "password", &message, &words));
        }
        Verdict::Locked => {
            return Err(AuthnApiError::field(
                "CREDENTIAL_VALIDATION_FAILED",
                "password",
                "locked after too many failed attempts",
                LOCKED,
            ));
        }
    }
    let now = chrono::DateTime::from_timestamp(state.now(), 0)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let name = username.clone();
    record.last_login = state
        .db()
        .tx(move |tx| {
            let previous: Option<String> =
                tx.query_row("SELECT at FROM sign_ons WHERE username = ?1", params![name], |r| r.get(0)).optional()?;
            tx.execute(
                "INSERT INTO sign_ons (username, at) VALUES (?1, ?2) ON CONFLICT (username) DO UPDATE SET at = excluded.at",
                params![name, now],
            )?;
            Ok(previous)
        })
        .await?;
    let user_id = state.pingone().ensure_user(&username).await?;
    record.devices = mfa_actions::accept(state.pingone().devices(&user_id).await?)?;
    record.user_id = Some(user_id);
    record.username = Some(username);
    record.status = FlowStatus::AuthenticationRequired;
    tracing::info!(devices = record.devices.len(), "first factor passed");
    Ok(())
}

/// After MOBILE_PAIRING_REQUIRED: what became of the pairing, read from PingOne's Platform API.
/// The user's devices (`GET .../users/{userId}/devices`) hold the MOBILE device the ID token named:
/// `device_paired`. Otherwise the device authentication (`GET .../deviceAuthentications/{id}`)
/// still offers the token (the app ignored it: `device_not_paired`) or no longer does (the SDK's
/// approval failed or came too late: `pairing_error`). PingOne out of reach is a `pairing_error`;
/// the flow succeeds either way.
async fn pairing_outcome(state: &State, record: &mut FlowRecord) -> &'static str {
    let (Some(user), Some(device_id)) = (record.username.clone(), record.pairing_id.clone()) else {
        return MFA_STATUS_PAIRING_ERROR;
    };
    let user_id = match state.pingone().user_id(&user).await {
        Ok(id) => id,
        Err(error) => {
            tracing::warn!(%error, "PingOne user unavailable");
            return MFA_STATUS_PAIRING_ERROR;
        }
    };
    match state.pingone().devices(&user_id).await {
        Ok(Ok(devices)) => {
            let paired = devices.iter().any(|d| d.id == device_id);
            record.devices = devices;
            if paired {
                return MFA_STATUS_DEVICE_PAIRED;
            }
            let Some(auth_id) = record.device_auth_id.clone() else { return MFA_STATUS_PAIRING_ERROR };
            match state.pingone().authentication(&auth_id).await {
                Ok(Ok(auth)) if auth.id_token.is_some() => MFA_STATUS_DEVICE_NOT_PAIRED,
                Ok(Ok(_)) => MFA_STATUS_PAIRING_ERROR,
                Ok(Err(refusal)) => {
                    tracing::warn!(code = %refusal.code, "the device authentication was refused");
                    MFA_STATUS_PAIRING_ERROR
                }
                Err(error) => {
                    tracing::warn!(%error, "the device authentication is unavailable");
                    MFA_STATUS_PAIRING_ERROR
                }
            }
        }
        Ok(Err(refusal)) => {
            tracing::warn!(code = %refusal.code, "the user's devices were refused");
            MFA_STATUS_PAIRING_ERROR
        }
        Err(error) => {
            tracing::warn!(%error, "the user's devices are unavailable");
            MFA_STATUS_PAIRING_ERROR
        }
    }
}

async fn continue_authentication(state: &State, record: &mut FlowRecord) -> Result<(), AuthnApiError> {
    if record.status == FlowStatus::MobilePairingRequired {
        let outcome = pairing_outcome(state, &mut *record).await;
        tracing::info!(mfa_status = outcome, "pairing step finished");
        record.mfa_status = Some(outcome.to_string());
        record.server_payload = None;
    }
    complete_flow(state, record).await
}
