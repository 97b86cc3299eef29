//! PINGID-HMAC: how a customer server signs its calls to the PingID SDK server, and how the
//! server signs its answers.
//!
//! 1. canonical string `METHOD:host:path:` + (`query:` when there is one) + `sha256hex(body):`;
//! 2. its SHA-256, hex, is the `data` claim of a JWS signed HS256 with the base64-decoded API key;
//! 3. the JWS header carries `typ`, `account_id`, `token`, `expires` (now + 5 minutes, UTC),
//!    `X-Request-ID` and `jwt_version=v4`;
//! 4. requests send `Authorization: PINGID-HMAC=<jws>`; responses send `X-PINGID-Signature: <jws>`
//!    whose `data` is sha256hex of the response body.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::{b64url, b64url_decode, sha256_hex, Secret};

/// The scheme prefix of the `Authorization` header.
pub const AUTHORIZATION_PREFIX: &str = "PINGID-HMAC=";
/// The response signature header.
pub const RESPONSE_SIGNATURE_HEADER: &str = "X-PINGID-Signature";
/// The misspelling Ping's sample Java client reads; the emulator sends both.
pub const RESPONSE_SIGNATURE_HEADER_SAMPLE: &str = "X-PINGID-Singature";
/// How long a signature stays valid.
pub const SIGNATURE_LIFETIME_MINUTES: i64 = 5;
/// Clock skew tolerated when a signature claims an `expires` too far ahead.
pub const MAX_SKEW_MINUTES: i64 = 5;
const EXPIRES_FORMAT: &str = "%Y-%m-%dT%H:%M:%SZ";

/// What a customer server holds to call the SDK server. The account token and the API key are
/// secrets.
#[derive(Clone, Debug)]
pub struct ApiCredentials {
    pub account_id: String,
    pub account_token: Secret<String>,
    api_key: Secret<Vec<u8>>,
}

impl ApiCredentials {
    /// `api_key_base64` is the key as Ping's admin portal shows it (standard base64).
    pub fn new(
        account_id: impl Into<String>,
        account_token: impl Into<Secret<String>>,
        api_key_base64: impl Into<Secret<String>>,
    ) -> Result<Self, SignatureError> {
        let api_key = STANDARD
            .decode(api_key_base64.into().expose().trim())
            .map_err(|_| SignatureError::Malformed("the API key is not base64"))?;
        Ok(Self { account_id: account_id.into(), account_token: account_token.into(), api_key: Secret::new(api_key) })
    }

    fn mac(&self) -> Hmac<Sha256> {
        <Hmac<Sha256> as Mac>::new_from_slice(self.api_key.expose())
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"))
    }

    /// Signs `data` (a hex SHA-256) into a compact JWS.
    pub fn sign_data(&self, data: &str, expires: DateTime<Utc>, request_id: &str) -> String {
        let header = JwsHeader {
            alg: "HS256".into(),
            typ: "JWT".into(),
            account_id: self.account_id.clone(),
            token: self.account_token.expose().clone(),
            expires: format_expires(expires),
            request_id: request_id.into(),
            jwt_version: "v4".into(),
        };
        let header_json = serde_json::to_vec(&header).unwrap_or_default();
        let claims_json = serde_json::to_vec(&JwsClaims { data: data.into() }).unwrap_or_default();
        let signing_input = format!("{}.{}", b64url(&header_json), b64url(&claims_json));
        let mut mac = self.mac();
        mac.update(signing_input.as_bytes());
        format!("{signing_input}.{}", b64url(&mac.finalize().into_bytes()))
    }

    /// The `Authorization` header value for a request.
    pub fn authorize(&self, request: &RequestParts<'_>, now: DateTime<Utc>, request_id: &str) -> String {
        let data = request.data();
        let jws = self.sign_data(&data, now + Duration::minutes(SIGNATURE_LIFETIME_MINUTES), request_id);
        format!("{AUTHORIZATION_PREFIX}{jws}")
    }

    /// The `X-PINGID-Signature` value for a response body.
    pub fn sign_response(&self, body: &[u8], now: DateTime<Utc>, request_id: &str) -> String {
        self.sign_data(&sha256_hex(body), now + Duration::minutes(SIGNATURE_LIFETIME_MINUTES), request_id)
    }

    /// Checks a compact JWS made with these credentials: its MAC, its account and token, and
    /// that `now` lies inside its validity window. Returns its header and `data`.
    pub fn verify_jws(&self, jws: &str, now: DateTime<Utc>) -> Result<VerifiedJws, SignatureError> {
        let (header, data) = self.verify_mac(jws)?;
        if header.account_id != self.account_id || header.token != *self.account_token.expose() {
            return Err(SignatureError::WrongAccount);
        }
        let expires = parse_expires(&header.expires)?;
        if expires <= now {
            return Err(SignatureError::Expired);
        }
        if expires > now + Duration::minutes(SIGNATURE_LIFETIME_MINUTES + MAX_SKEW_MINUTES) {
            return Err(SignatureError::NotYetValid);
        }
        Ok(VerifiedJws { header, data, expires })
    }

