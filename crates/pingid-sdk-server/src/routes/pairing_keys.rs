//! Manual pairing keys: `XXXX-XXXX-XXXX` from RFC 8628's consonants (about 52 bits), shown once,
//! stored as a peppered hash under a reference id (the `Location` of the created key).

use axum::extract::{Path, State};
use axum::http::header::LOCATION;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::Json;
use moderno_crypto::pairing_key;
use moderno_wire::sdk::{PairingKey, PairingKeyRequest, PairingKeyStatus};
use serde::Deserialize;

use crate::body::JsonBody;
use crate::error::{ApiError, ApiResult};
use crate::scope::Application;
use crate::state::SdkState;
use crate::store::pairing_keys::{self, PairingKeyRow};
use crate::timestamps::{ms, rfc3339};

/// Outstanding (unclaimed, unexpired) keys per pairing data.
const MAX_OUTSTANDING: u32 = 20;
const MAX_PAIRING_DATA_CHARS: usize = 256;

#[derive(Debug, Deserialize)]
pub struct KeyPath {
    reference: String,
}

#[tracing::instrument(name = "create_pairing_key", skip_all, fields(pairing_data = %body.pairing_data))]
pub async fn create(
    State(state): State<SdkState>,
    app: Application,
    uri: axum::extract::OriginalUri,
    JsonBody(body): JsonBody<PairingKeyRequest>,
) -> ApiResult<(StatusCode, HeaderMap, Json<PairingKey>)> {
    let data = body.pairing_data.trim().to_string();
    if data.is_empty() || data.chars().count() > MAX_PAIRING_DATA_CHARS || data.chars().any(char::is_control) {
        return Err(ApiError::invalid_value(
            "pairingData",
            "pairingData is 1 to 256 printable characters, e.g. user:<username> or group:<name>",
        ));
    }
    let now_ms = state.now_ms();
    let key = pairing_key::generate(|| state.entropy.below(20));
    let canonical = pairing_key::normalize(&key).ok_or_else(|| ApiError::internal("a generated pairing key did not normalize"))?;
    let row = PairingKeyRow {
        reference: state.entropy.uuid(),
        key_hash: state.secrets.pepper.hash(&canonical),
        application_id: app.id,
        pairing_data: data,
        status: PairingKeyStatus::NotClaimed,
        created: now_ms,
        expires: now_ms + ms(state.config.pairing_key_lifetime),
    };
    let stored = row.clone();
    state
        .db
        .write(move |tx| {
            let outstanding = pairing_keys::count_outstanding(tx, &stored.application_id, &stored.pairing_data, now_ms)?;
            if outstanding >= MAX_OUTSTANDING {
                return Err(ApiError::too_many("20 pairing keys for this pairing data are still unclaimed"));
            }
            Ok(pairing_keys::insert(tx, &stored)?)
        })
        .await?;
    tracing::info!(reference = %row.reference, "pairing key issued");
    let mut headers = HeaderMap::new();
    let location = format!("{}/{}", uri.path(), row.reference);
    if let Ok(value) = HeaderValue::from_str(&location) {
        headers.insert(LOCATION, value);
    }
    let answer = PairingKey {
        id: key,
        status: PairingKeyStatus::NotClaimed,
        pairing_data: row.pairing_data,
        expires_at: rfc3339(row.expires),
    };
    Ok((StatusCode::CREATED, headers, Json(answer)))
}

#[tracing::instrument(name = "get_pairing_key", skip_all, fields(reference = %path.reference))]
pub async fn get(
    State(state): State<SdkState>,
    app: Application,
    Path(path): Path<KeyPath>,
) -> ApiResult<Json<PairingKey>> {
    let now_ms = state.now_ms();
    let row = state
        .db
        .read(move |conn| {
            pairing_keys::by_reference(conn, &app.id, &path.reference)?.ok_or_else(|| ApiError::not_found("pairingKey"))
        })
        .await?;
    Ok(Json(PairingKey {
        id: row.reference.clone(),
        status: row.status_at(now_ms),
        pairing_data: row.pairing_data,
        expires_at: rfc3339(row.expires),
    }))
}
