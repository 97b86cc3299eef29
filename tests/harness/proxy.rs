//! A round-robin HTTP proxy on loopback, as a load balancer in front of several `moderno-stack`
//! instances: one listener per service hands each request (not each connection) to the next
//! instance in turn — A, B, A, … — with its method, path, headers and body; the answer comes back
//! with its status, headers and body, however long it took (long polls pass through). `Host`
//! passes through as the client sent it (nginx's `proxy_set_header Host $host`), so each
//! instance's DNS-rebinding guard still sees the name the client asked for. The proxy itself
//! takes more and larger header fields than the services, so their own refusals (431, 414) reach
//! the client. An instance that refuses the connection (killed) is skipped for the next one.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// Headers of one hop only (RFC 9110 7.6.1), and `content-length`, which the next hop sets.
const HOP_BY_HOP: [&str; 8] =
    ["connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade", "content-length"];

/// The largest body, and the most and largest header fields, passed through (the services refuse
/// far smaller ones, and say so in their own words).
const BODY_LIMIT: usize = 16 * 1024 * 1024;
const MAX_HEADERS: usize = 1000;
const HEADER_BUFFER: usize = 4 * 1024 * 1024;

/// One proxied address. Dropping it stops the listener.
pub struct RoundRobin {
    /// e.g. `http://127.0.0.1:41234`: what clients and the instances' public URLs use.
    pub url: String,
    shared: Arc<Shared>,
    task: Option<JoinHandle<()>>,
}

struct Shared {
    /// The instances' base URLs (`http://127.0.0.1:port`), in turn order.
    instances: RwLock<Vec<String>>,
    next: AtomicUsize,
    /// Requests sent to each instance, and answered by it (same order as `instances`).
    sent: RwLock<Vec<usize>>,
    answered: RwLock<Vec<usize>>,
    http: reqwest::Client,
}

impl RoundRobin {
    /// A proxy on a free loopback port, over `instances` (more may be set later).
    pub async fn start(instances: Vec<String>) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("a loopback port for the proxy");
        let url = format!("http://{}", listener.local_addr().expect("the proxy's address"));
        let http = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .build()
            .expect("the proxy's client");
        let shared = Arc::new(Shared {
            sent: RwLock::new(vec![0; instances.len()]),
            answered: RwLock::new(vec![0; instances.len()]),
            instances: RwLock::new(instances),
            next: AtomicUsize::new(0),
            http,
        });
        let app = axum::Router::new().fallback(forward).with_state(Arc::clone(&shared));
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { continue };
                let service = hyper_util::service::TowerToHyperService::new(app.clone());
                tokio::spawn(async move {
                    let _ = hyper::server::conn::http1::Builder::new()
                        .max_headers(MAX_HEADERS)
                        .max_buf_size(HEADER_BUFFER)
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self { url, shared, task: Some(task) }
    }

    /// Replaces the instances requests go to.
    pub fn set_instances(&self, instances: Vec<String>) {
        let count = instances.len();
        *self.shared.instances.write().unwrap_or_else(|e| e.into_inner()) = instances;
        *self.shared.sent.write().unwrap_or_else(|e| e.into_inner()) = vec![0; count];
        *self.shared.answered.write().unwrap_or_else(|e| e.into_inner()) = vec![0; count];
    }

    /// Stops listening: once this returns, the port refuses connections.
    pub async fn shutdown(mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }

    /// The instances requests go to, in turn order.
    pub fn instances(&self) -> Vec<String> {
        self.shared.instances.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// How many requests each instance answered, in the order the instances were given.
    pub fn answered(&self) -> Vec<usize> {
        self.shared.answered.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// How many requests were sent to each instance (answered or not yet).
    pub fn sent(&self) -> Vec<usize> {
        self.shared.sent.read().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl Drop for RoundRobin {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

async fn forward(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = to_bytes(body, BODY_LIMIT).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "the proxy could not read the body").into_response();
    };
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let instances = shared.instances.read().unwrap_or_else(|e| e.into_inner()).clone();
    let first = shared.next.fetch_add(1, Ordering::Relaxed);
    // Each instance at most once, starting with this request's turn: a refused connection (a
    // killed instance) moves on to the next; any answer, or any later failure, is final.
    for turn in 0..instances.len() {
        let index = (first + turn) % instances.len();
        let outgoing = shared
            .http
            .request(parts.method.clone(), format!("{}{path}", instances[index]))
            .headers(end_to_end(&parts.headers))
            .body(body.clone());
        count(&shared.sent, index);
        match outgoing.send().await {
            Ok(answer) => {
                count(&shared.answered, index);
                return pass_back(answer).await;
            }
            Err(e) if e.is_connect() => continue,
            Err(_) => return (StatusCode::BAD_GATEWAY, "the instance did not answer").into_response(),
        }
    }
    (StatusCode::BAD_GATEWAY, "no instance accepted the connection").into_response()
}

fn count(counts: &RwLock<Vec<usize>>, index: usize) {
    if let Some(count) = counts.write().unwrap_or_else(|e| e.into_inner()).get_mut(index) {
        *count += 1;
    }
}

async fn pass_back(answer: reqwest::Response) -> Response {
    let status = answer.status();
    let headers = end_to_end(answer.headers());
    let Ok(body) = answer.bytes().await else {
        return (StatusCode::BAD_GATEWAY, "the instance's answer broke off").into_response();
    };
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}

fn end_to_end(headers: &HeaderMap) -> HeaderMap {
    let mut kept = headers.clone();
    for name in HOP_BY_HOP {
        kept.remove(HeaderName::from_static(name));
    }
    kept
}
