//! The state a window works with: which profile (device identity) and which server, the device
//! facade for that profile, and the login in progress. Switching profile or server replaces the
//! whole [`Connection`]; commands clone the current one and never hold a lock across a network call
//! except the login's own (one login step at a time).

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use moderno_ambient::{Clock, Entropy};
use moderno_device::{Device, DeviceDescription, DeviceOptions, KeyStore, LoginSession};
use tracing::{info, instrument};

use crate::embedded::EmbeddedStack;
use crate::error::CommandError;
use crate::models::{Backend, ConnectionView};

/// How the shell was started (flags, environment, or a test).
pub struct ShellConfig {
    pub profile: String,
    /// The customer server; `None` runs the embedded stack.
    pub server_url: Option<String>,
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
    initial: (String, Option<String>),
    current: RwLock<Option<Arc<Connection>>>,
    connecting: tokio::sync::Mutex<()>,
}

/// One profile talking to one server.
pub struct Connection {
    pub profile: String,
    pub server_url: String,
    pub embedded: bool,
    pub device: Device,
    pub clock: Clock,
    /// The login in progress, if any; its lock is held for one step.
    pub login: tokio::sync::Mutex<Option<LoginSession>>,
    /// Pushes already announced by a desktop notification.
    pub announced: Mutex<HashSet<String>>,
}

impl Shell {
    pub fn new(config: ShellConfig) -> Self {
        Self {
            key_store: config.key_store,
            clock: config.clock,
            entropy: config.entropy,
            embedded: config.embedded,
            initial: (config.profile, config.server_url),
            current: RwLock::new(None),
            connecting: tokio::sync::Mutex::new(()),
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
        let (profile, server_url) = self.initial.clone();
        self.open(&profile, server_url).await
    }

    /// Switches to `profile` on `server_url` (empty or `None`: the embedded stack). A login in
    /// progress on the old connection is cancelled.
    pub async fn connect(&self, profile: &str, server_url: Option<String>) -> Result<Arc<Connection>, CommandError> {
        let _one_at_a_time = self.connecting.lock().await;
        if let Some(old) = self.current() {
            if let Some(mut login) = old.login.lock().await.take() {
                let _ = login.cancel().await;
            }
        }
        self.open(profile, server_url).await
    }

    #[instrument(skip(self))]
    async fn open(&self, profile: &str, server_url: Option<String>) -> Result<Arc<Connection>, CommandError> {
        let server_url = server_url.map(|u| u.trim().trim_end_matches('/').to_string()).filter(|u| !u.is_empty());
        let (server_url, embedded) = match server_url {
            Some(url) => (checked_url(&url)?, false),
            None => (self.embedded.customer_url().await?, true),
        };
        let options = DeviceOptions { description: describe(profile), ..DeviceOptions::default() };
        let device = Device::open_with(profile, Arc::clone(&self.key_store), self.clock.clone(), self.entropy.clone(), options)
            .await?;
        info!(profile, %server_url, embedded, paired = device.is_paired(), "connected");
        let connection = Arc::new(Connection {
            profile: profile.to_string(),
            server_url,
            embedded,
            device,
            clock: self.clock.clone(),
            login: tokio::sync::Mutex::new(None),
            announced: Mutex::new(HashSet::new()),
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

impl Connection {
    pub fn view(&self) -> ConnectionView {
        ConnectionView {
            profile: self.profile.clone(),
            backend: Backend::ModernoPingidSdk,
            server_url: self.server_url.clone(),
            embedded: self.embedded,
            backends: vec![Backend::ModernoPingidSdk],
            paired: self.device.is_paired(),
            paired_username: self.device.paired_username(),
        }
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

fn checked_url(url: &str) -> Result<String, CommandError> {
    match reqwest::Url::parse(url) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.host().is_some() => Ok(url.to_string()),
        _ => Err(CommandError::new(
            "invalid_server_url",
            format!("{url:?} is not a server address: type one like http://127.0.0.1:7002, or leave it empty for the built-in server"),
        )),
    }
}
