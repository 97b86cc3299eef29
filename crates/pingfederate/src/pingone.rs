//! PingFederate's side of PingOne: one reqwest client with timeouts calling the Platform API as
//! PingOne publishes it — the management API at `{pingone}/v1/environments/{envId}` and the auth
//! path at `{pingone}/{envId}` (`deviceAuthentications`, actions named by content type) — with a
//! worker access token from `POST {pingone}/{envId}/as/token` (client credentials), kept for its
//! lifetime by the injected clock and fetched again shortly before it ends or when PingOne
//! refuses it. A 4xx from PingOne comes back as [`Refusal`] (its detail code) for the
//! adapter to map; anything else is an upstream failure.
//!
//! Sources: https://developer.pingidentity.com/pingone-api/mfa/users/mfa-devices.html,
//! https://developer.pingidentity.com/pingone-api/mfa/mfa-authentication/mfa-device-authentications.html

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use moderno_ambient::{under, Clock};
use moderno_crypto::Secret;
use moderno_wire::pingone::{
    AccessToken, CheckOtp, CreateUser, Device, DeviceAuthentication, EntityArray, MfaDevice, MfaError, OAuthError,
    ResourceRef, SelectDevice, StartDeviceAuthentication, User, DEVICES_REORDER_CONTENT_TYPE,
    DEVICE_SELECT_CONTENT_TYPE, OTP_CHECK_CONTENT_TYPE,
};
use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::json;
use zeroize::Zeroizing;

use crate::error::AuthnApiError;
use crate::pingone_devices::adapter_devices;
use crate::Config;

/// The PingOne native application the adapter's mobile payloads come from (`application.id` of a
/// device authentication with a `mobilePayload`): the emulated PingOne's demo application.
pub const DEMO_PINGONE_APPLICATION_ID: &str = "3b9f6c2e-5d14-4a87-9e03-b6c1d8f2a475";

/// PingOne refused the call (4xx): the most specific code it gave.
#[derive(Debug, Clone)]
pub struct Refusal {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    /// `details[0].innerError.remainingAttempts` of a wrong passcode.
    pub remaining_attempts: Option<u32>,
}

pub type Answer<T> = Result<Result<T, Refusal>, AuthnApiError>;

pub struct PingOneClient {
    http: reqwest::Client,
    clock: Clock,
    remembered: Remembered,
    /// `{pingone}/v1/environments/{envId}` (api.pingone.com/v1).
    api: Url,
    /// `{pingone}/{envId}` (auth.pingone.com).
    auth: Url,
    client_id: String,
    client_secret: Secret<String>,
    /// The worker access token and when it expires (unix seconds). Each instance fetches its
    /// own, as each PingFederate node does: PingOne answers every one, and none is a flow's state.
    token: tokio::sync::Mutex<Option<(Zeroizing<String>, i64)>>,
}

/// A token this close to its end is fetched again (a call made with it must still arrive in time).
const TOKEN_MARGIN_SECONDS: i64 = 60;

/// The users' PingOne ids by username, kept in memory by each instance: a user's id never
/// changes once PingOne made it, so an instance that has none looks it up (a restart, or another
/// instance, only costs a lookup). What a flow needs beyond that is in the flow's record, on the
/// database every instance shares.
#[derive(Default)]
struct Remembered {
    user_ids: Mutex<HashMap<String, String>>,
}

/// Entries kept before the map is emptied (a bound, not a cache policy).
const MAX_REMEMBERED: usize = 10_000;

impl Remembered {
    fn user_id(&self, username: &str, id: &str) {
        let mut ids = self.user_ids.lock().unwrap_or_else(PoisonError::into_inner);
        if ids.len() >= MAX_REMEMBERED {
            ids.clear();
        }
        ids.insert(username.to_string(), id.to_string());
    }
}

/// One call: where, how, and the body with its content type.
struct Call<'a, B: Serialize> {
    method: Method,
    url: Url,
    body: Option<(&'a B, &'a str)>,
}

