//! The admin API: demo and QA power over a running stack, on a listener of its own that is off
//! unless an address is given (`--admin-listen`; the desktop app's embedded stack turns it on).
//! On loopback it may run open; anywhere else (a shared QA server) it needs a bearer token
//! (`--admin-token`), checked on every route.
//!
//! - `GET /admin`: the clock, the fault switches and whether anything is tampered with;
//! - `POST /admin/clock {advanceSeconds}`: moves every service's clock forward (keys, tokens,
//!   ignore intervals, sessions and pushes expire as they would);
//! - `PUT /admin/faults/{name} {on}`: one switch ([`moderno_ambient::Fault`]);
//! - `POST /admin/reset`: every switch off (number matching at the PingID SDK too), the clock back
//!   to the wall clock;
//! - `PUT /admin/application {mfaEnabled?, numberMatching?}`: APPLICATION_DISABLED at the PingID
//!   SDK server; its number matching (beyond Ping, off by default);
//! - `PUT /admin/users/{username}/status {status}`: ACTIVE, SUSPENDED or BYPASS there;
//! - `GET /admin/hops?after=N`: the flow inspector's hops (when the stack records them);
//!   `GET /admin/report.html`: them as one self-contained page; `POST /admin/hops/clear`;
//! - `GET /admin/outbox/{username}`: the SMS and e-mail PingOne MFA "sent" the user (the demo's
//!   phone and mailbox), newest last;
//! - `GET /health` (no token: a load balancer's check): 200 `{"status":"UP"}` when every service
//!   of this instance answers its own `/health` and the shared controls' database answers, else
//!   503 `{"status":"DOWN"}` ([`crate::health`]).
//!
//! On a shared database the clock's advance, the switches, the number-matching memo and the
//! inspector's record are every instance's ([`crate::shared`]).
//!
//! `application` and `users/{username}/status` go through the customer server's signed SDK client,
//! as an administrator's tool would go through Ping's API.

use std::sync::Arc;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use moderno_ambient::{Clock, Fault, Faults};
use moderno_customer_server::CustomerState;
use moderno_wire::admin::{
    AdminState, AdvanceClock, ApplicationSwitch, FaultState, Hops, SwitchFault, UserStatusChange,
};

mod refusal;
mod token;

use refusal::Refusal;
pub use token::AdminToken;

use crate::health::Instance;
use crate::inspector::{self, Recorder};
use crate::shared::controls::Controls;
use moderno_wire::pingone::OutboxMessage;
use moderno_wire::sdk::{UpdateUser, UserStatus};

/// The longest single step of the virtual clock.
const MAX_ADVANCE_SECONDS: i64 = 400 * 24 * 3600;

#[derive(Clone)]
pub struct Admin {
    /// The clock, the switches, what this API moved the clock by (so `reset` can move it back)
    /// and the PingID SDK application's number matching as this API last read or set it. The
    /// memo is kept, not read on every `GET /admin`: each read is a signed call to the SDK
    /// server, and the inspector would show one every time the app asks for the state.
    controls: Controls,
    customer: CustomerState,
    recorder: Option<Recorder>,
    /// The services `GET /health` asks; `None`: only the controls' database.
    instance: Option<Arc<Instance>>,
    /// Every request must carry `Authorization: Bearer <token>` when set.
    token: Option<AdminToken>,
    /// PingOne MFA's management API, for the outbox.
    outbox: Option<Arc<Outbox>>,
    http: reqwest::Client,
}

/// Where PingOne MFA keeps what it "sent", and the PingOne that mints a worker token to read it.
pub struct Outbox {
    pub pingone_url: String,
    pub pingone: pingone_mfa_server::State,
}

impl Admin {
    pub fn new(clock: Clock, faults: Faults, customer: CustomerState, recorder: Option<Recorder>) -> Self {
        // Loopback calls to PingOne: no proxy, and a bound on how long one may take.
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(std::time::Duration::from_secs(5))
            .build()
            .unwrap_or_default();
        Self {
            controls: Controls::local(clock, faults),
            customer,
            recorder,
            instance: None,
            token: None,
            outbox: None,
            http,
        }
    }

