//! What a load balancer asks.
//!
//! - `GET /pf/heartbeat.ping`, as PingFederate has it: `200` with the text `OK` while the server
//!   runs (the default, `pf.heartbeat.system.monitoring=false`); any other status means the node
//!   is down ("Liveliness and responsiveness",
//!   https://docs.pingidentity.com/pingfederate/latest/pingfederate_monitoring_guide/pf_liveliness_responsiveness.html;
//!   "Configuring the heartbeat endpoint": "If a GET request receives a connection error or an
//!   HTTP status code other than 200, the server associated with the endpoint is down or
//!   malfunctioning"). Here the node is up when its database answers: otherwise `503`, in the
//!   authentication API's error shape as every error answer is (`error_bodies`).
//! - `GET /health`, the emulators' one health check (beyond Ping, `moderno_ambient::serving`):
//!   `200 {"status":"UP"}` / `503 {"status":"DOWN"}`.

use axum::extract::State as Shared;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::error::AuthnApiError;
use crate::State;

pub const HEARTBEAT_PATH: &str = "/pf/heartbeat.ping";
pub const HEALTH_PATH: &str = "/health";

pub async fn heartbeat(Shared(state): Shared<State>) -> Response {
    match state.db().database().ready().await {
        Ok(()) => ([(CONTENT_TYPE, "text/plain; charset=utf-8"), (CACHE_CONTROL, "no-store")], "OK").into_response(),
        Err(reason) => {
            // The reason may name a host: logged, not answered.
            tracing::warn!(%reason, "heartbeat: the database does not answer");
            AuthnApiError::Refused {
                status: StatusCode::SERVICE_UNAVAILABLE,
                message: "the server cannot take requests now".into(),
            }
            .into_response()
        }
    }
}

/// `GET /health` over the database's readiness.
pub fn health(state: &State) -> axum::routing::MethodRouter<State> {
    let db = state.db().database().clone();
    moderno_ambient::serving::health(move || {
        let db = db.clone();
        async move { db.ready().await.map_err(|e| e.to_string()) }
    })
    .with_state(())
}