    fn verify_mac(&self, jws: &str) -> Result<(JwsHeader, String), SignatureError> {
        let mut parts = jws.split('.');
        let (Some(h), Some(c), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(SignatureError::Malformed("a JWS has three dot-separated parts"));
        };
        let sig = b64url_decode(s).ok_or(SignatureError::Malformed("the signature is not base64url"))?;
        let mut mac = self.mac();
        mac.update(h.as_bytes());
        mac.update(b".");
        mac.update(c.as_bytes());
        mac.verify_slice(&sig).map_err(|_| SignatureError::BadSignature)?;
        let header: JwsHeader = b64url_decode(h)
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or(SignatureError::Malformed("the JWS header is not the expected JSON"))?;
        if header.alg != "HS256" {
            return Err(SignatureError::Malformed("the JWS algorithm must be HS256"));
        }
        let claims: JwsClaims = b64url_decode(c)
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or(SignatureError::Malformed("the JWS payload is not {\"data\": ...}"))?;
        Ok((header, claims.data))
    }

    /// Verifies a request's `Authorization` header against the request itself.
    pub fn verify_request(
        &self,
        authorization: Option<&str>,
        request: &RequestParts<'_>,
        now: DateTime<Utc>,
    ) -> Result<VerifiedJws, SignatureError> {
        let jws = authorization
            .ok_or(SignatureError::Missing)?
            .strip_prefix(AUTHORIZATION_PREFIX)
            .ok_or(SignatureError::Malformed("the Authorization header must start with PINGID-HMAC="))?;
        let verified = self.verify_jws(jws, now)?;
        if verified.data != request.data() {
            return Err(SignatureError::ContentMismatch);
        }
        Ok(verified)
    }

    /// Verifies a response's `X-PINGID-Signature` against its body.
    pub fn verify_response(
        &self,
        signature: Option<&str>,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<VerifiedJws, SignatureError> {
        let verified = self.verify_jws(signature.ok_or(SignatureError::Missing)?, now)?;
        if verified.data != sha256_hex(body) {
            return Err(SignatureError::ContentMismatch);
        }
        Ok(verified)
    }
}

/// The parts of an HTTP request that the signature covers.
#[derive(Debug, Clone, Copy)]
pub struct RequestParts<'a> {
    pub method: &'a str,
    /// Host name without the port.
    pub host: &'a str,
    /// Full path, including `/pingid/v1`.
    pub path: &'a str,
    /// The query string without `?`; `None` or empty when there is none.
    pub query: Option<&'a str>,
    pub body: &'a [u8],
}

