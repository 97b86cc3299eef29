//! An emulated PingID SDK server.
//!
//! Two faces on one listener:
//! - the Ping API a customer server calls, under `/pingid/v1/accounts/{acct}` and signed with
//!   PINGID-HMAC both ways (users, registration tokens, authentications, pairing keys, and the
//!   administrator's settings that Ping keeps in its portal);
//! - the device API the SDK component calls directly, under `/pingid/v1/device`, signed with the
//!   device key (completing pairing, push long-polling and answers, notices of added and removed
//!   devices).
//!
//! State lives in one SQLite file, or in PostgreSQL for several instances that behave as one
//! (`SdkConfig::database_url`); time and randomness are injected ([`moderno_ambient`]).
//! `GET /health` answers a load balancer (beyond Ping: an operations endpoint).
//! The behaviour follows `docs/design.md`; every route is listed in `docs/api/pingid-sdk-server.md`
//! and `docs/api/device-api.md`.

mod body;
pub mod cli;
mod config;
mod db;
mod device_api;
mod device_notices;
mod envelope;
mod error;
mod mobile_payload;
mod new_device;
mod push_limit;
mod request_span;
mod retention;
mod routes;
mod scope;
mod secrets;
mod signing;
mod state;
mod store;
mod timestamps;
mod wake;

use axum::extract::DefaultBodyLimit;
use axum::{middleware, Router};
use tower_http::trace::TraceLayer;

pub use config::{
    SdkConfig, DEFAULT_POLL_RECHECK, DEMO_ACCOUNT_ID, DEMO_ACCOUNT_TOKEN, DEMO_API_KEY_B64, DEMO_APPLICATION_ID,
    MAX_BODY_BYTES,
};
pub use db::SCHEMAS;
pub use envelope::serving_refusal;
pub use error::ApiError;
pub use retention::Purged;
pub use state::SdkState;

/// The whole service: the Ping API and the device API, with Ping's error bodies, 64 KiB bodies
/// and signed responses everywhere; and `GET /health` (200 `{"status":"UP"}` once the database
/// answers with this release's schema, else 503), outside Ping's envelope and unlogged.
pub fn app(state: SdkState) -> Router {
    let health = {
        let state = state.clone();
        moderno_ambient::serving::health(move || {
            let state = state.clone();
            async move { state.ready().await }
        })
    };
    Router::new()
        .merge(routes::ping_api(state.clone()))
        .merge(device_api::router())
        .fallback(|| async { ApiError::for_status(axum::http::StatusCode::NOT_FOUND) })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state(state.clone(), envelope::finish_response))
        .layer(TraceLayer::new_for_http().make_span_with(request_span::make_span))
        .with_state(state)
        .route("/health", health)
}
