//! The tokens a finished flow yields, believed only once their EdDSA signature verifies under a
//! key PingFederate publishes at `/pf/JWKS`, for this client, and not expired.

use moderno_crypto::device_key::DevicePublicKey;
use moderno_crypto::{b64url_decode, Secret};
use moderno_wire::pingfederate::{Jwks, MFA_STATUS_ATTRIBUTE};
use serde_json::Value;

use super::authn_client::CLIENT_ID;
use crate::error::DeviceError;

/// The verified tokens of one login. `Debug` shows claims; the tokens print `[redacted]`.
#[derive(Debug)]
pub struct PfTokens {
    pub access_token: Secret<String>,
    pub id_token: Option<Secret<String>>,
    /// The access token's claims, signature checked.
    pub claims: Value,
    /// The ID token's claims, signature checked.
    pub id_claims: Option<Value>,
}

impl PfTokens {
    /// The contract attribute `pingone.mfa.status` (absent after a web login).
    pub fn mfa_status(&self) -> Option<&str> {
        self.claims.get(MFA_STATUS_ATTRIBUTE).and_then(Value::as_str)
    }

    pub fn subject(&self) -> Option<&str> {
        self.claims.get("sub").and_then(Value::as_str)
    }
}

/// Verifies a compact JWS (`alg: EdDSA`, `kid` in the JWKS), then its audience (or `client_id`)
/// and expiry, and returns its claims.
pub fn verify_jwt(token: &str, jwks: &Jwks, now_unix: i64) -> Result<Value, DeviceError> {
    let refused = |why: &str| DeviceError::InvalidToken(why.to_string());
    let claims = verify_signature(token, jwks, "PingFederate's")?;
    let for_us = |name: &str| claims.get(name).and_then(Value::as_str) == Some(CLIENT_ID);
    if !for_us("aud") && !for_us("client_id") {
        return Err(refused("it was issued for another client"));
    }
    match claims.get("exp").and_then(Value::as_i64) {
        Some(exp) if exp > now_unix => Ok(claims),
        _ => Err(refused("it has expired")),
    }
}

/// Verifies a compact JWS's signature (`alg: EdDSA`, `kid` in `jwks`, published by `issuer`) and
/// returns its claims, unchecked.
pub(crate) fn verify_signature(token: &str, jwks: &Jwks, issuer: &str) -> Result<Value, DeviceError> {
    let refused = |why: &str| DeviceError::InvalidToken(why.to_string());
    let parts: Vec<&str> = token.split('.').collect();
    let [header, payload, signature] = parts[..] else {
        return Err(refused("it is not a compact JWS"));
    };
    let header: Value = decode_part(header).ok_or_else(|| refused("its header does not parse"))?;
    if header.get("alg").and_then(Value::as_str) != Some("EdDSA") {
        return Err(refused("it is not signed with EdDSA"));
    }
    let kid = header.get("kid").and_then(Value::as_str).ok_or_else(|| refused("its header names no key"))?;
    let jwk = jwks
        .keys
        .iter()
        .find(|k| k.kid == kid && k.kty == "OKP" && k.crv == "Ed25519")
        .ok_or_else(|| DeviceError::InvalidToken(format!("its key is not in {issuer} JWKS")))?;
    let key = DevicePublicKey::from_b64(&jwk.x).ok_or_else(|| refused("the JWKS key is not an Ed25519 key"))?;
    if !key.verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), signature) {
        return Err(refused("its signature does not verify"));
    }
    decode_part(payload).ok_or_else(|| refused("its claims do not parse"))
}

pub(crate) fn decode_part(part: &str) -> Option<Value> {
    serde_json::from_slice(&b64url_decode(part)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use moderno_crypto::b64url;
    use moderno_crypto::device_key::DeviceKey;
    use moderno_wire::pingfederate::Jwk;
    use serde_json::json;

    fn jwks(key: &DeviceKey) -> Jwks {
        Jwks {
            keys: vec![Jwk {
                kty: "OKP".into(),
                crv: "Ed25519".into(),
                x: key.public_key_b64(),
                kid: "k1".into(),
                alg: "EdDSA".into(),
                key_use: "sig".into(),
            }],
        }
    }

    fn jwt(key: &DeviceKey, claims: &Value) -> String {
        let head = b64url(json!({"alg": "EdDSA", "kid": "k1"}).to_string().as_bytes());
        let body = b64url(claims.to_string().as_bytes());
        let signature = key.sign(format!("{head}.{body}").as_bytes());
        format!("{head}.{body}.{signature}")
    }

    #[test]
    fn a_token_verifies_only_under_the_published_key_for_this_client_and_in_time() {
        let key = DeviceKey::from_seed(&[4; 32]);
        let claims = json!({"sub": "alice", "aud": CLIENT_ID, "exp": 2000, MFA_STATUS_ATTRIBUTE: "x"});
        assert_eq!(verify_jwt(&jwt(&key, &claims), &jwks(&key), 1000).expect("verifies"), claims);
        let other = DeviceKey::from_seed(&[5; 32]);
        for (case, token, now) in [
            ("forged", jwt(&other, &claims), 1000),
            ("expired", jwt(&key, &claims), 2000),
            ("foreign", jwt(&key, &json!({"aud": "x", "exp": 2000})), 1000),
            ("garbled", "a.b".to_string(), 1000),
        ] {
            assert_eq!(
                verify_jwt(&token, &jwks(&key), now).err().map(|e| e.code().as_str()),
                Some("invalid_token"),
                "{case}"
            );
        }
    }

    #[test]
    fn debug_output_shows_the_claims_but_never_the_tokens() {
        let tokens = PfTokens {
            access_token: Secret::from("at.eyJzdWIi.sig-a1"),
            id_token: Some(Secret::from("it.eyJzdWIi.sig-b2")),
            claims: json!({"sub": "alice"}),
            id_claims: None,
        };
        let text = format!("{tokens:?}");
        assert!(text.contains("alice") && text.contains("[redacted]"), "{text}");
        assert!(!text.contains("sig-a1") && !text.contains("sig-b2"), "{text}");
    }
}
