//! What the inspector shows of a body: JSON (forms read as objects), every secret replaced by
//! `"•••"`, and the signed things opened — payloads, tokens, the PINGID-HMAC signature — so a
//! demo can see inside them without anything that could be replayed.

use moderno_crypto::b64url_decode;
use moderno_wire::admin::Decoded;
use serde_json::{json, Map, Value};

pub const HIDDEN: &str = "•••";

/// Keys whose values are secrets, wherever they appear (compared without case, `_` or `-`).
const SECRET_KEYS: &[&str] = &[
    "password",
    "otp",
    "secret",
    "clientsecret",
    "otpsecret",
    "registrationtokensecret",
    "pairingkey",
    "codeverifier",
    "accesstoken",
    "idtoken",
    "refreshtoken",
    "sessiontoken",
    "sessionid",
    "authsessionid",
    "token",
    "apikey",
    "accounttoken",
    "authorizeresponse",
];

/// Keys whose values are compact JWS strings worth opening (their signature is dropped).
const SIGNED_KEYS: &[&str] = &["payload", "pingidpayload", "serverpayload", "mobilepayload", "accesstoken", "idtoken"];

fn normalized(key: &str) -> String {
    key.chars().filter(|c| *c != '_' && *c != '-').collect::<String>().to_lowercase()
}

/// A body as the inspector shows it: JSON, or a form as an object, or a short note.
pub fn body(bytes: &[u8], content_type: Option<&str>) -> Option<Value> {
    if bytes.is_empty() {
        return None;
    }
    let value = if content_type.is_some_and(|c| c.starts_with("application/x-www-form-urlencoded")) {
        // In a form, `code` is OAuth's authorization code (in JSON it is an error's code).
        let map: Map<String, Value> = url::form_urlencoded::parse(bytes)
            .map(|(k, v)| {
                let v = if k == "code" { HIDDEN.to_string() } else { v.into_owned() };
                (k.into_owned(), Value::String(v))
            })
            .collect();
        Value::Object(map)
    } else if let Ok(value) = serde_json::from_slice::<Value>(bytes) {
        value
    } else if content_type.is_some_and(|c| c.starts_with("text/html")) {
        Value::String(format!("(an HTML page, {} bytes)", bytes.len()))
    } else {
        Value::String(format!("({} bytes, not JSON)", bytes.len()))
    };
    Some(value)
}

/// Opens the signed strings in `value` (into `decoded`), then hides every secret in it.
pub fn inspect(value: &mut Value, decoded: &mut Vec<Decoded>, side: &str) {
    open_signed(value, decoded, side);
    hide(value);
}

fn open_signed(value: &Value, decoded: &mut Vec<Decoded>, side: &str) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                match inner.as_str().filter(|_| SIGNED_KEYS.contains(&normalized(key).as_str())) {
                    Some(jws) => {
                        if let Some(opened) = open_jws(jws) {
                            decoded.push(Decoded { label: format!("{side} {key} (signed; opened)"), value: opened });
                        }
                    }
                    None => open_signed(inner, decoded, side),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| open_signed(item, decoded, side)),
        _ => {}
    }
}

