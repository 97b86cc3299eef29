//! The Moderno customer server: Ping's sample backend, re-done in Rust.
//!
//! - the first factor (Argon2id passwords, back-off and lockout) — [`first_factor`];
//! - the Moderno protocol, `POST /pingidsdk` (alias `/pidc`) — [`protocol`];
//! - signed calls to the PingID SDK server — [`sdk_client`];
//! - the pairing-key web page, `GET /` and `POST /pairing-key` — [`web`].
//!
//! [`app`] builds the router; the binary, the stack and the tests all mount it the same way.

mod config;
mod error;
mod error_bodies;
mod first_factor;
mod pairing_keys;
mod passwords;
mod protocol;
pub mod same_origin;
pub mod sdk_client;
mod sessions;
mod state;
mod store;
mod web;
mod web_sign_in;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use tower_http::trace::TraceLayer;

pub use config::{
    CustomerConfig, PasswordCost, DEMO_ACCOUNT_ID, DEMO_ACCOUNT_TOKEN, DEMO_API_KEY_B64, DEMO_APPLICATION_ID,
    DEMO_PASSWORD, DEMO_USERS, PUSH_LIFETIME, PUSH_POLL_INTERVAL,
};
pub use error_bodies::serving_refusal;
pub use first_factor::LOCK_AFTER_FAILURES;
pub use passwords::{Passwords, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};
pub use state::CustomerState;

/// The customer server's routes.
pub fn app(state: CustomerState) -> Router {
    Router::new()
        .route("/pingidsdk", post(protocol::handle))
        .route("/pidc", post(protocol::handle))
        .route("/", get(web::login_form))
        .route("/pairing-key", post(web::pairing_key).layer(DefaultBodyLimit::max(web::MAX_FORM_BYTES)))
        .route("/pairing-key/fresh", post(web::fresh_pairing_key))
        .route("/pairing-key.js", get(web::countdown_script))
        .route("/healthz", get(healthz))
        .route("/health", health(&state))
        .merge(web_sign_in::routes())
        .fallback(error_bodies::not_found)
        .layer(axum::middleware::from_fn(error_bodies::as_json))
        .layer(axum::middleware::from_fn(same_origin::refuse_other_pages))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// `GET /health` for a load balancer: 200 `{"status":"UP"}` while the database answers and holds
/// this release's schema, else 503 (beyond Ping, as `/healthz`).
fn health(state: &CustomerState) -> axum::routing::MethodRouter<CustomerState> {
    let state = state.clone();
    moderno_ambient::serving::health(move || {
        let state = state.clone();
        async move { state.ready().await }
    })
    .with_state(())
}

async fn healthz() -> &'static str {
    "ok"
}
