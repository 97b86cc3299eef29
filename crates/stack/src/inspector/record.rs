//! The layer each service's router is wrapped in: it reads the request and the answer as they
//! pass (both are small JSON documents, below the services' own body limits) and records a hop.

use std::time::Instant;

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use moderno_ambient::Clock;
use moderno_crypto::sha256_hex;
use moderno_wire::admin::{Decoded, Hop};
use serde_json::json;

use super::flow_steps::{self, Exchange};
use super::redact;
use super::Recorder;

/// Every service's health check (`moderno_ambient::serving::health`).
const HEALTH_PATH: &str = "/health";

/// Largest body the inspector reads through (the services refuse far smaller ones themselves).
const MAX_BODY: usize = 1024 * 1024;

/// The four services, as the diagram names their lanes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    PingIdSdk,
    Customer,
    PingOne,
    PingFederate,
}

impl Service {
    pub fn name(self) -> &'static str {
        match self {
            Self::PingIdSdk => "PingID SDK",
            Self::Customer => "Customer server",
            Self::PingOne => "PingOne MFA",
            Self::PingFederate => "PingFederate",
        }
    }

    /// Who calls this service on `path`.
    fn caller(self, path: &str) -> &'static str {
        match self {
            Self::PingIdSdk if path.starts_with("/pingid/v1/accounts") => "Customer server",
            // The device API, PingOne's keys (the mobile SDK checks the pairing ID token with them)
            // and the demo's outbox are the app's; every other PingOne Platform API call
            // (management and auth path) is PingFederate's.
            Self::PingOne
                if !path.starts_with("/device/") && !path.starts_with("/outbox/") && !path.ends_with("/as/jwks") =>
            {
                "PingFederate"
            }
            Self::Customer if path == "/" || path.starts_with("/pairing-key") || path.starts_with("/sign-in") => {
                "Web browser"
            }
            _ => "App",
        }
    }
}

#[derive(Clone)]
struct Tap {
    recorder: Recorder,
    clock: Clock,
    service: Service,
}

/// Wraps `router` so every exchange it answers is recorded.
pub fn layer(router: Router, recorder: Recorder, clock: Clock, service: Service) -> Router {
    router.layer(from_fn_with_state(Tap { recorder, clock, service }, record))
}

async fn record(State(tap): State<Tap>, request: Request, next: Next) -> Response {
    // A load balancer's health checks are no step of a flow, and cost the shared record nothing.
    if request.uri().path() == HEALTH_PATH {
        return next.run(request).await;
    }
    let started = Instant::now();
    let at = tap.clock.now().to_rfc3339();
    let Some(order) = tap.recorder.arrival().await else {
        return next.run(request).await;
    };
    let (parts, body) = request.into_parts();
    let Ok(request_bytes) = to_bytes(body, MAX_BODY).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "the request body is too large").into_response();
    };
    let method = parts.method.to_string();
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().map(str::to_string);
    let headers = parts.headers.clone();
    let response = next.run(Request::from_parts(parts, Body::from(request_bytes.clone()))).await;
    let (response_parts, response_body) = response.into_parts();
    let response_bytes = to_bytes(response_body, usize::MAX).await.unwrap_or_default();
    if !worth_showing(&path, &response_bytes) {
        return Response::from_parts(response_parts, Body::from(response_bytes));
    }
    let mut decoded = Vec::new();
    let mut request_json = redact::body(&request_bytes, content_type(&headers));
    let mut response_json = redact::body(&response_bytes, content_type(&response_parts.headers));
    // Read before the secrets are hidden: an empty field and a hidden one must not look alike.
    let reading = flow_steps::read(&Exchange {
        service: tap.service,
        method: &method,
        path: &path,
        query: query.as_deref(),
        content_type: content_type(&headers),
        status: response_parts.status.as_u16(),
        request: request_json.as_ref(),
        response: response_json.as_ref(),
    });
    if let Some(value) = request_json.as_mut() {
        redact::inspect(value, &mut decoded, "request");
        redact::pairing_key_resource(&path, value);
    }
    if let Some(value) = response_json.as_mut() {
        flow_state(value, &mut decoded);
        redact::inspect(value, &mut decoded, "response");
        redact::pairing_key_resource(&path, value);
    }
    if let Some(signature) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
        let canonical = canonical_string(&method, host, &redact::path(&path), query.as_deref(), &request_bytes);
        decoded.extend(redact::pingid_hmac(signature, canonical));
    }
    let shown_path = match &query {
        Some(q) => format!("{}?{}", redact::path(&path), redact::query(q)),
        None => redact::path(&path),
    };
    tap.recorder
        .push(Hop {
            seq: 0,
            order,
            at,
            from: tap.service.caller(&path).into(),
            to: tap.service.name().into(),
            method,
            path: shown_path,
            status: response_parts.status.as_u16(),
            millis: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            request: request_json,
            response: response_json,
            decoded,
            step: reading.step,
            step_source: reading.source.map(str::to_owned),
            beyond_ping: reading.beyond_ping.is_some(),
            beyond_ping_reason: reading.beyond_ping.map(str::to_owned),
        })
        .await;
    Response::from_parts(response_parts, Body::from(response_bytes))
}