impl RequestParts<'_> {
    pub fn canonical_string(&self) -> String {
        let mut s = format!("{}:{}:{}:", self.method.to_ascii_uppercase(), self.host, self.path);
        if let Some(q) = self.query.filter(|q| !q.is_empty()) {
            s.push_str(q);
            s.push(':');
        }
        s.push_str(&sha256_hex(self.body));
        s.push(':');
        s
    }

    /// The JWS `data`: sha256hex of the canonical string.
    pub fn data(&self) -> String {
        sha256_hex(self.canonical_string().as_bytes())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JwsHeader {
    pub alg: String,
    pub typ: String,
    pub account_id: String,
    pub token: String,
    pub expires: String,
    #[serde(rename = "X-Request-ID")]
    pub request_id: String,
    pub jwt_version: String,
}

#[derive(Serialize, Deserialize)]
struct JwsClaims {
    data: String,
}

/// A signature that checked out. `request_id` and `expires` let the verifier refuse replays.
#[derive(Debug, Clone)]
pub struct VerifiedJws {
    pub header: JwsHeader,
    pub data: String,
    pub expires: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the request carries no PINGID-HMAC signature")]
    Missing,
    #[error("the signature is malformed: {0}")]
    Malformed(&'static str),
    #[error("the signature does not verify")]
    BadSignature,
    #[error("the signature names another account or token")]
    WrongAccount,
    #[error("the signature has expired")]
    Expired,
    #[error("the signature's expiry lies too far in the future")]
    NotYetValid,
    #[error("the signature does not cover this request")]
    ContentMismatch,
    #[error("the signature was used before (replay)")]
    Replayed,
}

pub fn format_expires(t: DateTime<Utc>) -> String {
    t.format(EXPIRES_FORMAT).to_string()
}

pub fn parse_expires(s: &str) -> Result<DateTime<Utc>, SignatureError> {
    NaiveDateTime::parse_from_str(s, EXPIRES_FORMAT)
        .map(|n| n.and_utc())
        .map_err(|_| SignatureError::Malformed("expires is not yyyy-MM-ddTHH:mm:ssZ"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACCOUNT: &str = "00000000-1111-2222-3333-444444444444";

    fn creds() -> ApiCredentials {
        ApiCredentials::new(ACCOUNT, "token-1", "c2VjcmV0LWFwaS1rZXktZm9yLXRlc3Rz").unwrap()
    }

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap()
    }

    #[test]
    fn post_create_user_matches_the_reference_vector() {
        let body = br#"{"username":"alice","firstName":"","lastName":""}"#;
        let path = format!("/pingid/v1/accounts/{ACCOUNT}/users");
        let parts = RequestParts { method: "POST", host: "sdk.pingid.com", path: &path, query: None, body };
        assert_eq!(sha256_hex(body), "9e4a3350b4cf789c2b72ebdba5b18e0d53561137af8d984e309bfea315503fdf");
        assert_eq!(
            parts.canonical_string(),
            format!("POST:sdk.pingid.com:{path}:9e4a3350b4cf789c2b72ebdba5b18e0d53561137af8d984e309bfea315503fdf:")
        );
        assert_eq!(parts.data(), "0a7537656570e4ebc88b0197223e87f090f91f380cc747e06d6e0ee0cd26a0ac");
    }

    #[test]
    fn get_with_query_matches_the_reference_vector() {
        let path = format!("/pingid/v1/accounts/{ACCOUNT}/applications/app-1/users/alice");
        let parts = RequestParts {
            method: "GET",
            host: "sdk.pingid.com",
            path: &path,
            query: Some("expand=devices"),
            body: b"",
        };
        assert_eq!(
            parts.canonical_string(),
            format!("GET:sdk.pingid.com:{path}:expand=devices:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855:")
        );
        assert_eq!(parts.data(), "b35f64eda0d63730f537eb8deb1f05cc4f57cf2b3f29a4d3ee057ad8590a4151");
    }

    fn request() -> RequestParts<'static> {
        RequestParts {
            method: "POST",
            host: "127.0.0.1",
            path: "/pingid/v1/accounts/a/users",
            query: None,
            body: b"{}",
        }
    }

    #[test]
    fn a_signed_request_verifies_and_carries_its_header_fields() {
        let c = creds();
        let auth = c.authorize(&request(), now(), "req-1");
        let v = c.verify_request(Some(&auth), &request(), now()).unwrap();
        assert_eq!(v.header.request_id, "req-1");
        assert_eq!(v.header.jwt_version, "v4");
        assert_eq!(v.header.typ, "JWT");
        assert_eq!(v.header.expires, "2027-01-15T08:05:00Z");
    }

    #[test]
    fn tampering_expiry_and_wrong_keys_are_refused() {
        let c = creds();
        let auth = c.authorize(&request(), now(), "req-1");
        let other_body = RequestParts { body: b"{\"x\":1}", ..request() };
        assert_eq!(c.verify_request(Some(&auth), &other_body, now()).unwrap_err(), SignatureError::ContentMismatch);
        assert_eq!(c.verify_request(None, &request(), now()).unwrap_err(), SignatureError::Missing);
        assert_eq!(
            c.verify_request(Some(&auth), &request(), now() + Duration::minutes(6)).unwrap_err(),
            SignatureError::Expired
        );
        let other = ApiCredentials::new(ACCOUNT, "token-1", "b3RoZXIta2V5").unwrap();
        assert_eq!(other.verify_request(Some(&auth), &request(), now()).unwrap_err(), SignatureError::BadSignature);
        let wrong_token = ApiCredentials::new(ACCOUNT, "token-2", "c2VjcmV0LWFwaS1rZXktZm9yLXRlc3Rz").unwrap();
        assert_eq!(
            wrong_token.verify_request(Some(&auth), &request(), now()).unwrap_err(),
            SignatureError::WrongAccount
        );
        let future = c.authorize(&request(), now() + Duration::hours(1), "req-2");
        assert_eq!(c.verify_request(Some(&future), &request(), now()).unwrap_err(), SignatureError::NotYetValid);
        assert!(matches!(
            c.verify_request(Some("Bearer x"), &request(), now()).unwrap_err(),
            SignatureError::Malformed(_)
        ));
    }

    #[test]
    fn response_signatures_cover_the_body() {
        let c = creds();
        let sig = c.sign_response(b"{\"ok\":true}", now(), "req-1");
        assert!(c.verify_response(Some(&sig), b"{\"ok\":true}", now()).is_ok());
        assert_eq!(
            c.verify_response(Some(&sig), b"{\"ok\":false}", now()).unwrap_err(),
            SignatureError::ContentMismatch
        );
    }

    #[test]
    fn debug_never_shows_the_key_or_token() {
        let text = format!("{:?}", creds());
        assert!(!text.contains("token-1") && text.contains("[redacted]"), "{text}");
        assert!(text.contains(ACCOUNT), "the account id is no secret: {text}");
    }
}
