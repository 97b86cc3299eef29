//! Registration tokens: the step that lets a device pair with a user (design, steps 1-9).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::Duration;
use moderno_crypto::{b64url, pairing_key, payload};
use moderno_wire::payload::{ServerFlow, ServerPayloadClaims, TrustLevel, PAYLOAD_VERSION};
use moderno_wire::sdk::{
    ApplicationSettings, DetailCode, DeviceRole, PairingMode, RegistrationToken, RegistrationTokenRequest,
    RegistrationTokenStatus,
};
use rusqlite::Connection;
use serde::Deserialize;

use super::{existing_user, usable_user, UserPath};
use crate::body::JsonBody;
use crate::error::{ApiError, ApiResult};
use crate::mobile_payload::{self, DevicePayload};
use crate::scope::Application;
use crate::state::SdkState;
use crate::store::fingerprints::{self, Ignored};
use crate::store::registration_tokens::{self as tokens, TokenRow};
use crate::store::{authentications, devices, pairing_keys};
use crate::timestamps::{ms, rfc3339};

/// How long an approved authentication lets its device be issued a token without `ignoreValidation`.
const APPROVAL_VALID_MINUTES: i64 = 20;
/// Failed pairing-key redemptions allowed per user in [`FAILURE_WINDOW_MINUTES`].
const MAX_KEY_FAILURES: u32 = 10;
const FAILURE_WINDOW_MINUTES: i64 = 10;

#[derive(Debug, Deserialize)]
pub struct TokenPath {
    username: String,
    token_id: String,
}

#[tracing::instrument(name = "registration_token", skip_all, fields(username = %path.username, fingerprint))]
pub async fn create(
    State(state): State<SdkState>,
    app: Application,
    Path(path): Path<UserPath>,
    JsonBody(request): JsonBody<RegistrationTokenRequest>,
) -> ApiResult<(StatusCode, Json<RegistrationToken>)> {
    let now_ms = state.now_ms();
    let opened = mobile_payload::open(request.payload.as_deref(), now_ms);
    let asked = Asked {
        username: path.username,
        request,
        opened,
        id: state.entropy.uuid(),
        secret: b64url(&state.entropy.bytes::<16>()),
        expires: now_ms + ms(state.config.registration_token_lifetime),
        now_ms,
    };
    let st = state.clone();
    let token = state
        .db
        .write(move |tx| issue_token(tx, &st, &app, asked))
        .await
        .inspect_err(|e| tracing::info!(detail = ?e.detail_code(), "registration token refused"))?;
    tracing::info!(token = %token.id, "registration token issued");
    Ok((StatusCode::CREATED, Json(token)))
}

/// A token request with what the server drew for it before the transaction.
struct Asked {
    username: String,
    request: RegistrationTokenRequest,
    opened: ApiResult<DevicePayload>,
    id: String,
    secret: String,
    expires: i64,
    now_ms: i64,
}

