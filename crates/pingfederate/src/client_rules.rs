//! What a client's requests must carry, by the client's own settings, as PingFederate checks it
//! (`pingidentity/terraform-provider-pingfederate:docs/resources/oauth_client.md`):
//!
//! - `redirect_uri`: an exact registered one when sent; may be left out when the client has one or
//!   none (a redirectless-only client), required when it has several;
//! - PKCE: required only with `require_proof_key_for_code_exchange`; a challenge sent is always
//!   S256 and always enforced at the token endpoint;
//! - the response type: `code`, and the implicit and hybrid ones (`token`, `id_token`, and their
//!   combinations) for clients allowed the implicit grant, redirectless only, `id_token` with the
//!   `openid` scope; a `nonce` is not required (Ping's Android sample offers `id_token` response
//!   types and sends none: `connection/ConnectionFactory.java`);
//! - at the token endpoint, `redirect_uri` only when the authorization request carried one
//!   (RFC 6749 section 4.1.3), the verifier only when a challenge was sent, and the secret of a
//!   confidential client (`client_secret_post`; an empty `client_secret`, as Ping's Android
//!   sample sends by default, counts as none).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::oauth::{oauth_error, OAuthFailure};
use crate::OAuthClient;

/// Where a finished flow's code may be sent, and whether the request named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    /// `None`: the client has no redirect URI (redirectless flows only).
    pub uri: Option<String>,
    /// The authorization request carried `redirect_uri`: the token request must repeat it.
    pub sent: bool,
}

pub fn redirect(client: &OAuthClient, asked: Option<String>) -> Result<Redirect, OAuthFailure> {
    let registered = client.redirect_uris.as_slice();
    match (asked, registered) {
        (Some(uri), uris) if uris.contains(&uri) => Ok(Redirect { uri: Some(uri), sent: true }),
        (Some(_), _) => Err(oauth_error("invalid_request", "redirect_uri is not registered for the client")),
        (None, []) => Ok(Redirect { uri: None, sent: false }),
        (None, [only]) => Ok(Redirect { uri: Some(only.clone()), sent: false }),
        (None, _) => Err(oauth_error("invalid_request", "redirect_uri is required: the client has several")),
    }
}

/// What a finished flow's authorization response carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseTypes {
    pub code: bool,
    pub token: bool,
    pub id_token: bool,
}

impl Default for ResponseTypes {
    fn default() -> Self {
        Self { code: true, token: false, id_token: false }
    }
}

/// `response_type`: space-separated `code`, `token`, `id_token` (RFC 6749 section 3.1.1, OAuth 2.0
/// Multiple Response Type Encoding Practices).
pub fn response_types(client: &OAuthClient, asked: Option<&str>) -> Result<ResponseTypes, OAuthFailure> {
    let mut types = ResponseTypes { code: false, token: false, id_token: false };
    for part in asked.unwrap_or_default().split(' ').filter(|p| !p.is_empty()) {
        let seen = match part {
            "code" => std::mem::replace(&mut types.code, true),
            "token" => std::mem::replace(&mut types.token, true),
            "id_token" => std::mem::replace(&mut types.id_token, true),
            _ => true,
        };
        if seen {
            return Err(oauth_error(
                "unsupported_response_type",
                "response_type is code, token, id_token or a combination",
            ));
        }
    }
    if types == (ResponseTypes { code: false, token: false, id_token: false }) {
        return Err(oauth_error(
            "unsupported_response_type",
            "response_type is code, token, id_token or a combination",
        ));
    }
    if (types.token || types.id_token) && !client.implicit_allowed {
        return Err(oauth_error("unauthorized_client", "the client may not use the implicit grant"));
    }
    Ok(types)
}

/// What an implicit or hybrid request needs besides.
pub fn implicit_request(browser: bool, types: ResponseTypes, scope: &str) -> Result<(), OAuthFailure> {
    if browser {
        return Err(oauth_error(
            "invalid_request",
            "implicit and hybrid response types are served redirectless (response_mode=pi.flow)",
        ));
    }
    if types.id_token && !scope.split(' ').any(|s| s == "openid") {
        return Err(oauth_error("invalid_request", "id_token needs the openid scope"));
    }
    Ok(())
}

