//! The signed HTTP client of the PingID SDK server API.
//!
//! Every request carries `Authorization: PINGID-HMAC=<jws>` over method, host, path, query and
//! body; every answer's `X-PINGID-Signature` is verified before its body is believed, errors
//! included. Reusable by tests and benchmarks: it knows nothing about the Moderno protocol.

use std::time::Duration;

use moderno_ambient::{Clock, Entropy, Fault, Faults};
use moderno_crypto::pingid_hmac::{ApiCredentials, RequestParts, SignatureError, RESPONSE_SIGNATURE_HEADER};
use moderno_wire::sdk::{
    ApplicationSettings, Authentication, AuthenticationRequest, CreateUser, DetailCode, ErrorBody, ErrorCode,
    OtpRequest, PairingKey, PairingKeyRequest, RegistrationToken, RegistrationTokenRequest, UpdateUser, User,
};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;
use url::Url;

/// Longest answer read from the SDK server.
const MAX_RESPONSE_BYTES: usize = 1024 * 1024;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// Why a call to the SDK server did not give the expected answer.
#[derive(Debug, thiserror::Error)]
pub enum SdkError {
    /// The SDK server answered with Ping's error body (signature verified).
    #[error("the SDK server answered {status} {}: {}", error_code_name(.body.code), .body.message)]
    Api { status: u16, body: ErrorBody },
    /// No answer: connection refused, timeout, reset.
    #[error("the SDK server could not be reached: {0}")]
    Transport(String),
    /// The answer's `X-PINGID-Signature` is missing or does not verify.
    #[error("the SDK server's answer is not signed correctly: {0}")]
    Signature(SignatureError),
    /// A signed answer that is not what the API promises (wrong JSON, unexpected status).
    #[error("the SDK server's answer was unexpected: {0}")]
    Unexpected(String),
}

