//! PingFederate's OAuth endpoints and authentication API, as an API client (the desktop app)
//! calls them: redirectless authorization (`response_mode=pi.flow`), the flow's session cookie
//! kept and sent back, `X-XSRF-Header: PingFederate` on every flow call, and one content type per
//! action. Refusals become [`DeviceError::PingFederate`] with Ping's codes.

use std::sync::{Mutex, PoisonError};

use moderno_crypto::Secret;
use moderno_wire::pingfederate::{AuthnError, Flow, Jwks, OAuthError, TokenResponse, FLOWS_PATH, XSRF_HEADER};
use reqwest::header::{CONTENT_TYPE, COOKIE, SET_COOKIE};
use tracing::{debug, instrument};
use url::Url;

use super::action::PfAction;
use crate::error::{DeviceError, ServiceError};
use crate::transport::{decode, unreachable};
use moderno_ambient::{http_url, under};

/// The OAuth client PingFederate knows the desktop app as.
pub const CLIENT_ID: &str = "moderno-desktop";
/// The redirect URI the client registered; redirectless flows never follow it.
pub const REDIRECT_URI: &str = "moderno://callback";
/// The cookie that ties flows to this client (PingFederate's `PF`).
const SESSION_COOKIE: &str = "PF";
const SERVER: &str = "PingFederate";

/// One API client of one PingFederate: its session cookie lives here, so every flow it starts
/// belongs to it (another client's flows answer 403). `Debug` prints the cookie `[redacted]`.
#[derive(Debug)]
pub struct PfClient {
    http: reqwest::Client,
    base: Url,
    cookie: Mutex<Option<Secret<String>>>,
}

impl PfClient {
    /// `base` is PingFederate's root, e.g. `http://127.0.0.1:9031`.
    pub fn new(http: reqwest::Client, base: &str) -> Result<Self, DeviceError> {
        let base = http_url(base)
            .ok_or_else(|| DeviceError::InvalidInput(format!("the PingFederate URL {base:?} is not an http(s) URL")))?;
        Ok(Self { http, base, cookie: Mutex::new(None) })
    }

    pub fn base(&self) -> &str {
        self.base.as_str().trim_end_matches('/')
    }

    /// `GET /as/authorization.oauth2` in redirectless mode: the new flow (USERNAME_PASSWORD_REQUIRED).
    #[instrument(skip_all)]
    pub async fn authorize(&self, code_challenge: &str, state: &str) -> Result<Flow, DeviceError> {
        let query = [
            ("client_id", CLIENT_ID),
            ("response_type", "code"),
            ("scope", "openid profile"),
            ("redirect_uri", REDIRECT_URI),
            ("state", state),
            ("code_challenge", code_challenge),
            ("code_challenge_method", "S256"),
            ("response_mode", "pi.flow"),
        ];
        let request = self.with_cookie(self.http.get(self.url("/as/authorization.oauth2", &[])).query(&query));
        let response = request.send().await.map_err(|e| unreachable(SERVER, &e))?;
        self.keep_cookie(&response);
        let (status, body) = read(response).await?;
        if status != 200 {
            return Err(oauth_error(status, &body));
        }
        decode(SERVER, status, &body)
    }

    /// `GET /pf-ws/authn/flows/{id}`: the flow as it is now (while a push waits, PingFederate reads
    /// the push first); performs no action.
    pub async fn flow(&self, flow_id: &str) -> Result<Flow, DeviceError> {
        let request = self.flow_request(reqwest::Method::GET, flow_id);
        self.send_flow(request).await
    }

    /// `POST /pf-ws/authn/flows/{id}` with the action's content type and body. Sent as asked: an
    /// action the flow does not offer comes back as PingFederate's 400 `INVALID_ACTION_ID`.
    #[instrument(skip(self, action), fields(action = action.id()))]
    pub async fn act(&self, flow_id: &str, action: &PfAction) -> Result<Flow, DeviceError> {
        let body = action.body();
        let request = self
            .flow_request(reqwest::Method::POST, flow_id)
            .header(CONTENT_TYPE, action.content_type())
            .body(body.as_bytes().to_vec());
        self.send_flow(request).await
    }

