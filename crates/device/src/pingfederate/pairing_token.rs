//! The SDK's `processIdToken`: the PingOne ID token of MOBILE_PAIRING_REQUIRED read into the
//! pairing it offers, believed once it verifies under the keys its issuer publishes.
//!
//! PingOne's adapter hands the app "the PingOne ID token" (PingOne MFA integration kit, "Models,
//! objects and error codes"); "the app passes the ID token to the PingOne Mobile SDK", which
//! "returns a pairing object to the app that allows it pair or ignore the device"
//! (https://docs.pingidentity.com/integrations/pingone/pingone_mfa_integration_kit/pf_p1_mfa_ik_overview_of_the_automatic_device_pairing_flow.html):
//! `PingOne.processIdToken(idToken, callback)`, then `PairingObject.approve()`
//! (`pingidentity/pingone-mobile-sdk-android` README). Nothing in it asks the user for a trust level: PingOne has none. The claims are the
//! emulator's ([`PairingIdTokenClaims`]; PingOne publishes the token's content nowhere).

use moderno_wire::pingfederate::Jwks;
use moderno_wire::pingone::{PairingIdTokenClaims, DEVICE_API_PREFIX};
use url::Url;

use super::token::{decode_part, verify_signature};
use crate::error::DeviceError;
use moderno_ambient::http_url;

fn invalid(why: impl Into<String>) -> DeviceError {
    DeviceError::InvalidServerPayload(why.into())
}

/// What the token says before it is believed: its issuer (an http(s) URL), to fetch the keys from.
pub fn claimed_issuer(id_token: &str) -> Result<Url, DeviceError> {
    let body = id_token.split('.').nth(1).ok_or_else(|| invalid("it is not a PingOne ID token"))?;
    let claims = decode_part(body).ok_or_else(|| invalid("its claims do not parse"))?;
    let issuer = claims.get("iss").and_then(|i| i.as_str()).ok_or_else(|| invalid("it names no issuer"))?;
    http_url(issuer).ok_or_else(|| invalid(format!("its issuer {issuer:?} is not an http(s) URL")))
}

/// `{pingone}/{envId}/as` -> `{pingone}/device`: PingOne's device API is on the issuer's host.
pub fn device_api_of(issuer: &Url) -> Result<Url, DeviceError> {
    let not_pingone = || invalid(format!("its issuer {:?} is not a PingOne environment's", issuer.as_str()));
    let segments: Vec<&str> = issuer.path_segments().ok_or_else(not_pingone)?.filter(|s| !s.is_empty()).collect();
    let [host_path @ .., env, "as"] = segments.as_slice() else {
        return Err(not_pingone());
    };
    if env.is_empty() {
        return Err(not_pingone());
    }
    let mut api = issuer.clone();
    api.set_query(None);
    api.set_fragment(None);
    if let Ok(mut path) = api.path_segments_mut() {
        path.clear().extend(host_path).extend(DEVICE_API_PREFIX.split('/').filter(|s| !s.is_empty()));
    }
    Ok(api)
}

/// The pairing the token offers: signed by a key its issuer publishes, unexpired, a pairing in it.
pub fn read_pairing_token(id_token: &str, jwks: &Jwks, now_unix: i64) -> Result<PairingIdTokenClaims, DeviceError> {
    let claims = verify_signature(id_token, jwks, "PingOne's").map_err(|e| invalid(e.to_string()))?;
    let claims: PairingIdTokenClaims = serde_json::from_value(claims).map_err(|_| invalid("it offers no pairing"))?;
    if claims.exp <= now_unix {
        return Err(invalid("it has expired"));
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use moderno_crypto::b64url;
    use moderno_crypto::device_key::DeviceKey;
    use moderno_wire::pingfederate::Jwk;
    use moderno_wire::pingone::PairingClaim;
    use serde_json::json;

    fn token(key: &DeviceKey, claims: &PairingIdTokenClaims) -> String {
        let head = b64url(json!({"alg": "EdDSA", "kid": "k1"}).to_string().as_bytes());
        let body = b64url(&serde_json::to_vec(claims).unwrap_or_default());
        let signature = key.sign(format!("{head}.{body}").as_bytes());
        format!("{head}.{body}.{signature}")
    }

    fn jwks(key: &DeviceKey) -> Jwks {
        let x = key.public_key_b64();
        Jwks {
            keys: vec![Jwk {
                kty: "OKP".into(),
                crv: "Ed25519".into(),
                x,
                kid: "k1".into(),
                alg: "EdDSA".into(),
                key_use: "sig".into(),
            }],
        }
    }

    fn claims() -> PairingIdTokenClaims {
        PairingIdTokenClaims {
            iss: "http://127.0.0.1:7003/env-1/as".into(),
            sub: "user-1".into(),
            aud: "moderno-desktop".into(),
            iat: 1000,
            exp: 1600,
            nonce: "n".into(),
            preferred_username: "alice".into(),
            pairing: PairingClaim { id: "p1".into(), secret: "s".into(), device: None },
        }
    }

    #[test]
    fn a_pairing_token_is_believed_only_under_its_issuers_key_and_in_time() {
        let key = DeviceKey::from_seed(&[7; 32]);
        let good = token(&key, &claims());
        assert_eq!(claimed_issuer(&good).ok().as_ref().map(Url::as_str), Some("http://127.0.0.1:7003/env-1/as"));
        assert_eq!(read_pairing_token(&good, &jwks(&key), 1500).ok(), Some(claims()));
        let forged = token(&DeviceKey::from_seed(&[8; 32]), &claims());
        for (case, token, now) in [("forged", forged, 1500), ("expired", good, 1600), ("garbled", "x.y".into(), 1500)] {
            assert_eq!(
                read_pairing_token(&token, &jwks(&key), now).err().map(|e| e.code().as_str()),
                Some("invalid_server_payload"),
                "{case}"
            );
        }
    }

    #[test]
    fn the_device_api_is_found_on_the_issuers_host() {
        let api = |issuer: &str| device_api_of(&Url::parse(issuer).expect("url")).ok().map(String::from);
        assert_eq!(api("http://127.0.0.1:7003/env-1/as").as_deref(), Some("http://127.0.0.1:7003/device"));
        assert_eq!(api("https://p1.example/base/env-1/as/").as_deref(), Some("https://p1.example/base/device"));
        assert_eq!(api("http://127.0.0.1:7003/as"), None);
        assert_eq!(api("http://127.0.0.1:7003/env-1/token"), None);
    }
}
