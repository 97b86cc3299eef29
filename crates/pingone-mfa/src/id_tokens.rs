//! The ID tokens PingOne issues for automatic pairing, and the key they verify under.
//!
//! PingOne's adapter answers MOBILE_PAIRING_REQUIRED with "the PingOne ID token" (PingOne MFA
//! integration kit, https://docs.pingidentity.com/integrations/pingone/pingone_mfa_integration_kit/pf_p1_mfa_ik_models,_objects,_and_error_codes.html),
//! issued by the environment's authorization server `{pingone}/{envId}/as`, whose keys PingOne
//! publishes at `/{envId}/as/jwks`. PingOne signs with RS256; the emulator with the Ed25519 key
//! it already holds (`alg: EdDSA`, RFC 8037).

use axum::extract::{Path, State as Shared};
use axum::Json;
use moderno_crypto::b64url;
use moderno_wire::pingfederate::{Jwk, Jwks};
use moderno_wire::pingone::PairingIdTokenClaims;
use serde_json::json;

use crate::requests::check_environment;
use crate::shapes::auth_base;
use crate::{ApiError, State};

/// `{pingone}/{envId}/as`: the issuer of the environment's tokens.
pub fn issuer(state: &State) -> String {
    format!("{}/as", auth_base(state))
}

fn key_id(state: &State) -> String {
    state.0.server_key.fingerprint()
}

/// A compact JWS of `claims`: `{"alg":"EdDSA","typ":"JWT","kid":...}`.
pub fn sign(state: &State, claims: &PairingIdTokenClaims) -> String {
    let header = b64url(json!({"alg": "EdDSA", "typ": "JWT", "kid": key_id(state)}).to_string().as_bytes());
    let body = b64url(&serde_json::to_vec(claims).unwrap_or_default());
    let signature = state.0.server_key.sign(format!("{header}.{body}").as_bytes());
    format!("{header}.{body}.{signature}")
}

/// `GET /{envId}/as/jwks`: the keys the environment's tokens verify under (no token needed).
pub async fn jwks(Shared(state): Shared<State>, Path(env): Path<String>) -> Result<Json<Jwks>, ApiError> {
    check_environment(&state, &env)?;
    Ok(Json(Jwks {
        keys: vec![Jwk {
            kty: "OKP".into(),
            crv: "Ed25519".into(),
            x: state.0.server_key.public_key_b64(),
            kid: key_id(&state),
            alg: "EdDSA".into(),
            key_use: "sig".into(),
        }],
    }))
}