impl PingOneClient {
    pub fn new(config: &Config, clock: Clock) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .connect_timeout(std::time::Duration::from_secs(3))
            .no_proxy()
            .build()?;
        let root = moderno_ambient::setting_url(
            "PingFederate's pingone_url (--pingone-url, PINGONE_MFA_URL)",
            &config.pingone_url,
        )?;
        let env = config.pingone_environment_id.as_str();
        Ok(Self {
            http,
            clock,
            remembered: Remembered::default(),
            api: under(&root, &["v1", "environments", env]),
            auth: under(&root, &[env]),
            client_id: config.pingone_client_id.clone(),
            client_secret: config.pingone_client_secret.clone(),
            token: tokio::sync::Mutex::new(None),
        })
    }

    /// The worker access token: the kept one while it lasts, else a new one from `/as/token`
    /// (client_secret_basic, `grant_type=client_credentials`).
    async fn access_token(&self) -> Result<Zeroizing<String>, AuthnApiError> {
        let mut kept = self.token.lock().await;
        let now = self.clock.unix();
        if let Some((token, expires_at)) = kept.as_ref() {
            if *expires_at - TOKEN_MARGIN_SECONDS > now {
                return Ok(token.clone());
            }
        }
        let response = self
            .http
            .post(under(&self.auth, &["as", "token"]))
            .basic_auth(&self.client_id, Some(self.client_secret.expose().as_str()))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .map_err(|e| AuthnApiError::Upstream(e.without_url().to_string()))?;
        if !response.status().is_success() {
            let status = response.status();
            let error: Option<OAuthError> = response.json().await.ok();
            let code = error.map_or_else(|| status.to_string(), |e| e.error);
            tracing::error!(%code, "PingOne refused the worker's client credentials");
            return Err(AuthnApiError::Upstream(format!("PingOne refused the worker token request: {code}")));
        }
        let answer: AccessToken =
            response.json().await.map_err(|e| AuthnApiError::Upstream(format!("unexpected token answer: {e}")))?;
        let token = Zeroizing::new(answer.access_token);
        *kept = Some((token.clone(), now + answer.expires_in));
        tracing::info!(expires_in = answer.expires_in, "worker access token obtained");
        Ok(token)
    }

    /// Forgets the kept token (PingOne refused it: expired early, or PingOne restarted).
    async fn drop_token(&self) {
        *self.token.lock().await = None;
    }

    /// Sends `call` with the worker token; a 401 gets one retry with a fresh token.
    async fn send<T: DeserializeOwned, B: Serialize>(&self, call: Call<'_, B>) -> Answer<T> {
        let body = call
            .body
            .map(|(body, content_type)| serde_json::to_vec(body).map(|bytes| (bytes, content_type)))
            .transpose()
            .map_err(|e| AuthnApiError::Internal(e.to_string()))?;
        let mut retried = false;
        let response = loop {
            let token = self.access_token().await?;
            let mut request = self.http.request(call.method.clone(), call.url.clone()).bearer_auth(token.as_str());
            if let Some((bytes, content_type)) = &body {
                request = request.header(reqwest::header::CONTENT_TYPE, *content_type).body(bytes.clone());
            }
            let response = request.send().await.map_err(|e| AuthnApiError::Upstream(e.without_url().to_string()))?;
            if response.status() == StatusCode::UNAUTHORIZED && !retried {
                tracing::warn!("PingOne refused the worker token: fetching a new one");
                self.drop_token().await;
                retried = true;
                continue;
            }
            break response;
        };
        let status = response.status();
        let bytes = response.bytes().await.map_err(|e| AuthnApiError::Upstream(e.without_url().to_string()))?;
        if status.is_client_error() {
            let error: Option<MfaError> = serde_json::from_slice(&bytes).ok();
            let detail = error.as_ref().and_then(|e| e.details.first());
            let code = detail.map(|d| d.code.clone()).or_else(|| error.as_ref().map(|e| e.code.clone()));
            return Ok(Err(Refusal {
                status,
                code: code.unwrap_or_else(|| status.as_str().to_string()),
                remaining_attempts: detail.and_then(|d| d.inner_error.as_ref()).and_then(|i| i.remaining_attempts),
                message: error.map(|e| e.message).unwrap_or_default(),
            }));
        }
        if !status.is_success() {
            return Err(AuthnApiError::Upstream(format!("PingOne answered {status}")));
        }
        let bytes = if bytes.is_empty() { "null".as_bytes().into() } else { bytes };
        serde_json::from_slice(&bytes).map(Ok).map_err(|e| AuthnApiError::Upstream(format!("unexpected answer: {e}")))
    }

    async fn get<T: DeserializeOwned>(&self, url: Url) -> Answer<T> {
        self.send(Call::<()> { method: Method::GET, url, body: None }).await
    }

    async fn post<T: DeserializeOwned, B: Serialize>(&self, url: Url, body: &B, content_type: &str) -> Answer<T> {
        self.send(Call { method: Method::POST, url, body: Some((body, content_type)) }).await
    }

    /// The user's PingOne id, remembered from the first factor or looked up again.
    pub async fn user_id(&self, username: &str) -> Result<String, AuthnApiError> {
        let known = self.remembered.user_ids.lock().unwrap_or_else(PoisonError::into_inner).get(username).cloned();
        match known {
            Some(id) => Ok(id),
            None => self.ensure_user(username).await,
        }
    }

    /// The user's PingOne id: looked up by username (`GET /users?filter=username eq "bob"`), and
    /// created only when PingOne has no such user.
    pub async fn ensure_user(&self, username: &str) -> Result<String, AuthnApiError> {
        let id = self.find_or_create_user(username).await?;
        self.remembered.user_id(username, &id);
        Ok(id)
    }

    async fn find_or_create_user(&self, username: &str) -> Result<String, AuthnApiError> {
        if let Some(id) = self.find_user(username).await? {
            return Ok(id);
        }
        let body = CreateUser { username: username.into(), email: None, population: None };
        match self.post::<User, _>(under(&self.api, &["users"]), &body, "application/json").await? {
            Ok(user) => Ok(user.id),
            // Created meanwhile by a parallel sign-in.
            Err(refusal) if refusal.code == "UNIQUENESS_VIOLATION" => self
                .find_user(username)
                .await?
                .ok_or_else(|| AuthnApiError::Upstream("PingOne lost the user it said exists".into())),
            Err(refusal) => Err(AuthnApiError::Upstream(format!("user provisioning refused: {}", refusal.code))),
        }
    }

    async fn find_user(&self, username: &str) -> Result<Option<String>, AuthnApiError> {
        let mut url = under(&self.api, &["users"]);
        let quoted = username.replace('\\', "\\\\").replace('"', "\\\"");
        url.query_pairs_mut().append_pair("filter", &format!("username eq \"{quoted}\""));
        let users: EntityArray<User> =
            self.get(url).await?.map_err(|r| AuthnApiError::Upstream(format!("user lookup refused: {}", r.code)))?;
        Ok(users.into_items("users").into_iter().find(|u| u.username == username).map(|u| u.id))
    }

    /// The user's devices in order, as the adapter shows them.
    pub async fn devices(&self, user_id: &str) -> Answer<Vec<MfaDevice>> {
        let list: Answer<EntityArray<Device>> = self.get(under(&self.api, &["users", user_id, "devices"])).await;
        Ok(list?.map(|l| adapter_devices(&l.into_items("devices"))))
    }

    /// `POST {authPath}/{envId}/deviceAuthentications` `{user: {id}, mobilePayload?,
    /// application?}`, under `policy` (a PingOne device authentication policy id; `None`: the
    /// environment's default). A payload goes with its native application (`application.id`,
    /// "required only during device authorization flows when the mobilePayload value is
    /// provided": "MFA Device Authentications" data model).
    pub async fn start_authentication(
        &self,
        user_id: &str,
        mobile_payload: Option<String>,
        policy: Option<&str>,
    ) -> Answer<DeviceAuthentication> {
        let body = StartDeviceAuthentication {
            user: ResourceRef::new(user_id),
            selected_device: None,
            application: mobile_payload.as_ref().map(|_| ResourceRef::new(DEMO_PINGONE_APPLICATION_ID)),
            mobile_payload,
            policy: policy.map(ResourceRef::new),
        };
        self.post(under(&self.auth, &["deviceAuthentications"]), &body, "application/json").await
    }

    pub async fn authentication(&self, id: &str) -> Answer<DeviceAuthentication> {
        self.get(under(&self.auth, &["deviceAuthentications", id])).await
    }

    /// `device.select` on the device authentication.
    pub async fn select_device(&self, id: &str, device_id: &str) -> Answer<DeviceAuthentication> {
        let body = SelectDevice { device: ResourceRef::new(device_id), compatibility: None };
        self.post(under(&self.auth, &["deviceAuthentications", id]), &body, DEVICE_SELECT_CONTENT_TYPE).await
    }

    /// `otp.check` on the device authentication.
    pub async fn check_otp(&self, id: &str, otp: &str) -> Answer<DeviceAuthentication> {
        let body = CheckOtp { otp: otp.into() };
        self.post(under(&self.auth, &["deviceAuthentications", id]), &body, OTP_CHECK_CONTENT_TYPE).await
    }

    /// Makes `device_id` the default: the device order with it first (`devices.reorder`).
    pub async fn make_default(&self, user_id: &str, device_id: &str, current: &[MfaDevice]) -> Answer<Vec<MfaDevice>> {
        let order: Vec<_> = std::iter::once(device_id)
            .chain(current.iter().map(|d| d.id.as_str()).filter(|id| *id != device_id))
            .map(|id| json!({ "id": id }))
            .collect();
        let url = under(&self.api, &["users", user_id, "devices"]);
        let list: Answer<EntityArray<Device>> =
            self.post(url, &json!({ "order": order }), DEVICES_REORDER_CONTENT_TYPE).await;
        Ok(list?.map(|l| adapter_devices(&l.into_items("devices"))))
    }

    /// `PUT .../devices/{deviceId}/nickname`.
    pub async fn set_nickname(&self, user_id: &str, device_id: &str, nickname: &str) -> Answer<Device> {
        let url = under(&self.api, &["users", user_id, "devices", device_id, "nickname"]);
        let body = json!({ "nickname": nickname });
        self.send(Call { method: Method::PUT, url, body: Some((&body, "application/json")) }).await
    }

    pub async fn remove_device(&self, user_id: &str, device_id: &str) -> Answer<()> {
        self.send(Call::<()> {
            method: Method::DELETE,
            url: under(&self.api, &["users", user_id, "devices", device_id]),
            body: None,
        })
        .await
    }
}