/// Health checks and long polls that found nothing would drown the flow.
fn worth_showing(path: &str, response: &[u8]) -> bool {
    // A page's scripts, styles and images (Ping's widget alone is 860 KiB) are no step of a flow.
    const STATIC_FILES: [&str; 7] = [".js", ".css", ".svg", ".png", ".map", ".woff2", ".ico"];
    !(path == "/healthz"
        || STATIC_FILES.iter().any(|ext| path.ends_with(ext))
        || (path.ends_with("/pushes") && response == b"[]"))
}

fn content_type(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok())
}

/// PINGID-HMAC's canonical string, as the signer built it: `METHOD:host:path:[query:]sha256(body):`.
fn canonical_string(method: &str, host: &str, path: &str, query: Option<&str>, body: &[u8]) -> String {
    let query = query.map(|q| format!("{q}:")).unwrap_or_default();
    format!("{method}:{host}:{path}:{query}{}:", sha256_hex(body))
}

/// A PingFederate flow answer: its status and the actions its `_links` offer.
fn flow_state(value: &serde_json::Value, decoded: &mut Vec<Decoded>) {
    if let (Some(status), Some(links)) = (value.get("status"), value.get("_links").and_then(|l| l.as_object())) {
        let actions: Vec<&String> = links.keys().filter(|k| *k != "self").collect();
        decoded
            .push(Decoded { label: "PingFederate flow".into(), value: json!({"status": status, "actions": actions}) });
    }
}

#[cfg(test)]
mod tests {
    use super::{worth_showing, Service};

    #[test]
    fn each_pingone_hop_is_drawn_from_whoever_calls_it() {
        let env = "/v1/environments/e";
        assert_eq!(Service::PingOne.caller(&format!("{env}/users/u/devices")), "PingFederate");
        assert_eq!(Service::PingOne.caller("/e/deviceAuthentications"), "PingFederate");
        assert_eq!(Service::PingOne.caller("/e/as/token"), "PingFederate");
        assert_eq!(Service::PingOne.caller("/e/as/jwks"), "App", "the mobile SDK checks the pairing token");
        assert_eq!(Service::PingOne.caller("/device/pairings"), "App");
    }

    #[test]
    fn a_pages_files_and_empty_long_polls_are_no_hops() {
        for path in
            ["/widget/pf.authn-widget.js", "/widget/sign-in.css", "/widget/logo.svg", "/favicon.ico", "/healthz"]
        {
            assert!(!worth_showing(path, b"x"), "{path}");
        }
        assert!(!worth_showing("/pingid/v1/device/pushes", b"[]"));
        for path in ["/widget/", "/pf-ws/authn/flows/abc", "/as/token.oauth2", "/pingidsdk"] {
            assert!(worth_showing(path, b"{}"), "{path}");
        }
    }
}
