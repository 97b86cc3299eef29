//! Manual pairing keys ([D-PK]): `POST` creates one for a `pairingData` saved exactly as sent, and
//! answers `{id, status, pairingData}` where `id` is the key itself; `GET .../pairingkeys/{id}`
//! reads it back by the key. Keys are `XXXX-XXXX-XXXX` from RFC 8628's consonants (about 52 bits;
//! Ping publishes no format) and are stored as peppered hashes. Both the application-scope and the
//! account-scope forms exist.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use moderno_crypto::pairing_key;
use moderno_wire::sdk::{PairingKey, PairingKeyRequest, PairingKeyStatus};
use serde::Deserialize;

use crate::body::JsonBody;
use crate::error::{ApiError, ApiResult};
use crate::scope::{Account, Application};
use crate::state::SdkState;
use crate::store::pairing_keys::{self, PairingKeyRow, ACCOUNT_WIDE};
use crate::timestamps::{ms, rfc3339};

/// Outstanding (unclaimed, unexpired) keys per pairing data: a customer server that loops cannot
/// fill the table.
const MAX_OUTSTANDING: u32 = 20;
const MAX_PAIRING_DATA_CHARS: usize = 256;

#[derive(Debug, Deserialize)]
pub struct KeyPath {
    key: String,
}

/// `POST {P}/pairingkeys`.
#[tracing::instrument(name = "create_pairing_key", skip_all)]
pub async fn create(
    State(state): State<SdkState>,
    app: Application,
    JsonBody(body): JsonBody<PairingKeyRequest>,
) -> ApiResult<(StatusCode, Json<PairingKey>)> {
    issue(&state, app.id, body).await
}

/// `POST {A}/pairingkeys`: a key for any application of the account.
#[tracing::instrument(name = "create_account_pairing_key", skip_all)]
pub async fn create_in_account(
    State(state): State<SdkState>,
    _account: Account,
    JsonBody(body): JsonBody<PairingKeyRequest>,
) -> ApiResult<(StatusCode, Json<PairingKey>)> {
    issue(&state, ACCOUNT_WIDE.to_string(), body).await
}

async fn issue(
    state: &SdkState,
    application_id: String,
    body: PairingKeyRequest,
) -> ApiResult<(StatusCode, Json<PairingKey>)> {
    // Saved as is ([D-PK]): no trimming, no reading of what it says.
    let data = body.pairing_data;
    if data.is_empty() {
        return Err(ApiError::empty_value("pairingData", "pairingData is empty"));
    }
    if data.chars().count() > MAX_PAIRING_DATA_CHARS {
        return Err(ApiError::size_limit(
            "pairingData",
            format!("pairingData is at most {MAX_PAIRING_DATA_CHARS} characters"),
        ));
    }
    let now_ms = state.now_ms();
    let key = pairing_key::generate(|| state.entropy.below(20));
    let canonical =
        pairing_key::normalize(&key).ok_or_else(|| ApiError::internal("a generated pairing key did not normalize"))?;
    let row = PairingKeyRow {
        reference: state.entropy.uuid(),
        key_hash: state.secrets.pepper.hash(&canonical),
        application_id,
        pairing_data: data,
        status: PairingKeyStatus::NotClaimed,
        created: now_ms,
        expires: now_ms + ms(state.config.pairing_key_lifetime),
    };
    let stored = row.clone();
    state
        .db
        .write(move |tx| {
            let (app, data) = (&stored.application_id, &stored.pairing_data);
            if pairing_keys::count_outstanding(tx, app, data, now_ms)? >= MAX_OUTSTANDING {
                let free_at = pairing_keys::first_outstanding_expiry(tx, app, data, now_ms)?.unwrap_or(now_ms);
                return Err(ApiError::retry_limit(format!(
                    "{MAX_OUTSTANDING} pairing keys for this pairing data are still unclaimed: try again after {}",
                    rfc3339(free_at + 999)
                )));
            }
            Ok(pairing_keys::insert(tx, &stored)?)
        })
        .await?;
    tracing::info!(reference = %row.reference, "pairing key issued");
    let answer = PairingKey { id: key, status: PairingKeyStatus::NotClaimed, pairing_data: row.pairing_data };
    Ok((StatusCode::CREATED, Json(answer)))
}

/// `GET {P}/pairingkeys/{key}`: "Retrieve PairingKey" by its id, which is the key ([D-PK]); case,
/// spaces and dashes do not matter. Unknown, malformed or expired: 404 target `pairingKey`.
#[tracing::instrument(name = "get_pairing_key", skip_all)]
pub async fn get(
    State(state): State<SdkState>,
    app: Application,
    Path(path): Path<KeyPath>,
) -> ApiResult<Json<PairingKey>> {
    read(&state, app.id, &path.key).await
}

/// `GET {A}/pairingkeys/{key}`: an account-scope key.
#[tracing::instrument(name = "get_account_pairing_key", skip_all)]
pub async fn get_in_account(
    State(state): State<SdkState>,
    _account: Account,
    Path(path): Path<KeyPath>,
) -> ApiResult<Json<PairingKey>> {
    read(&state, ACCOUNT_WIDE.to_string(), &path.key).await
}

async fn read(state: &SdkState, application_id: String, typed: &str) -> ApiResult<Json<PairingKey>> {
    let canonical = pairing_key::normalize(typed).ok_or_else(|| ApiError::not_found("pairingKey"))?;
    let hash = state.secrets.pepper.hash(&canonical);
    let now_ms = state.now_ms();
    let used_anyway = state.config.faults.is_on(moderno_ambient::Fault::PairingKeyUsed);
    let row = state
        .db
        .read(move |conn| Ok(pairing_keys::by_hash(conn, &application_id, &hash)?))
        .await?
        .filter(|row| row.is_visible_at(now_ms))
        .ok_or_else(|| ApiError::not_found("pairingKey"))?;
    Ok(Json(PairingKey {
        id: pairing_key::format_key(&canonical),
        // The QA switch "pairing keys read as used" holds here as at redemption.
        status: if used_anyway { PairingKeyStatus::Used } else { row.status },
        pairing_data: row.pairing_data,
    }))
}