/// Runs inside one transaction: every check, then the token. Only a failed pairing-key guess
/// writes anything before refusing (its refusal commits).
fn issue_token(tx: &Connection, state: &SdkState, app: &Application, asked: Asked) -> ApiResult<RegistrationToken> {
    let Asked { username, request, opened, id, secret, expires, now_ms } = asked;
    let username = username.as_str();
    usable_user(tx, username)?;
    let payload = opened?;
    let claims = &payload.claims;
    let fp = claims.device_fingerprint.as_str();
    if claims.rooted || state.config.faults.is_on(moderno_ambient::Fault::RootedDevice) {
        return Err(ApiError::refused(DetailCode::DeviceRooted, "the device is rooted"));
    }
    if fingerprints::is_blocked(tx, username, &app.id, fp)? {
        return Err(ApiError::refused(DetailCode::DeviceBlocked, "the device is blocked for this user"));
    }
    if let Some(ignored) = fingerprints::ignored_now(tx, username, &app.id, fp, now_ms)? {
        let until = match ignored {
            Ignored::Until(t) => format!("until {}", rfc3339(t)),
            Ignored::Forever => "permanently".to_string(),
        };
        return Err(ApiError::refused(DetailCode::DeviceIgnored, format!("the device is ignored {until}")));
    }
    if let Some(paired) = devices::by_fingerprint(tx, fp)? {
        let whose = if paired.username == username { "this user" } else { "another user" };
        return Err(ApiError::refused(DetailCode::ResourceAlreadyExists, format!("the device is already paired with {whose}")));
    }
    let user_devices = devices::of_user(tx, username, &app.id)?;
    if !user_devices.is_empty() {
        let since = now_ms - ms(Duration::minutes(APPROVAL_VALID_MINUTES));
        if !request.ignore_validation && !authentications::approved_since(tx, username, &app.id, fp, since)? {
            return Err(ApiError::refused(
                DetailCode::DeviceMustBeTrusted,
                "the user has devices: authenticate this device with one of them first",
            ));
        }
    } else if let Some(typed) = request.pairing_key.as_deref() {
        redeem_pairing_key(tx, &app.id, username, typed, state, now_ms)?;
    } else if app.settings.pairing_mode == PairingMode::Manual {
        return Err(ApiError::refused(DetailCode::PairingKeyRequired, "this application pairs a first device with a pairing key"));
    }
    check_device_limit(&app.settings, user_devices.len())?;
    mobile_payload::claim_nonce(tx, &payload, username, &app.id, now_ms)?;

    let has_primary = user_devices.iter().any(|d| d.role == DeviceRole::Primary);
    let trust_levels = if has_primary {
        vec![TrustLevel::Trusted, TrustLevel::Ignore]
    } else {
        vec![TrustLevel::Primary, TrustLevel::Trusted, TrustLevel::Ignore]
    };
    tokens::insert(
        tx,
        &TokenRow {
            id: id.clone(),
            secret_hash: state.secrets.pepper.hash(&secret),
            username: username.to_string(),
            application_id: app.id.clone(),
            fingerprint: fp.to_string(),
            public_key: payload.public_key.to_b64(),
            device_type: claims.device_type,
            device_name: claims.device_name.clone(),
            os_version: claims.os_version.clone(),
            trust_levels: trust_levels.clone(),
            status: RegistrationTokenStatus::Pending,
            created: now_ms,
            expires,
        },
    )?;
    let server_payload = ServerPayloadClaims {
        v: PAYLOAD_VERSION,
        account_id: state.config.account_id.clone(),
        application_id: app.id.clone(),
        username: username.to_string(),
        device_fingerprint: fp.to_string(),
        device_api_url: state.config.device_api_url(),
        flow: ServerFlow::TrustLevels {
            registration_token_id: id.clone(),
            registration_token_secret: secret,
            trust_levels,
        },
        expires_at: expires.div_euclid(1000),
    };
    Ok(RegistrationToken {
        id,
        payload: Some(payload::seal(&server_payload, &state.secrets.payload_key)),
        status: RegistrationTokenStatus::Pending,
        expires_at: rfc3339(expires),
    })
}

pub fn check_device_limit(settings: &ApplicationSettings, device_count: usize) -> ApiResult<()> {
    if device_count >= usize::from(settings.max_devices_per_user) {
        return Err(ApiError::refused(DetailCode::DeviceLimitReached, "the user has the most devices allowed"));
    }
    Ok(())
}

/// Claims a pairing key for `username`, counting failures against the per-user limit.
fn redeem_pairing_key(tx: &Connection, app: &str, username: &str, typed: &str, state: &SdkState, now_ms: i64) -> ApiResult<()> {
    let since = now_ms - ms(Duration::minutes(FAILURE_WINDOW_MINUTES));
    if pairing_keys::count_recent_failures(tx, username, app, since)? >= MAX_KEY_FAILURES {
        return Err(ApiError::too_many("too many wrong pairing keys: try again in a few minutes"));
    }
    let used_anyway = state.config.faults.is_on(moderno_ambient::Fault::PairingKeyUsed);
    let redeemed = match pairing_key::normalize(typed) {
        Some(_) if used_anyway => false,
        Some(canonical) => pairing_keys::redeem(tx, app, &state.secrets.pepper.hash(&canonical), username, now_ms)?,
        None => false,
    };
    if !redeemed {
        pairing_keys::record_failure(tx, username, app, now_ms)?;
        return Err(ApiError::refused(
            DetailCode::InvalidPairingKey,
            "the pairing key is not valid (unknown, used, expired or issued for someone else)",
        )
        .committing());
    }
    Ok(())
}

#[tracing::instrument(name = "get_registration_token", skip_all, fields(username = %path.username, token = %path.token_id))]
pub async fn get(
    State(state): State<SdkState>,
    app: Application,
    Path(path): Path<TokenPath>,
) -> ApiResult<Json<RegistrationToken>> {
    let now_ms = state.now_ms();
    let token = state
        .db
        .read(move |conn| {
            existing_user(conn, &path.username)?;
            tokens::get(conn, &path.token_id)?
                .filter(|t| t.username == path.username && t.application_id == app.id)
                .ok_or_else(|| ApiError::not_found("registrationToken"))
        })
        .await?;
    Ok(Json(RegistrationToken {
        id: token.id.clone(),
        payload: None,
        status: token.status_at(now_ms),
        expires_at: rfc3339(token.expires),
    }))
}