    /// `POST /as/token.oauth2`: the authorization code and the PKCE verifier for tokens.
    #[instrument(skip_all)]
    pub async fn exchange(&self, code: &str, verifier: &str) -> Result<TokenResponse, DeviceError> {
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT_URI),
            ("client_id", CLIENT_ID),
            ("code_verifier", verifier),
        ];
        let response = self.http.post(self.url("/as/token.oauth2", &[])).form(&form).send().await;
        let (status, body) = read(response.map_err(|e| unreachable(SERVER, &e))?).await?;
        if status != 200 {
            return Err(oauth_error(status, &body));
        }
        decode(SERVER, status, &body)
    }

    /// `GET /pf/JWKS`: the keys tokens are signed with.
    pub async fn jwks(&self) -> Result<Jwks, DeviceError> {
        let response = self.http.get(self.url("/pf/JWKS", &[])).send().await.map_err(|e| unreachable(SERVER, &e))?;
        let (status, body) = read(response).await?;
        decode(SERVER, status, &body)
    }

    /// `path` (fixed segments, `/`-separated) under the base URL, then `more` (each one segment,
    /// escaped).
    fn url(&self, path: &str, more: &[&str]) -> Url {
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).chain(more.iter().copied()).collect();
        under(&self.base, &segments)
    }

    fn flow_request(&self, method: reqwest::Method, flow_id: &str) -> reqwest::RequestBuilder {
        let url = self.url(FLOWS_PATH, &[flow_id]);
        self.with_cookie(self.http.request(method, url).header(XSRF_HEADER, "PingFederate"))
    }

    fn with_cookie(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self.cookie.lock().unwrap_or_else(PoisonError::into_inner).as_ref() {
            Some(cookie) => request.header(COOKIE, cookie.expose().as_str()),
            None => request,
        }
    }

    /// Keeps `PF=<value>` from a `Set-Cookie` (the attributes are not needed).
    fn keep_cookie(&self, response: &reqwest::Response) {
        let session = response.headers().get_all(SET_COOKIE).iter().find_map(|value| {
            let pair = value.to_str().ok()?.split(';').next()?.trim();
            pair.starts_with(&format!("{SESSION_COOKIE}=")).then(|| Secret::from(pair))
        });
        if let Some(cookie) = session {
            debug!("PingFederate session cookie kept");
            *self.cookie.lock().unwrap_or_else(PoisonError::into_inner) = Some(cookie);
        }
    }

    async fn send_flow(&self, request: reqwest::RequestBuilder) -> Result<Flow, DeviceError> {
        let response = request.send().await.map_err(|e| unreachable(SERVER, &e))?;
        // PingFederate issues the session afresh when the password passes.
        self.keep_cookie(&response);
        let (status, body) = read(response).await?;
        if status != 200 {
            return Err(authn_error(status, &body));
        }
        decode(SERVER, status, &body)
    }
}

async fn read(response: reqwest::Response) -> Result<(u16, Vec<u8>), DeviceError> {
    let status = response.status().as_u16();
    let body = response.bytes().await.map_err(|e| unreachable(SERVER, &e))?;
    Ok((status, body.to_vec()))
}

/// The authentication API's `{code, message, userMessage, details}`.
fn authn_error(status: u16, body: &[u8]) -> DeviceError {
    match serde_json::from_slice::<AuthnError>(body) {
        Ok(error) => {
            // A field's own words ("We didn't recognize the username or password") say more
            // than the envelope's ("Please check what you entered").
            let detail_words = error.details.iter().find_map(|d| d.user_message.clone());
            DeviceError::PingFederate(ServiceError {
                http_status: status,
                attempts_left: error.details.iter().find_map(|d| d.attempts_remaining),
                message: detail_words.or(error.user_message).unwrap_or(error.message),
                details: error.details.into_iter().map(|d| d.code).collect(),
                code: error.code,
            })
        }
        Err(_) => crate::transport::unexpected(SERVER, format!("HTTP {status} without an error body")),
    }
}

/// OAuth's `{error, error_description}` (RFC 6749 section 5.2).
fn oauth_error(status: u16, body: &[u8]) -> DeviceError {
    match serde_json::from_slice::<OAuthError>(body) {
        Ok(error) => DeviceError::PingFederate(ServiceError {
            http_status: status,
            code: error.error,
            details: vec![],
            message: error.error_description,
            attempts_left: None,
        }),
        Err(_) => authn_error(status, body),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authentication_api_errors_keep_code_details_and_tries_left() {
        let body = br#"{"code":"VALIDATION_ERROR","message":"m","userMessage":"Check it","details":[{"code":"INVALID_OTP","message":"x","userMessage":"Wrong passcode","target":"otp","attemptsRemaining":2}]}"#;
        let error = authn_error(400, body);
        let service = error.service().expect("a PingFederate error");
        assert_eq!((service.code.as_str(), service.attempts_left), ("VALIDATION_ERROR", Some(2)));
        assert!(service.has_detail("INVALID_OTP"));
        assert_eq!(service.message, "Wrong passcode");
        let oauth = oauth_error(400, br#"{"error":"invalid_grant","error_description":"spent"}"#);
        assert_eq!(oauth.service().map(|s| s.code.as_str()), Some("invalid_grant"));
        assert_eq!(authn_error(502, b"<html>").code(), "unexpected_server_answer");
    }

    #[test]
    fn only_http_urls_name_a_pingfederate() {
        let http = reqwest::Client::new();
        assert_eq!(
            PfClient::new(http.clone(), "http://127.0.0.1:9031/").expect("client").base(),
            "http://127.0.0.1:9031"
        );
        assert_eq!(PfClient::new(http.clone(), "ftp://x").err().map(|e| e.code().as_str()), Some("invalid_input"));
        let under_a_path = PfClient::new(http, "http://sso.example/pf/").expect("client");
        assert_eq!(
            under_a_path.url(FLOWS_PATH, &["a/b c"]).as_str(),
            "http://sso.example/pf/pf-ws/authn/flows/a%2Fb%20c"
        );
        assert_eq!(under_a_path.url("/pf/JWKS", &[]).as_str(), "http://sso.example/pf/pf/JWKS");
    }

    #[test]
    fn debug_output_names_the_server_but_never_the_session_cookie() {
        let client = PfClient::new(reqwest::Client::new(), "http://127.0.0.1:9031").expect("client");
        *client.cookie.lock().unwrap_or_else(PoisonError::into_inner) = Some(Secret::from("PF=ck-1a2b3c"));
        let text = format!("{client:?}");
        assert!(text.contains("127.0.0.1") && text.contains("[redacted]"), "{text}");
        assert!(!text.contains("ck-1a2b3c"), "{text}");
    }
}
