//! The state a window works with: which profile (device identity), which backend and which
//! server, the device facade for that profile (and its PingOne MFA personality), and the login in
//! progress. Switching profile, backend or server replaces the whole [`Connection`]; commands clone
//! the current one and never hold a lock across a network call except the login's own (one login
//! step at a time).

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use moderno_ambient::{Clock, Entropy};
use moderno_device::pingfederate::{PfClient, PingOneDevice};
use moderno_device::{http_client, Device, DeviceDescription, DeviceOptions, KeyStore, SignedInUser, TransferSession};
use tracing::{info, instrument, warn};

use crate::admin_client::AdminAccess;
use crate::embedded::{EmbeddedStack, StackUrls};
use crate::error::{CommandError, ShellCode};
use crate::login::ActiveLogin;
use crate::models::{Backend, ConnectionView};

/// How the shell was started (flags, environment, or a test).
pub struct ShellConfig {
    pub profile: String,
    pub backend: Backend,
    /// The customer server or PingFederate; `None` runs the embedded stack.
    pub server_url: Option<String>,
    /// A shared server's admin API (QA panel, inspector, demo outbox); the embedded stack
    /// brings its own.
    pub admin: Option<AdminAccess>,
    pub embedded: EmbeddedStack,
    pub key_store: Arc<dyn KeyStore>,
    pub clock: Clock,
    pub entropy: Entropy,
}

/// Managed Tauri state: one per app instance.
pub struct Shell {
    key_store: Arc<dyn KeyStore>,
    clock: Clock,
    entropy: Entropy,
    embedded: EmbeddedStack,
    initial: (String, Backend, Option<String>),
    shared_admin: Option<AdminAccess>,
    current: RwLock<Option<Arc<Connection>>>,
    connecting: tokio::sync::Mutex<()>,
    /// The scenario being played step by step, if any (a stack of its own).
    pub scenario: tokio::sync::Mutex<Option<moderno_scenarios::ScenarioRun>>,
}

/// One profile talking to one server.
pub struct Connection {
    pub profile: String,
    pub backend: Backend,
    pub server_url: String,
    /// The embedded stack's addresses, when this connection uses it.
    pub embedded: Option<StackUrls>,
    /// The admin API the QA tools use: the embedded stack's, or a shared server's.
    pub admin: Option<AdminAccess>,
    /// The profile's device: its key, and its PingID SDK pairing.
    pub device: Device,
    /// With PingFederate: the same key's PingOne MFA personality, and the API client.
    pub pingfederate: Option<PingFederate>,
    pub clock: Clock,
    pub entropy: Entropy,
    /// The login in progress, if any; its lock is held for one step.
    pub login: tokio::sync::Mutex<Option<ActiveLogin>>,
    /// Pushes already announced by a desktop notification.
    pub announced: Mutex<HashSet<String>>,
    /// The user the last login signed in (PingID SDK: with the customer server's session token).
    pub signed_in: Mutex<Option<SignedInUser>>,
    /// The transfer in progress, if any; its lock is held for one step.
    pub transfer: tokio::sync::Mutex<Option<TransferSession>>,
}

impl Shell {
    pub fn new(config: ShellConfig) -> Self {
        Self {
            key_store: config.key_store,
            clock: config.clock,
            entropy: config.entropy,
            embedded: config.embedded,
            initial: (config.profile, config.backend, config.server_url),
            shared_admin: config.admin,
            current: RwLock::new(None),
            connecting: tokio::sync::Mutex::new(()),
            scenario: tokio::sync::Mutex::new(None),
        }
    }

    /// The current connection, made from the start-up settings the first time.
    pub async fn connection(&self) -> Result<Arc<Connection>, CommandError> {
        if let Some(current) = self.current() {
            return Ok(current);
        }
        let _one_at_a_time = self.connecting.lock().await;
        if let Some(current) = self.current() {
            return Ok(current);
        }
        let (profile, backend, server_url) = self.initial.clone();
        self.open_with_admin(&profile, backend, server_url, self.shared_admin.clone()).await
    }