    /// Requires this bearer token on every request.
    #[must_use]
    pub fn with_token(mut self, token: Option<AdminToken>) -> Self {
        self.token = token;
        self
    }

    /// The controls kept elsewhere (a shared database) instead of in this API.
    #[must_use]
    pub fn with_controls(mut self, controls: Controls) -> Self {
        self.controls = controls;
        self
    }

    /// `GET /health` also asks these services.
    #[must_use]
    pub fn with_instance(mut self, instance: Instance) -> Self {
        self.instance = Some(Arc::new(instance));
        self
    }

    #[must_use]
    pub fn with_outbox(mut self, outbox: Outbox) -> Self {
        self.outbox = Some(Arc::new(outbox));
        self
    }

    fn recorder(&self) -> Result<&Recorder, Refusal> {
        self.recorder.as_ref().ok_or_else(|| {
            Refusal::new(
                StatusCode::NOT_FOUND,
                "INSPECTOR_OFF",
                "this stack does not record hops (start it with the inspector on)",
            )
        })
    }

    /// The state, with the PingID SDK application's number matching (read once, then kept).
    async fn view(&self) -> AdminState {
        let number_matching = match self.controls.number_matching() {
            Some(on) => Some(on),
            None => match self.customer.sdk().get_settings().await {
                Ok(settings) => {
                    if let Err(error) = self.controls.remember_number_matching(settings.number_matching).await {
                        tracing::warn!(%error, "the number-matching memo could not be kept");
                    }
                    Some(settings.number_matching)
                }
                Err(error) => {
                    tracing::warn!(%error, "the PingID SDK's settings could not be read");
                    None
                }
            },
        };
        AdminState { number_matching, ..self.local_view() }
    }

    /// The clock and the switches this API holds itself.
    fn local_view(&self) -> AdminState {
        let on = self.controls.faults().on();
        let advanced_seconds = self.controls.advanced_ms().div_euclid(1000);
        AdminState {
            now: self.controls.clock().now().to_rfc3339(),
            advanced_seconds,
            faults: Fault::ALL
                .iter()
                .map(|f| FaultState { name: f.name().into(), description: f.description().into(), on: on.contains(f) })
                .collect(),
            tampered: !on.is_empty() || advanced_seconds != 0,
            number_matching: None,
        }
    }
}

pub fn router(admin: Admin) -> Router {
    let health = {
        let admin = admin.clone();
        moderno_ambient::serving::health(move || {
            let admin = admin.clone();
            async move { crate::health::ready(admin.instance.as_deref(), &admin.controls).await }
        })
    };
    let guarded = Router::new()
        .route("/admin", get(read))
        .route("/admin/clock", post(advance))
        .route("/admin/reset", post(reset))
        .route("/admin/faults/{name}", put(switch))
        .route("/admin/application", put(application))
        .route("/admin/users/{username}/status", put(user_status))
        .route("/admin/hops", get(hops))
        .route("/admin/hops/clear", post(clear_hops))
        .route("/admin/report.html", get(report))
        .route("/admin/outbox/{username}", get(outbox))
        .fallback(|| async { Refusal::new(StatusCode::NOT_FOUND, "NOT_FOUND", "no such admin route") })
        .layer(middleware::from_fn(http_refusals_as_json))
        .layer(middleware::from_fn_with_state(admin.clone(), require_token))
        .layer(middleware::from_fn(refuse_web_pages))
        .layer(DefaultBodyLimit::max(4096))
        .with_state(admin);
    Router::new().route("/health", health).merge(guarded)
}

/// What the HTTP layer answers on its own (a wrong method, a body over the limit) in the admin
/// API's `{code, message}` shape, its status kept.
async fn http_refusals_as_json(request: Request, next: Next) -> Response {
    match moderno_ambient::serving::plain_refusal(next.run(request).await).await {
        Ok(plain) => {
            let code = plain.status.canonical_reason().unwrap_or("REFUSED").to_ascii_uppercase().replace(' ', "_");
            Refusal::new(plain.status, &code, plain.words).into_response()
        }
        Err(answer) => answer,
    }
}

