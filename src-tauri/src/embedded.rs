//! The server stack inside the app, so the demo needs nothing else running.
//!
//! It listens on fixed loopback ports (not random ones): a paired device remembers the device API
//! it paired with, so the address must be the same after a restart. When the ports are taken by
//! another Moderno window, this window joins that window's stack instead: two windows side by
//! side are two devices of the same users.

use std::time::Duration;

use moderno_crypto::Secret;
use moderno_stack::admin::AdminToken;
use moderno_stack::{launch_token, RunningStack, Stack, StackConfig};
use tracing::{info, warn};

use crate::error::CommandError;

pub struct EmbeddedStack {
    template: StackConfig,
    running: tokio::sync::Mutex<Option<Running>>,
}

enum Running {
    Own(Box<RunningStack>, Secret<String>),
    Joined(StackUrls),
}

/// Where the embedded services answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackUrls {
    pub customer: String,
    pub pingfederate: String,
    /// The admin API (virtual clock, fault switches), when the stack runs one.
    pub admin: Option<String>,
    /// This launch's admin token ([`moderno_stack::launch_token`]).
    pub admin_token: Option<Secret<String>>,
}

impl EmbeddedStack {
    pub fn new(template: StackConfig) -> Self {
        Self { template, running: tokio::sync::Mutex::new(None) }
    }

    /// The services' URLs, starting the stack (or joining another window's) on first use.
    pub async fn urls(&self) -> Result<StackUrls, CommandError> {
        let mut running = self.running.lock().await;
        if let Some(r) = running.as_ref() {
            return Ok(r.urls());
        }
        // The admin API takes this launch's token only (every page and process can reach loopback).
        let token = Secret::new(launch_token::draw(&self.template.entropy).to_string());
        let mut config = self.template.clone();
        config.admin_token = AdminToken::new(token.expose());
        let started = match Stack::start(config).await {
            Ok(stack) => {
                info!(customer_url = %stack.customer_url, data_dir = %self.template.data_dir.display(), "embedded stack started");
                if let Err(error) = launch_token::keep(&self.template.data_dir, token.expose()) {
                    warn!(%error, "the admin token could not be kept for other windows: they will have no QA panel");
                }
                Running::Own(Box::new(stack), token)
            }
            Err(error) => {
                let url = format!("http://{}", self.template.customer_listen);
                if !is_moderno_server(&url).await {
                    return Err(CommandError::embedded_stack(&error));
                }
                warn!(%url, "the embedded ports are taken by another Moderno window: joining its stack");
                // That window runs the same demo configuration on the same ports.
                Running::Joined(StackUrls {
                    customer: url,
                    pingfederate: format!("http://{}", self.template.pingfederate_listen),
                    admin: self.template.admin_listen.map(|addr| format!("http://{addr}")),
                    admin_token: launch_token::read(&self.template.data_dir)
                        .map(|token| Secret::new(token.to_string())),
                })
            }
        };
        let urls = started.urls();
        *running = Some(started);
        Ok(urls)
    }

    /// Stops the embedded servers (on exit).
    pub async fn stop(&self) {
        if let Some(Running::Own(stack, _)) = self.running.lock().await.take() {
            stack.shutdown().await;
        }
    }
}

impl Running {
    fn urls(&self) -> StackUrls {
        match self {
            Self::Own(stack, token) => StackUrls {
                customer: stack.customer_url.clone(),
                pingfederate: stack.pingfederate_url.clone(),
                admin: stack.admin_url.clone(),
                admin_token: Some(token.clone()),
            },
            Self::Joined(urls) => urls.clone(),
        }
    }
}

/// Whether `url` answers like a Moderno customer server (its health check; the inspector does
/// not record it, so joining leaves no hop behind).
async fn is_moderno_server(url: &str) -> bool {
    let Ok(client) = reqwest::Client::builder().timeout(Duration::from_secs(3)).no_proxy().build() else {
        return false;
    };
    match client.get(format!("{url}/healthz")).send().await {
        Ok(response) if response.status().is_success() => response.text().await.is_ok_and(|body| body.trim() == "ok"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stack_addresses_print_in_debug_but_the_admin_token_does_not() {
        let urls = StackUrls {
            customer: "http://127.0.0.1:7102".into(),
            pingfederate: "http://127.0.0.1:7104".into(),
            admin: Some("http://127.0.0.1:7105".into()),
            admin_token: Some(Secret::new("launch-token-5f1e".into())),
        };
        let printed = format!("{urls:?}");
        assert!(printed.contains("http://127.0.0.1:7102") && printed.contains("http://127.0.0.1:7105"), "{printed}");
        assert!(!printed.contains("launch-token-5f1e"), "{printed}");
        assert!(printed.contains("[redacted]"), "{printed}");
    }
}