    /// Switches to `profile` on `backend` at `server_url` (empty or `None`: the embedded stack;
    /// `backend` `None`: the one in use). With a shared server, `admin_url` is its admin API
    /// (`None`: the one given at start-up, when `server_url` is the start-up server). A login in
    /// progress on the old connection is cancelled.
    pub async fn connect(
        &self,
        profile: &str,
        backend: Option<Backend>,
        server_url: Option<String>,
        admin_url: Option<String>,
    ) -> Result<Arc<Connection>, CommandError> {
        let _one_at_a_time = self.connecting.lock().await;
        let old = self.current();
        if let Some(old) = &old {
            if let Some(mut login) = old.login.lock().await.take() {
                let _ = login.cancel().await;
            }
        }
        let backend = backend.or(old.map(|c| c.backend)).unwrap_or(self.initial.1);
        let admin = match admin_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
            // The start-up token goes only to the server it was given for.
            Some(url) => Some(match &self.shared_admin {
                Some(shared) if shared.same_origin(url) => shared.at(url),
                _ => AdminAccess::new(url, None),
            }),
            // The start-up admin API only with the start-up server: never a QA tool on server A
            // while the flows go to server B.
            None => self.shared_admin.clone().filter(|_| same_server(server_url.as_deref(), self.initial.2.as_deref())),
        };
        self.open_with_admin(profile, backend, server_url, admin).await
    }

    /// `shared_admin`: the admin API to use when `server_url` names a shared server.
    #[instrument(skip(self))]
    async fn open_with_admin(
        &self,
        profile: &str,
        backend: Backend,
        server_url: Option<String>,
        shared_admin: Option<AdminAccess>,
    ) -> Result<Arc<Connection>, CommandError> {
        let server_url = server_url.as_deref().and_then(typed_url).map(|url| checked_url(&url)).transpose()?;
        let options = DeviceOptions { description: describe(profile), ..DeviceOptions::default() };
        let device =
            Device::open_with(profile, Arc::clone(&self.key_store), self.clock.clone(), self.entropy.clone(), options);
        // The embedded stack starts while the device key is read from the keyring.
        let (server_url, embedded, device) = match server_url {
            Some(url) => (url, None, device.await?),
            None => {
                let (urls, device) = tokio::join!(self.embedded.urls(), device);
                let urls = urls?;
                let url = match backend {
                    Backend::ModernoPingidSdk => urls.customer.clone(),
                    Backend::PingfederatePingoneMfa => urls.pingfederate.clone(),
                };
                (url, Some(urls), device?)
            }
        };
        let pingfederate = match backend {
            Backend::ModernoPingidSdk => None,
            Backend::PingfederatePingoneMfa => Some(PingFederate {
                client: Arc::new(PfClient::new(http_client()?, &server_url)?),
                pingone: PingOneDevice::open(
                    &device,
                    Arc::clone(&self.key_store),
                    self.clock.clone(),
                    self.entropy.clone(),
                )
                .await?,
            }),
        };
        let admin = match &embedded {
            Some(urls) => urls
                .admin
                .as_deref()
                .map(|url| AdminAccess::new(url, urls.admin_token.as_ref().map(|t| t.expose().clone()))),
            None => match shared_admin {
                Some(admin) => {
                    checked_url(&admin.url)?;
                    if !admin.is_loopback() && admin.url.starts_with("http://") {
                        warn!(url = %admin.url, "the admin API is reached over plain HTTP: use it on a trusted network");
                    }
                    Some(admin)
                }
                None => None,
            },
        };
        info!(profile, ?backend, %server_url, embedded = embedded.is_some(), admin = ?admin.as_ref().map(|a| &a.url), paired = device.is_paired(), "connected");
        let connection = Arc::new(Connection {
            profile: profile.to_string(),
            backend,
            server_url,
            embedded,
            admin,
            device,
            pingfederate,
            clock: self.clock.clone(),
            entropy: self.entropy.clone(),
            login: tokio::sync::Mutex::new(None),
            announced: Mutex::new(HashSet::new()),
            signed_in: Mutex::new(None),
            transfer: tokio::sync::Mutex::new(None),
        });
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Some(Arc::clone(&connection));
        Ok(connection)
    }

    /// Stops the embedded stack, if this window runs one (on exit).
    pub async fn stop_embedded(&self) {
        self.embedded.stop().await;
    }

    fn current(&self) -> Option<Arc<Connection>> {
        self.current.read().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

/// The PingFederate side of a connection.
pub struct PingFederate {
    pub client: Arc<PfClient>,
    pub pingone: PingOneDevice,
}

impl Connection {
    pub fn view(&self) -> ConnectionView {
        let (paired, paired_username) = self.backend_side().stored_pairing();
        ConnectionView {
            profile: self.profile.clone(),
            backend: self.backend,
            server_url: self.server_url.clone(),
            embedded: self.embedded.is_some(),
            admin_url: self.admin.as_ref().map(|a| a.url.clone()),
            backends: Backend::ALL.to_vec(),
            paired,
            paired_username,
            web_sign_in_url: moderno_stack::web_pages::at(
                &self.server_url,
                match self.backend {
                    Backend::ModernoPingidSdk => moderno_stack::web_pages::CUSTOMER_SIGN_IN_PATH,
                    Backend::PingfederatePingoneMfa => moderno_stack::web_pages::PF_WIDGET_PATH,
                },
            ),
        }
    }

    /// The PingFederate side, or a plain refusal when this connection uses the customer server.
    pub fn pingfederate(&self) -> Result<&PingFederate, CommandError> {
        self.pingfederate.as_ref().ok_or_else(|| {
            CommandError::new(ShellCode::WrongBackend, "this needs PingFederate: choose it on the connection screen")
        })
    }

    /// Keeps (or, with `None`, forgets) the user a login signed in.
    pub fn remember_sign_in(&self, user: Option<SignedInUser>) {
        *self.signed_in.lock().unwrap_or_else(PoisonError::into_inner) = user;
    }

    /// The signed-in user a transfer is sent for, or a plain refusal.
    pub fn signed_in_user(&self) -> Result<SignedInUser, CommandError> {
        if self.pingfederate.is_some() {
            return Err(CommandError::new(
                ShellCode::WrongBackend,
                "transfers go through the customer server: choose the PingID SDK backend",
            ));
        }
        self.signed_in.lock().unwrap_or_else(PoisonError::into_inner).clone().ok_or_else(|| {
            CommandError::new(ShellCode::NotSignedIn, "sign in first: a transfer is sent for the signed-in user")
        })
    }

    /// True the first time a push id is seen, so each push is announced once.
    pub fn first_sight(&self, authentication_id: &str) -> bool {
        self.announced.lock().unwrap_or_else(PoisonError::into_inner).insert(authentication_id.to_string())
    }
}

/// Two profiles on one computer are two devices: the profile is part of the name others see.
fn describe(profile: &str) -> DeviceDescription {
    let mut description = DeviceDescription::of_this_computer();
    if profile != crate::config::DEFAULT_PROFILE {
        description.device_name = format!("{} ({profile})", description.device_name);
    }
    description
}

/// An address as typed, without surrounding blanks or a trailing `/`; `None` when empty.
pub(crate) fn typed_url(url: &str) -> Option<String> {
    Some(url.trim().trim_end_matches('/').to_string()).filter(|u| !u.is_empty())
}

/// Whether two server addresses (as typed; empty or none: the embedded stack) name one server.
fn same_server(a: Option<&str>, b: Option<&str>) -> bool {
    let norm = |u: Option<&str>| u.and_then(typed_url).map(|u| u.to_ascii_lowercase());
    norm(a) == norm(b)
}

fn checked_url(url: &str) -> Result<String, CommandError> {
    match reqwest::Url::parse(url) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.host().is_some() => Ok(url.to_string()),
        _ => Err(CommandError::new(
            ShellCode::InvalidServerUrl,
            format!("{url:?} is not a server address: type one like http://127.0.0.1:7002, or leave it empty for the built-in server"),
        )),
    }
}
