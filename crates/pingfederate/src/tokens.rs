//! Tokens: compact JWS signed with Ed25519 (`alg: EdDSA`, RFC 8037), the key published at
//! `/pf/JWKS`, minted for a code's redemption or straight into an implicit or hybrid flow's
//! authorization response. The Ed25519 signing reuses `moderno_crypto::device_key`.

use axum::extract::State as Shared;
use axum::Json;
use moderno_crypto::b64url;
use moderno_crypto::device_key::DeviceKey;
use moderno_wire::pingfederate::{Jwk, Jwks, MFA_STATUS_ATTRIBUTE};
use serde_json::{json, Value};

use crate::State;

pub struct TokenSigner {
    key: DeviceKey,
    kid: String,
}

impl TokenSigner {
    pub fn new(seed: &[u8; 32]) -> Self {
        let key = DeviceKey::from_seed(seed);
        let kid = key.fingerprint()[..16].to_string();
        Self { key, kid }
    }

    /// `base64url(header).base64url(claims).base64url(signature)`.
    pub fn sign(&self, claims: &Value) -> String {
        let header = json!({ "alg": "EdDSA", "typ": "JWT", "kid": self.kid });
        let input = format!("{}.{}", b64url(header.to_string().as_bytes()), b64url(claims.to_string().as_bytes()));
        let signature = self.key.sign(input.as_bytes());
        format!("{input}.{signature}")
    }

    pub fn jwk(&self) -> Jwk {
        Jwk {
            kty: "OKP".into(),
            crv: "Ed25519".into(),
            x: self.key.public_key_b64(),
            kid: self.kid.clone(),
            alg: "EdDSA".into(),
            key_use: "sig".into(),
        }
    }
}

/// Whom and what tokens are for.
pub struct TokenFor<'a> {
    pub username: &'a str,
    pub client_id: &'a str,
    pub scope: &'a str,
    pub nonce: Option<&'a str>,
    /// The contract attribute `pingone.mfa.status`, when the adapter set it.
    pub mfa_status: Option<&'a str>,
}

pub struct Minted {
    pub access_token: String,
    /// With the `openid` scope.
    pub id_token: Option<String>,
    pub expires_in: i64,
}

/// An access token, and with `openid` an ID token: `iss`, `sub`, `aud`, `iat`, `exp`, `jti`,
/// `scope` and `client_id` (access token), `auth_time` and `nonce` (ID token).
pub fn mint(state: &State, to: &TokenFor<'_>) -> Minted {
    let now = state.now();
    let lifetime = state.config().token_lifetime.num_seconds();
    let issuer = state.config().public_url.trim_end_matches('/').to_string();
    let mut claims = json!({
        "iss": issuer, "sub": to.username, "aud": to.client_id, "client_id": to.client_id,
        "iat": now, "exp": now + lifetime, "scope": to.scope, "jti": state.random_token(),
    });
    if let (Some(status), Some(map)) = (to.mfa_status, claims.as_object_mut()) {
        map.insert(MFA_STATUS_ATTRIBUTE.into(), Value::String(status.to_string()));
    }
    let access_token = state.0.signer.sign(&claims);
    let id_token = to.scope.split(' ').any(|s| s == "openid").then(|| {
        let mut id_claims = claims.clone();
        if let Some(map) = id_claims.as_object_mut() {
            map.remove("scope");
            map.remove("client_id");
            map.insert("auth_time".into(), json!(now));
            if let Some(nonce) = to.nonce {
                map.insert("nonce".into(), json!(nonce));
            }
        }
        state.0.signer.sign(&id_claims)
    });
    Minted { access_token, id_token, expires_in: lifetime }
}

pub async fn jwks(Shared(state): Shared<State>) -> Json<Jwks> {
    Json(Jwks { keys: vec![state.0.signer.jwk()] })
}