/// The admin API's clients are programs (the app's Rust side, scenarios, curl) and a person
/// opening the inspector's report; never another web page. A request a browser sends for a page
/// of another origin (its `Origin` is not this server, or `Sec-Fetch-Site` says cross-site or
/// same-site) is refused before anything runs, so a page cannot reset the stack, move the clock
/// or read the outbox, even with a `text/plain` body that needs no preflight. (A page on a
/// rebound name is the same origin, and refused by its `Host`: `host_guard`.)
async fn refuse_web_pages(request: Request, next: Next) -> Response {
    if moderno_customer_server::same_origin::from_another_page(request.headers()) {
        tracing::warn!(path = %request.uri().path(), "admin request from another web page refused");
        return Refusal::new(
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
            "the admin API does not answer other web pages (Origin, Sec-Fetch-Site)",
        )
        .into_response();
    }
    next.run(request).await
}

/// With a token configured, a request without it (or with another) gets 401 and does nothing.
async fn require_token(State(admin): State<Admin>, request: Request, next: Next) -> Response {
    let Some(expected) = &admin.token else {
        return next.run(request).await;
    };
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if expected.accepts(given) {
        next.run(request).await
    } else {
        tracing::warn!(path = %request.uri().path(), "admin request without the right token refused");
        Refusal::new(
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "the admin API needs its bearer token (Authorization: Bearer ...)",
        )
        .into_response()
    }
}

type Answer = Result<Json<AdminState>, Refusal>;

async fn read(State(admin): State<Admin>) -> Json<AdminState> {
    Json(admin.view().await)
}

async fn advance(State(admin): State<Admin>, body: Result<Json<AdvanceClock>, JsonRejection>) -> Answer {
    let Json(step) = body.map_err(Refusal::body)?;
    if !(1..=MAX_ADVANCE_SECONDS).contains(&step.advance_seconds) {
        return Err(Refusal::new(StatusCode::BAD_REQUEST, "INVALID_VALUE", "advanceSeconds is 1 second to 400 days"));
    }
    admin.controls.advance(step.advance_seconds * 1000).await.map_err(Refusal::database)?;
    tracing::warn!(seconds = step.advance_seconds, "virtual clock advanced");
    Ok(Json(admin.view().await))
}

async fn reset(State(admin): State<Admin>) -> Answer {
    admin.controls.reset().await.map_err(Refusal::database)?;
    // Number matching back to Ping's default (off), when it was switched on.
    let sdk = admin.customer.sdk();
    let mut settings = sdk.get_settings().await.map_err(Refusal::sdk)?;
    if settings.number_matching {
        settings.number_matching = false;
        sdk.put_settings(&settings).await.map_err(Refusal::sdk)?;
    }
    admin.controls.remember_number_matching(false).await.map_err(Refusal::database)?;
    tracing::warn!("faults cleared, the clock set back, number matching off");
    Ok(Json(admin.view().await))
}

async fn switch(
    State(admin): State<Admin>,
    Path(name): Path<String>,
    body: Result<Json<SwitchFault>, JsonRejection>,
) -> Answer {
    let fault = Fault::from_name(&name).ok_or_else(|| {
        let known: Vec<&str> = Fault::ALL.iter().map(|f| f.name()).collect();
        Refusal::new(
            StatusCode::NOT_FOUND,
            "UNKNOWN_FAULT",
            format!("no fault is called {name:?}; the faults are {}", known.join(", ")),
        )
    })?;
    let Json(SwitchFault { on }) = body.map_err(Refusal::body)?;
    admin.controls.switch(fault, on).await.map_err(Refusal::database)?;
    tracing::warn!(fault = fault.name(), on, "fault switched");
    Ok(Json(admin.view().await))
}

