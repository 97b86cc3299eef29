//! Binding and serving each service of the stack, and the start-up calls between them.

use std::net::SocketAddr;

use anyhow::Context as _;
use moderno_ambient::serving;
use moderno_customer_server::CustomerState;
use moderno_wire::sdk::PairingMode;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::host_guard;

pub(crate) async fn set_pairing_mode(customer: &CustomerState, mode: PairingMode) -> anyhow::Result<()> {
    let sdk = customer.sdk();
    let mut settings =
        sdk.get_settings().await.map_err(|e| anyhow::anyhow!("reading the application settings: {e}"))?;
    settings.pairing_mode = mode;
    sdk.put_settings(&settings).await.map_err(|e| anyhow::anyhow!("setting the pairing mode: {e}"))?;
    Ok(())
}

pub(crate) async fn bind(addr: SocketAddr, what: &str) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding the {what} to {addr} (is another instance running?)"))
}

/// Serves `router` on `listener` until `stopped` ([`serving::serve`]), answering only requests
/// for the names it serves ([`host_guard`]) and under the request limits (in the service's shape,
/// `refusal`).
pub(crate) fn serve(
    listener: TcpListener,
    router: axum::Router,
    refusal: serving::Refusal,
    mut stopped: watch::Receiver<bool>,
    public_hosts: &[String],
) -> JoinHandle<()> {
    let hosts = listener.local_addr().map(|addr| host_guard::ServedHosts::new(addr, public_hosts));
    tokio::spawn(async move {
        let router = match hosts {
            Ok(hosts) => host_guard::layer(router, hosts),
            Err(error) => {
                tracing::error!(%error, "a listener without an address: not serving");
                return;
            }
        };
        let shutdown = async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        };
        serving::serve(listener, router, refusal, shutdown).await;
    })
}

/// The admin API's refusal over the request limits: its `{code, message}`.
pub(crate) fn admin_refusal() -> serving::Refusal {
    std::sync::Arc::new(|_target, status, words| {
        let body = moderno_wire::admin::AdminError { code: "REQUEST_TOO_LARGE".into(), message: words.into() };
        axum::response::IntoResponse::into_response((status, axum::Json(body)))
    })
}
