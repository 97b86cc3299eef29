//! Registration tokens: the step that lets a device pair with a user (design, steps 1-9), for a
//! user who is not active, or with `ignoreValidation` ([D-RT]; [S-HELP]
//! `createRegistrationTokenForNonActiveUser`). Statuses as Ping names them: `not_claimed`,
//! `active`, `invalidated` ([D-RT], [RN-2020]).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::Duration;
use moderno_crypto::{b64url, pairing_key, payload};
use moderno_sql::Conn;
use moderno_wire::payload::{ServerFlow, ServerPayloadClaims, TrustLevel, PAYLOAD_VERSION};
use moderno_wire::sdk::{
    ApplicationSettings, DetailCode, DeviceRole, PairingMode, RegistrationToken, RegistrationTokenRequest,
    RegistrationTokenStatus,
};
use serde::Deserialize;

use super::{existing_user, usable_user, UserPath};
use crate::body::JsonBody;
use crate::error::{ApiError, ApiResult};
use crate::mobile_payload::{self, DevicePayload};
use crate::scope::Application;
use crate::state::SdkState;
use crate::store::fingerprints::{self, Ignored};
use crate::store::registration_tokens::{self as tokens, TokenRow};
use crate::store::{devices, pairing_keys};
use crate::timestamps::{ms, rfc3339};

/// Failed pairing-key redemptions allowed per user in [`FAILURE_WINDOW_MINUTES`]: with ~52-bit
/// keys living 10 minutes, 10 guesses per key lifetime leave odds near 2^-49 (security numbers:
/// near 2^-32 or better).
const MAX_KEY_FAILURES: u32 = 10;
const FAILURE_WINDOW_MINUTES: i64 = 10;

#[derive(Debug, Deserialize)]
pub struct TokenPath {
    username: String,
    token_id: String,
}

#[tracing::instrument(name = "registration_token", skip_all, fields(username = ?path.username, fingerprint))]
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
fn issue_token(tx: &Conn<'_>, state: &SdkState, app: &Application, asked: Asked) -> ApiResult<RegistrationToken> {
    let Asked { username, request, opened, id, secret, expires, now_ms } = asked;
    let username = username.as_str();
    usable_user(tx, username)?;
    let payload = opened?;
    let claims = &payload.claims;
    let fp = claims.device_fingerprint.as_str();
    if claims.rooted || state.config.faults.is_on(moderno_ambient::Fault::RootedDevice) {
        return Err(ApiError::rooted_device());
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
        return Err(ApiError::already_exists("payload", format!("the device is already paired with {whose}")));
    }
    let user_devices = devices::of_user(tx, username, &app.id)?;
    if !user_devices.is_empty() {
        // An ACTIVE user's new device pairs through an authentication approved by a trusted one,
        // or with `ignoreValidation` — never a token of its own ([D-RT], [S-HELP]).
        if !request.ignore_validation {
            return Err(ApiError::refused(
                DetailCode::DeviceMustBeTrusted,
                "the user has devices: a new device is approved by one of them (or the request sets ignoreValidation)",
            ));
        }
    } else if let Some(typed) = request.pairing_key.as_deref() {
        redeem_pairing_key(tx, &app.id, username, typed, state, now_ms)?;
    } else if app.settings.pairing_mode == PairingMode::Manual {
        return Err(ApiError::required_value("pairingKey", "this application pairs a first device with a pairing key"));
    }
    check_device_limit(&app.settings, user_devices.len())?;
    mobile_payload::claim_nonce(tx, &payload, username, &app.id, now_ms)?;

    // "invalidated ... because the user started a new registration for the same application" ([D-RT]).
    tokens::invalidate_unclaimed(tx, username, &app.id)?;
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
            status: RegistrationTokenStatus::NotClaimed,
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
        status: RegistrationTokenStatus::NotClaimed,
    })
}

/// The application's device limit (default 5, 1 to 15: [D-SET]): 400 `REQUEST_FAILED` detail
/// `SIZE_LIMIT_EXCEEDED` target `devices`.
pub fn check_device_limit(settings: &ApplicationSettings, device_count: usize) -> ApiResult<()> {
    let max = settings.max_devices_per_user;
    if device_count >= usize::from(max) {
        return Err(ApiError::collection_full(
            "devices",
            format!("the user already has the most devices allowed ({max})"),
        ));
    }
    Ok(())
}

/// Claims a pairing key for `username`, counting failures against the per-user limit. Any
/// unclaimed, unexpired key of the application (or account) will do: binding a key to a user or
/// group is the customer server's business ([D-PK]).
fn redeem_pairing_key(
    tx: &Conn<'_>,
    app: &str,
    username: &str,
    typed: &str,
    state: &SdkState,
    now_ms: i64,
) -> ApiResult<()> {
    let window = ms(Duration::minutes(FAILURE_WINDOW_MINUTES));
    if pairing_keys::count_recent_failures(tx, username, app, now_ms - window)? >= MAX_KEY_FAILURES {
        let oldest = pairing_keys::oldest_recent_failure(tx, username, app, now_ms - window)?.unwrap_or(now_ms);
        return Err(ApiError::retry_limit(format!(
            "too many wrong pairing keys for this user ({MAX_KEY_FAILURES} in {FAILURE_WINDOW_MINUTES} minutes): try again after {}",
            rfc3339(oldest + window + 999)
        )));
    }
    let used_anyway = state.config.faults.is_on(moderno_ambient::Fault::PairingKeyUsed);
    let redeemed = match pairing_key::normalize(typed) {
        Some(_) if used_anyway => false,
        Some(canonical) => pairing_keys::redeem(tx, app, &state.secrets.pepper.hash(&canonical), username, now_ms)?,
        None => false,
    };
    if !redeemed {
        pairing_keys::record_failure(tx, username, app, now_ms)?;
        return Err(ApiError::invalid_value("pairingKey", "the pairing key is not valid (unknown, used or expired)")
            .committing());
    }
    Ok(())
}

#[tracing::instrument(name = "get_registration_token", skip_all, fields(username = ?path.username, token = %path.token_id))]
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
    Ok(Json(RegistrationToken { id: token.id.clone(), payload: None, status: token.status_at(now_ms) }))
}