fn error_code_name(code: ErrorCode) -> String {
    serde_json::to_value(code).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

impl SdkError {
    /// The Ping error body, for API errors.
    pub fn body(&self) -> Option<&ErrorBody> {
        match self {
            Self::Api { body, .. } => Some(body),
            _ => None,
        }
    }

    /// True when one of the error's details carries `code`.
    pub fn has_detail(&self, code: DetailCode) -> bool {
        self.body().is_some_and(|b| b.details.iter().any(|d| d.code == code))
    }

    /// True when a detail carries `code` on `target` (Ping's details name the field they are about).
    pub fn has_detail_on(&self, code: DetailCode, target: &str) -> bool {
        self.body().is_some_and(|b| b.details.iter().any(|d| d.code == code && d.target.as_deref() == Some(target)))
    }

    /// The top-level code, for API errors.
    pub fn code(&self) -> Option<ErrorCode> {
        self.body().map(|b| b.code)
    }

    /// "Not in this state": `REQUEST_FAILED` with `INVALID_VALUE` on `status` (the SDK server's
    /// `not_in_state`, e.g. an OTP for an authentication no longer waiting for one).
    pub fn is_not_in_state(&self) -> bool {
        self.code() == Some(ErrorCode::RequestFailed) && self.has_detail_on(DetailCode::InvalidValue, "status")
    }

    /// The first detail code, if any.
    pub fn detail(&self) -> Option<DetailCode> {
        self.body().and_then(|b| b.details.first()).map(|d| d.code)
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// Transport, signature and protocol failures: the SDK server did not really answer.
    pub fn is_unreachable(&self) -> bool {
        !matches!(self, Self::Api { .. })
    }
}

/// A signed client for one account and one application. `Debug` prints the credentials' secrets
/// `[redacted]`.
#[derive(Clone, Debug)]
pub struct SdkClient {
    http: reqwest::Client,
    base: Url,
    credentials: ApiCredentials,
    application_id: String,
    clock: Clock,
    entropy: Entropy,
    faults: Faults,
}

/// How far off the signing time is with the `SignatureOutOfWindow` switch on: past the SDK
/// server's 5-minute window.
const SKEWED_BY: chrono::Duration = chrono::Duration::minutes(10);

impl SdkClient {
    /// `base_url` is the API root including `/pingid/v1`.
    pub fn new(
        base_url: &str,
        credentials: ApiCredentials,
        application_id: impl Into<String>,
        clock: Clock,
        entropy: Entropy,
    ) -> anyhow::Result<Self> {
        let base = moderno_ambient::setting_url(
            "the customer server's sdk_base_url (--sdk-url, MODERNO_SDK_URL)",
            base_url.trim_end_matches('/'),
        )?;
        let mut builder = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none());
        if is_loopback(&base) {
            // A loopback server is never behind the environment's proxy.
            builder = builder.no_proxy();
        }
        Ok(Self {
            http: builder.build()?,
            base,
            credentials,
            application_id: application_id.into(),
            clock,
            entropy,
            faults: Faults::none(),
        })
    }

    /// The QA fault switches this client acts on (`SignatureOutOfWindow`).
    #[must_use]
    pub fn with_faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    fn signing_time(&self) -> chrono::DateTime<chrono::Utc> {
        let now = self.clock.now();
        if self.faults.is_on(Fault::SignatureOutOfWindow) {
            now - SKEWED_BY
        } else {
            now
        }
    }

    pub fn application_id(&self) -> &str {
        &self.application_id
    }

    /// `GET .../applications/{app}/users/{username}` (with `?expand=devices` when asked).
    pub async fn get_user(&self, username: &str, expand_devices: bool) -> Result<User, SdkError> {
        let query = expand_devices.then_some("expand=devices");
        self.call(Method::GET, &self.app_path(&["users", username]), query, None::<&()>).await
    }

    /// `POST .../users`.
    pub async fn create_user(&self, user: &CreateUser) -> Result<User, SdkError> {
        self.call(Method::POST, &self.account_path(&["users"]), None, Some(user)).await
    }

    /// Emulator extension: `PUT .../applications/{app}/users/{username}`.
    pub async fn update_user(&self, username: &str, update: &UpdateUser) -> Result<User, SdkError> {
        self.call(Method::PUT, &self.app_path(&["users", username]), None, Some(update)).await
    }

    /// `POST .../users/{username}/registrationtokens`: the server payload that pairs a device.
    pub async fn registration_token(
        &self,
        username: &str,
        request: &RegistrationTokenRequest,
    ) -> Result<RegistrationToken, SdkError> {
        let path = self.app_path(&["users", username, "registrationtokens"]);
        self.call(Method::POST, &path, None, Some(request)).await
    }

    /// `POST .../users/{username}/authentications`.
    pub async fn start_authentication(
        &self,
        username: &str,
        request: &AuthenticationRequest,
    ) -> Result<Authentication, SdkError> {
        let path = self.app_path(&["users", username, "authentications"]);
        self.call(Method::POST, &path, None, Some(request)).await
    }

    /// `GET .../authentications/{id}`.
    pub async fn get_authentication(&self, username: &str, id: &str) -> Result<Authentication, SdkError> {
        let path = self.app_path(&["users", username, "authentications", id]);
        self.call(Method::GET, &path, None, None::<&()>).await
    }

    /// `DELETE .../authentications/{id}`. The answer's body, if any, is not interpreted.
    pub async fn cancel_authentication(&self, username: &str, id: &str) -> Result<(), SdkError> {
        let path = self.app_path(&["users", username, "authentications", id]);
        self.exchange(Method::DELETE, &path, None, Vec::new()).await.map(drop)
    }

    /// `PUT .../authentications/{id}/otp`.
    pub async fn submit_otp(&self, username: &str, id: &str, request: &OtpRequest) -> Result<Authentication, SdkError> {
        let path = self.app_path(&["users", username, "authentications", id, "otp"]);
        self.call(Method::PUT, &path, None, Some(request)).await
    }

    /// `POST .../applications/{app}/pairingkeys`: the answer's `id` is the key itself.
    pub async fn create_pairing_key(&self, request: &PairingKeyRequest) -> Result<PairingKey, SdkError> {
        self.call(Method::POST, &self.app_path(&["pairingkeys"]), None, Some(request)).await
    }

    /// `GET .../applications/{app}/pairingkeys/{key}`: the key as typed (the SDK server ignores
    /// case, spaces and dashes); 404 when unknown or expired.
    pub async fn get_pairing_key(&self, key: &str) -> Result<PairingKey, SdkError> {
        self.call(Method::GET, &self.app_path(&["pairingkeys", key]), None, None::<&()>).await
    }

    /// Emulator extension: `GET .../applications/{app}/settings`.
    pub async fn get_settings(&self) -> Result<ApplicationSettings, SdkError> {
        self.call(Method::GET, &self.app_path(&["settings"]), None, None::<&()>).await
    }

    /// Emulator extension: `PUT .../applications/{app}/settings`.
    pub async fn put_settings(&self, settings: &ApplicationSettings) -> Result<ApplicationSettings, SdkError> {
        self.call(Method::PUT, &self.app_path(&["settings"]), None, Some(settings)).await
    }

    fn account_path(&self, rest: &[&str]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.pop_if_empty().push("accounts").push(&self.credentials.account_id).extend(rest);
        }
        url
    }

    fn app_path(&self, rest: &[&str]) -> Url {
        let app: [&str; 2] = ["applications", &self.application_id];
        self.account_path(&app.iter().chain(rest).copied().collect::<Vec<_>>())
    }

    async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        url: &Url,
        query: Option<&str>,
        body: Option<&B>,
    ) -> Result<T, SdkError> {
        let body = match body {
            Some(b) => serde_json::to_vec(b).map_err(|e| SdkError::Unexpected(e.to_string()))?,
            None => Vec::new(),
        };
        let answer = self.exchange(method, url, query, body).await?;
        serde_json::from_slice(&answer)
            .map_err(|e| SdkError::Unexpected(format!("the answer is not the expected JSON: {e}")))
    }

    /// Sends one signed request; returns the verified body of a 2xx answer.
    async fn exchange(
        &self,
        method: Method,
        url: &Url,
        query: Option<&str>,
        body: Vec<u8>,
    ) -> Result<Vec<u8>, SdkError> {
        let mut url = url.clone();
        url.set_query(query);
        let request_id = self.entropy.uuid();
        let authorization = self.credentials.authorize(
            &RequestParts {
                method: method.as_str(),
                host: url.host_str().unwrap_or_default(),
                path: url.path(),
                query: url.query(),
                body: &body,
            },
            self.signing_time(),
            &request_id,
        );
        let mut request = self
            .http
            .request(method, url)
            .header(reqwest::header::AUTHORIZATION, authorization)
            .header(reqwest::header::ACCEPT, "application/json");
        if !body.is_empty() {
            request = request.header(reqwest::header::CONTENT_TYPE, "application/json").body(body);
        }
        let mut response = request.send().await.map_err(transport)?;
        let status = response.status();
        let signature =
            response.headers().get(RESPONSE_SIGNATURE_HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let mut answer = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport)? {
            if answer.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(SdkError::Unexpected(format!("the answer is longer than {MAX_RESPONSE_BYTES} bytes")));
            }
            answer.extend_from_slice(&chunk);
        }
        self.credentials
            .verify_response(signature.as_deref(), &answer, self.clock.now())
            .map_err(SdkError::Signature)?;
        if status.is_success() {
            return Ok(answer);
        }
        match serde_json::from_slice::<ErrorBody>(&answer) {
            Ok(body) => Err(SdkError::Api { status: status.as_u16(), body }),
            Err(_) => Err(SdkError::Unexpected(format!("status {status} without a Ping error body"))),
        }
    }
}

/// A transport error with its causes ("connection refused"), without the URL.
fn transport(error: reqwest::Error) -> SdkError {
    let error = error.without_url();
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    SdkError::Transport(text)
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
#[path = "sdk_client_tests.rs"]
mod tests;