/// Replaces every secret's value by [`HIDDEN`], and the signature part of any JWS left.
pub fn hide(value: &mut Value) {
    match value {
        Value::Object(map) => {
            // A secret repeated in a sibling (an outbox message's text carries its passcode).
            let secrets: Vec<String> = map
                .iter()
                .filter(|(key, _)| SECRET_KEYS.contains(&normalized(key).as_str()))
                .filter_map(|(_, v)| v.as_str().filter(|s| s.len() >= 4).map(str::to_string))
                .collect();
            for (key, inner) in map.iter_mut() {
                if SECRET_KEYS.contains(&normalized(key).as_str()) && !inner.is_null() {
                    *inner = Value::String(HIDDEN.into());
                } else if let Some(text) = inner.as_str().filter(|t| secrets.iter().any(|s| t.contains(s.as_str()))) {
                    let hidden = secrets.iter().fold(text.to_string(), |t, s| t.replace(s.as_str(), HIDDEN));
                    *inner = Value::String(hidden);
                } else if let Some(text) = inner.as_str().filter(|t| looks_signed(t)) {
                    let parts: Vec<&str> = text.split('.').collect();
                    let shown: Vec<String> = parts[..parts.len() - 1].iter().map(|p| abbreviate(p)).collect();
                    *inner = Value::String(format!("{}.{HIDDEN}", shown.join(".")));
                } else {
                    hide(inner);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(hide),
        _ => {}
    }
}

fn abbreviate(part: &str) -> String {
    if part.len() > 24 {
        format!("{}…", &part[..24])
    } else {
        part.to_string()
    }
}

/// A compact JWS (`header.claims.signature`) or a Ping payload (`claims.signature`), base64url.
fn looks_signed(text: &str) -> bool {
    let parts: Vec<&str> = text.split('.').collect();
    (2..=3).contains(&parts.len())
        && parts[0].starts_with("eyJ")
        && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
}

/// A signed string's JSON parts — a JWS's header and claims, a payload's claims — never its
/// signature; secrets inside hidden too.
pub fn open_jws(signed: &str) -> Option<Value> {
    if !looks_signed(signed) {
        return None;
    }
    let parts: Vec<&str> = signed.split('.').collect();
    let json_of = |part: &str| b64url_decode(part).and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok());
    let mut opened = match parts.len() {
        3 => json!({"header": json_of(parts[0])?, "claims": json_of(parts[1])?}),
        _ => json!({"claims": json_of(parts[0])?}),
    };
    hide(&mut opened);
    Some(opened)
}

/// The PINGID-HMAC `Authorization` header: its JWS header (account token hidden) and `data`
/// claim, and the canonical string the server recomputed from the request.
pub fn pingid_hmac(authorization: &str, canonical: String) -> Option<Decoded> {
    let jws = authorization.strip_prefix(moderno_crypto::pingid_hmac::AUTHORIZATION_PREFIX)?;
    let opened = open_jws(jws)?;
    Some(Decoded { label: "PINGID-HMAC signature".into(), value: json!({"jws": opened, "canonicalString": canonical}) })
}

/// A query string with secret values hidden.
/// A path as the inspector shows it: a PingID SDK pairing key is the id of its resource
/// (`.../pairingkeys/{key}`, [D-PK]), so that segment is hidden.
pub fn path(path: &str) -> String {
    match path.split_once("/pairingkeys/") {
        Some((before, _)) => format!("{before}/pairingkeys/{HIDDEN}"),
        None => path.to_string(),
    }
}

/// A PairingKey resource's `id` is the key itself ([D-PK]): hidden wherever the path is one.
pub fn pairing_key_resource(path: &str, value: &mut Value) {
    if path.contains("/pairingkeys") {
        if let Some(id) = value.get_mut("id") {
            *id = Value::String(HIDDEN.into());
        }
    }
}

pub fn query(query: &str) -> String {
    url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| {
            let shown = if SECRET_KEYS.contains(&normalized(&k).as_str()) || k == "code_challenge" || k == "state" {
                HIDDEN.into()
            } else {
                v.into_owned()
            };
            format!("{k}={shown}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;
    use moderno_crypto::b64url;

    fn jws(claims: &Value) -> String {
        format!("{}.{}.c2lnbmF0dXJl", b64url(br#"{"alg":"EdDSA","kid":"k1"}"#), b64url(claims.to_string().as_bytes()))
    }

    #[test]
    fn a_pairing_key_is_hidden_in_its_path_and_as_its_resource_id() {
        let shown = path("/pingid/v1/accounts/a/applications/app/pairingkeys/BCDFGHJKLMNP");
        assert_eq!(shown, "/pingid/v1/accounts/a/applications/app/pairingkeys/•••");
        assert_eq!(path("/pingid/v1/accounts/a/users"), "/pingid/v1/accounts/a/users");
        let mut key = json!({"id": "BCDF-GHJK-LMNP", "status": "NOT_CLAIMED", "pairingData": "user:alice"});
        pairing_key_resource("/pingid/v1/accounts/a/applications/app/pairingkeys", &mut key);
        assert_eq!(key, json!({"id": HIDDEN, "status": "NOT_CLAIMED", "pairingData": "user:alice"}));
        let mut session = json!({"authSessionID": "s3cr3t-session", "status": 1012});
        hide(&mut session);
        assert_eq!(session["authSessionID"], HIDDEN);
    }

    #[test]
    fn a_ping_payload_of_two_parts_opens_as_its_claims() {
        let payload = format!("{}.c2lnbmF0dXJl", b64url(br#"{"username":"bob","registrationTokenSecret":"x"}"#));
        assert_eq!(open_jws(&payload), Some(json!({"claims": {"username": "bob", "registrationTokenSecret": HIDDEN}})));
        let mut value = json!({"pingIdPayload": payload});
        hide(&mut value);
        assert!(
            value["pingIdPayload"].as_str().is_some_and(|p| p.ends_with(".•••") && !p.contains("c2lnbmF0dXJl")),
            "{value}"
        );
        assert_eq!(open_jws("not.signed"), None);
    }

    #[test]
    fn secrets_are_hidden_at_any_depth_and_signed_strings_are_opened_without_their_signature() {
        let token = jws(&json!({"sub": "bob", "pingone.mfa.status": "com.pingidentity.pingone.device_paired"}));
        let mut value = json!({
            "username": "bob",
            "sessionId": "a-login-anyone-could-continue",
            "password": "moderno-demo",
            "registration_token_secret": "s3cr3t",
            "nested": [{"otp": "123456", "keep": "visible"}],
            "access_token": token,
            "serverPayload": jws(&json!({"registrationTokenSecret": "inner", "username": "bob"})),
        });
        let mut decoded = vec![];
        inspect(&mut value, &mut decoded, "response");
        let text = value.to_string();
        for secret in ["moderno-demo", "s3cr3t", "123456", "c2lnbmF0dXJl", "a-login-anyone-could-continue"] {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
        assert_eq!(value["username"], "bob");
        assert_eq!(value["nested"][0]["keep"], "visible");
        let opened = serde_json::to_string(&decoded).expect("json");
        assert!(opened.contains("device_paired") && opened.contains("\"sub\":\"bob\""), "{opened}");
        assert!(!opened.contains("inner") && !opened.contains("c2lnbmF0dXJl"), "{opened}");
    }

    #[test]
    fn forms_and_queries_are_read_and_hidden_alike() {
        let mut form = body(
            b"grant_type=authorization_code&code=abc&code_verifier=xyz",
            Some("application/x-www-form-urlencoded"),
        )
        .expect("a form");
        hide(&mut form);
        assert!(!form.to_string().contains("abc"));
        assert_eq!(form, json!({"grant_type": "authorization_code", "code": HIDDEN, "code_verifier": HIDDEN}));
        assert_eq!(
            query("client_id=app&state=s1&code_challenge=c"),
            format!("client_id=app&state={HIDDEN}&code_challenge={HIDDEN}")
        );
        assert_eq!(body(b"<html>", Some("text/html")), Some(json!("(an HTML page, 6 bytes)")));
        assert_eq!(body(b"", None), None);
        let mut error = json!({"code": "VALIDATION_ERROR", "message": "m"});
        hide(&mut error);
        assert_eq!(error["code"], "VALIDATION_ERROR", "an error's code is not a secret");
    }

    #[test]
    fn a_secret_repeated_in_a_sibling_is_hidden_there_too() {
        let mut message = json!([{"to": "+1 555 0100", "otp": "482913", "text": "Your passcode is 482913."}]);
        hide(&mut message);
        assert_eq!(
            message,
            json!([{"to": "+1 555 0100", "otp": HIDDEN, "text": format!("Your passcode is {HIDDEN}.")}])
        );
    }
}
