//! Tokens: compact JWS signed with Ed25519 (`alg: EdDSA`, RFC 8037), the key published at
//! `/pf/JWKS`. The Ed25519 signing reuses `moderno_crypto::device_key`.

use axum::extract::State as Shared;
use axum::Json;
use moderno_crypto::b64url;
use moderno_crypto::device_key::DeviceKey;
use moderno_wire::pingfederate::{Jwk, Jwks};
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

pub async fn jwks(Shared(state): Shared<State>) -> Json<Jwks> {
    Json(Jwks { keys: vec![state.0.signer.jwk()] })
}