async fn application(State(admin): State<Admin>, body: Result<Json<ApplicationSwitch>, JsonRejection>) -> Answer {
    let Json(ApplicationSwitch { mfa_enabled, number_matching }) = body.map_err(Refusal::body)?;
    if mfa_enabled.is_none() && number_matching.is_none() {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "INVALID_VALUE",
            "say mfaEnabled or numberMatching (or both)",
        ));
    }
    let sdk = admin.customer.sdk();
    let mut settings = sdk.get_settings().await.map_err(Refusal::sdk)?;
    settings.enabled = mfa_enabled.unwrap_or(settings.enabled);
    settings.number_matching = number_matching.unwrap_or(settings.number_matching);
    sdk.put_settings(&settings).await.map_err(Refusal::sdk)?;
    admin.controls.remember_number_matching(settings.number_matching).await.map_err(Refusal::database)?;
    tracing::warn!(?mfa_enabled, ?number_matching, "PingID application switched");
    Ok(Json(admin.view().await))
}

async fn user_status(
    State(admin): State<Admin>,
    Path(username): Path<String>,
    body: Result<Json<UserStatusChange>, JsonRejection>,
) -> Answer {
    let Json(UserStatusChange { status }) = body.map_err(Refusal::body)?;
    if status == UserStatus::NotActive {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "INVALID_VALUE",
            "NOT_ACTIVE is the SDK server's own: set ACTIVE, SUSPENDED or BYPASS",
        ));
    }
    let update = UpdateUser { status: Some(status), bypass_expiration: None };
    admin.customer.sdk().update_user(&username, &update).await.map_err(Refusal::sdk)?;
    tracing::warn!(user = %username, ?status, "PingID user status set");
    Ok(Json(admin.view().await))
}

#[derive(serde::Deserialize)]
struct After {
    #[serde(default)]
    after: u64,
}

async fn hops(State(admin): State<Admin>, after: Result<Query<After>, QueryRejection>) -> Result<Json<Hops>, Refusal> {
    let Query(after) = after.map_err(|e| Refusal::new(StatusCode::BAD_REQUEST, "INVALID_VALUE", e.body_text()))?;
    let hops = admin.recorder()?.read_after(after.after).await.map_err(Refusal::record)?;
    Ok(Json(hops))
}

async fn clear_hops(State(admin): State<Admin>) -> Result<Json<Hops>, Refusal> {
    let recorder = admin.recorder()?;
    recorder.clear_all().await.map_err(Refusal::record)?;
    Ok(Json(recorder.read_after(0).await.map_err(Refusal::record)?))
}

async fn outbox(State(admin): State<Admin>, Path(username): Path<String>) -> Result<Json<Vec<OutboxMessage>>, Refusal> {
    let source = admin
        .outbox
        .as_ref()
        .ok_or_else(|| Refusal::new(StatusCode::NOT_FOUND, "OUTBOX_OFF", "this stack has no PingOne MFA outbox"))?;
    let failed = |e: reqwest::Error| {
        Refusal::new(StatusCode::BAD_GATEWAY, "PINGONE_FAILED", format!("PingOne MFA's outbox did not answer: {e}"))
    };
    let mut url = url::Url::parse(&source.pingone_url)
        .map_err(|e| Refusal::new(StatusCode::INTERNAL_SERVER_ERROR, "BAD_CONFIG", e.to_string()))?;
    url.path_segments_mut()
        .map_err(|()| {
            Refusal::new(StatusCode::INTERNAL_SERVER_ERROR, "BAD_CONFIG", "PingOne's URL cannot take a path")
        })?
        .extend(["outbox", username.as_str()]);
    let (token, _) = source.pingone.mint_access_token().await.map_err(|e| {
        Refusal::new(StatusCode::BAD_GATEWAY, "PINGONE_FAILED", format!("PingOne MFA gave no worker token: {e}"))
    })?;
    let response = admin.http.get(url).bearer_auth(token).send().await.map_err(failed)?;
    if response.status() == StatusCode::NOT_FOUND {
        return Ok(Json(vec![]));
    }
    Ok(Json(response.error_for_status().map_err(failed)?.json().await.map_err(failed)?))
}

async fn report(State(admin): State<Admin>) -> Result<Response, Refusal> {
    let hops = admin.recorder()?.read_after(0).await.map_err(Refusal::record)?.hops;
    let page = inspector::html(inspector::REPORT_TITLE, &hops);
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], page)
        .into_response())
}