fn is_pkce_challenge(c: &str) -> bool {
    c.len() == 43 && c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The PKCE challenge the code will be bound to, if any.
pub fn challenge(
    client: &OAuthClient,
    challenge: Option<String>,
    method: Option<&str>,
) -> Result<Option<String>, OAuthFailure> {
    let Some(challenge) = challenge else {
        if client.require_pkce {
            return Err(oauth_error(
                "invalid_request",
                "the client requires PKCE: a code_challenge (43 base64url characters) with S256",
            ));
        }
        if method.is_some() {
            return Err(oauth_error("invalid_request", "code_challenge_method without a code_challenge"));
        }
        return Ok(None);
    };
    if method != Some("S256") {
        return Err(oauth_error("invalid_request", "code_challenge_method must be S256"));
    }
    if !is_pkce_challenge(&challenge) {
        return Err(oauth_error("invalid_request", "the code_challenge must be 43 base64url characters"));
    }
    Ok(Some(challenge))
}

/// The token request's `client_secret` for this client (empty counts as absent).
pub fn client_authenticated(client: &OAuthClient, secret: Option<&str>) -> bool {
    let secret = secret.filter(|s| !s.is_empty());
    match (&client.client_secret, secret) {
        (None, None) => true,
        (Some(expected), Some(given)) => {
            // Compared as digests: constant time, and the length is not revealed.
            bool::from(subtle::ConstantTimeEq::ct_eq(
                Sha256::digest(expected.expose().as_bytes()).as_slice(),
                Sha256::digest(given.as_bytes()).as_slice(),
            ))
        }
        _ => false,
    }
}

/// The token request's `redirect_uri` against the authorization request's.
pub fn redirect_matches(redirect: &Redirect, given: Option<&str>) -> bool {
    match given {
        None => !redirect.sent,
        Some(given) => redirect.uri.as_deref() == Some(given),
    }
}

/// The token request's `code_verifier` against the code's challenge.
pub fn verifier_matches(challenge: Option<&str>, verifier: Option<&str>) -> bool {
    match (challenge, verifier) {
        (None, None) => true,
        (Some(challenge), Some(verifier)) => {
            (43..=128).contains(&verifier.len())
                && moderno_crypto::b64url(&Sha256::digest(verifier.as_bytes())) == challenge
        }
        // A verifier for a code issued without a challenge is refused (OAuth 2.1 section 4.1.3).
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(uris: &[&str]) -> OAuthClient {
        OAuthClient::public("c", uris.iter().map(|u| (*u).to_string()).collect())
    }

    #[test]
    fn redirect_uri_is_needed_only_when_the_client_has_several() {
        assert_eq!(redirect(&client(&[]), None).ok(), Some(Redirect { uri: None, sent: false }));
        assert_eq!(redirect(&client(&["a:/1"]), None).ok(), Some(Redirect { uri: Some("a:/1".into()), sent: false }));
        assert_eq!(
            redirect(&client(&["a:/1", "a:/2"]), Some("a:/2".into())).ok(),
            Some(Redirect { uri: Some("a:/2".into()), sent: true })
        );
        assert!(redirect(&client(&["a:/1", "a:/2"]), None).is_err());
        assert!(redirect(&client(&[]), Some("a:/1".into())).is_err());
        let sent = Redirect { uri: Some("a:/1".into()), sent: true };
        assert!(
            redirect_matches(&sent, Some("a:/1"))
                && !redirect_matches(&sent, None)
                && !redirect_matches(&sent, Some("a:/2"))
        );
        let resolved = Redirect { uri: Some("a:/1".into()), sent: false };
        assert!(redirect_matches(&resolved, None) && redirect_matches(&resolved, Some("a:/1")));
    }

    #[test]
    fn pkce_is_required_only_by_the_clients_setting_and_a_challenge_sent_is_always_enforced() {
        let rfc_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert_eq!(challenge(&client(&[]), None, None).ok(), Some(None));
        assert!(challenge(&client(&[]).requiring_pkce(), None, None).is_err());
        assert!(challenge(&client(&[]), Some(rfc_challenge.into()), Some("plain")).is_err());
        assert!(challenge(&client(&[]), None, Some("S256")).is_err());
        assert_eq!(
            challenge(&client(&[]), Some(rfc_challenge.into()), Some("S256")).ok(),
            Some(Some(rfc_challenge.into()))
        );
        // RFC 7636 appendix B.
        assert!(verifier_matches(Some(rfc_challenge), Some("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")));
        assert!(!verifier_matches(Some(rfc_challenge), None));
        assert!(!verifier_matches(None, Some("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")));
        assert!(verifier_matches(None, None));
    }

    #[test]
    fn response_types_are_code_or_for_implicit_clients_tokens_too() {
        let plain = client(&[]);
        let implicit = OAuthClient { implicit_allowed: true, ..client(&[]) };
        assert_eq!(response_types(&plain, Some("code")).ok(), Some(ResponseTypes::default()));
        assert!(response_types(&plain, Some("token")).is_err(), "the implicit grant is the client's to be allowed");
        let hybrid = response_types(&implicit, Some("id_token code")).ok();
        assert_eq!(hybrid, Some(ResponseTypes { code: true, token: false, id_token: true }));
        for bad in [None, Some(""), Some("code code"), Some("password"), Some("code  tokens")] {
            assert!(response_types(&implicit, bad).is_err(), "{bad:?}");
        }
        let id_token = ResponseTypes { code: false, token: false, id_token: true };
        assert!(implicit_request(false, id_token, "openid").is_ok());
        assert!(implicit_request(false, id_token, "profile").is_err());
        assert!(implicit_request(true, id_token, "openid").is_err());
    }

    #[test]
    fn a_public_client_takes_no_secret_or_an_empty_one_and_a_confidential_client_only_its_own() {
        let public = client(&[]);
        assert!(client_authenticated(&public, None) && client_authenticated(&public, Some("")));
        assert!(!client_authenticated(&public, Some("guess")));
        let confidential = OAuthClient { client_secret: Some("s3cret".into()), ..client(&[]) };
        assert!(client_authenticated(&confidential, Some("s3cret")));
        assert!(!client_authenticated(&confidential, Some("s3cre")) && !client_authenticated(&confidential, None));
        let text = format!("{confidential:?}");
        assert!(
            !text.contains("s3cret") && text.contains("[redacted]") && text.contains(&confidential.client_id),
            "{text}"
        );
    }
}
