//! One way for every service to serve HTTP: a server loop whose HTTP layer never answers first.
//!
//! hyper answers some requests itself, before any handler, with an empty body: 431 for more than
//! 100 header fields or a head over its buffer, 414 for a target over 64 KiB, 400 for a request
//! line or header it cannot parse. So that every status a service answers is JSON in that
//! service's own error shape, [`serve`] sets hyper's limits far above the project's own
//! ([`MAX_HEADERS`], [`MAX_HEADER_BYTES`], [`MAX_TARGET_BYTES`]) and refuses a request over the
//! project's limits in a layer, through the service's [`Refusal`].
//!
//! What still gets hyper's bodiless answer (no handler can run, so no shape can be given): a
//! request line or header hyper cannot parse (400), more than [`HYPER_MAX_HEADERS`] header fields
//! or a head over [`HYPER_MAX_HEAD_BYTES`] (431), a target over 65,534 bytes (414). A request
//! head that never completes gets no answer at all (no 408: nothing times out a head here, as
//! with `axum::serve`); an HTTP/2 preface on this HTTP/1.1 server is closed without an answer.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

/// The most header fields a request may carry (hyper's own default, so nothing that passed
/// before is refused now).
pub const MAX_HEADERS: usize = 100;
/// The most bytes of header names and values a request may carry, all fields together.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;
/// The longest request target (path and query) a request may name.
pub const MAX_TARGET_BYTES: usize = 16 * 1024;
/// hyper's own limits, far above the project's: between the two, the layer answers.
pub const HYPER_MAX_HEADERS: usize = 1000;
pub const HYPER_MAX_HEAD_BYTES: usize = 1024 * 1024;

/// A service's refusal in its own error shape: the request's target, the status and the words.
pub type Refusal = Arc<dyn Fn(&Uri, StatusCode, &str) -> Response + Send + Sync>;

/// The most of a plain-text rejection kept in a [`PlainRefusal`]'s words.
const MAX_WORDS: usize = 300;

/// An error answer the HTTP layer wrote itself (no route, a wrong method, an extractor's
/// plain-text rejection, a body over its limit), for a service to answer again in its own shape.
pub struct PlainRefusal {
    pub status: StatusCode,
    /// The status's reason, lowercase, and the layer's own text after a colon when it gave one.
    pub words: String,
    /// The answer's other headers (`Allow`, `Retry-After`, …), without its content type and length.
    pub headers: HeaderMap,
}

/// `Err(response)` unchanged when it is no error or already JSON or a page; else its status, words
/// and headers, for the service's own error shape.
pub async fn plain_refusal(response: Response) -> Result<PlainRefusal, Response> {
    let status = response.status();
    let typed = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json") || t.starts_with("text/html"));
    if typed || !(status.is_client_error() || status.is_server_error()) {
        return Err(response);
    }
    let (mut parts, body) = response.into_parts();
    let text = match axum::body::to_bytes(body, 64 * 1024).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).trim().chars().take(MAX_WORDS).collect::<String>(),
        Err(_) => String::new(),
    };
    let reason = status.canonical_reason().unwrap_or("refused").to_ascii_lowercase();
    let words = if text.is_empty() { reason } else { format!("{reason}: {text}") };
    parts.headers.remove(CONTENT_TYPE);
    parts.headers.remove(CONTENT_LENGTH);
    Ok(PlainRefusal { status, words, headers: parts.headers })
}

/// A standalone server's socket: `listen` bound, and the address it is reached at — `public_url`
/// when one was given, else `http://` and the bound address (the port the system picked for `:0`).
pub async fn bind(listen: std::net::SocketAddr, public_url: Option<String>) -> std::io::Result<(TcpListener, String)> {
    let listener = TcpListener::bind(listen).await?;
    let url = public_url.unwrap_or_else(|| format!("http://{}", listener.local_addr().unwrap_or(listen)));
    Ok((listener, url))
}

/// [`serve`] until Ctrl-C or, on Unix, SIGTERM (what a container runtime or a service manager
/// sends to stop an instance): a standalone server's binary. In-flight requests finish first.
pub async fn serve_until_ctrl_c(listener: TcpListener, router: Router, refusal: Refusal) {
    serve(listener, router, refusal, stop_signal()).await;
}

/// Completes on Ctrl-C or, on Unix, SIGTERM.
pub async fn stop_signal() {
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(term) => term,
            Err(error) => {
                tracing::warn!(%error, "cannot watch for SIGTERM; stopping on Ctrl-C only");
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    tracing::info!("stopping: finishing the requests in flight");
}

/// A health check for a load balancer (`GET /health`, beyond Ping: an operations endpoint of
/// the emulators): `200 {"status":"UP"}` when `ready` says the service can take traffic (its
/// database answers and holds this release's schema), else `503 {"status":"DOWN"}` (the reason is
/// logged, not answered: it may name a host).
pub fn health<F, Fut>(ready: F) -> axum::routing::MethodRouter
where
    F: Fn() -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<(), String>> + Send + 'static,
{
    axum::routing::get(move || {
        let ready = ready.clone();
        async move {
            let (status, body) = match ready().await {
                Ok(()) => (StatusCode::OK, r#"{"status":"UP"}"#),
                Err(reason) => {
                    tracing::warn!(%reason, "health check: not ready");
                    (StatusCode::SERVICE_UNAVAILABLE, r#"{"status":"DOWN"}"#)
                }
            };
            (status, [(CONTENT_TYPE, "application/json"), (axum::http::header::CACHE_CONTROL, "no-store")], body)
        }
    })
}

/// Serves `router` on `listener` until `shutdown` completes, then lets the open connections
/// finish their requests. Requests over the project's limits get `refusal`'s answer.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    refusal: Refusal,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let router = router.layer(middleware::from_fn_with_state(refusal, refuse_over_limits));
    let mut builder = Builder::new(TokioExecutor::new()).http1_only();
    builder.http1().max_headers(HYPER_MAX_HEADERS).max_buf_size(HYPER_MAX_HEAD_BYTES);
    let connections = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => stream,
                Err(error) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = TowerToHyperService::new(router.clone());
        let connection = connections.watch(builder.serve_connection(TokioIo::new(stream), service).into_owned());
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::trace!(%error, "a connection ended with an error");
            }
        });
    }
    drop(listener);
    connections.shutdown().await;
}

/// Refuses a request over [`MAX_HEADERS`] or [`MAX_HEADER_BYTES`] (431) or [`MAX_TARGET_BYTES`]
/// (414) before anything else runs.
async fn refuse_over_limits(State(refusal): State<Refusal>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    let bytes: usize = headers.iter().map(|(name, value)| name.as_str().len() + value.len()).sum();
    let target = request.uri().path_and_query().map_or(0, |p| p.as_str().len());
    let over = if headers.len() > MAX_HEADERS {
        Some((StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, format!("more than {MAX_HEADERS} header fields")))
    } else if bytes > MAX_HEADER_BYTES {
        Some((
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            format!("the header fields are over {MAX_HEADER_BYTES} bytes"),
        ))
    } else if target > MAX_TARGET_BYTES {
        Some((StatusCode::URI_TOO_LONG, format!("the request target is over {MAX_TARGET_BYTES} bytes")))
    } else {
        None
    };
    match over {
        Some((status, words)) => {
            tracing::warn!(
                status = status.as_u16(),
                fields = headers.len(),
                bytes,
                target,
                "refused a request over the limits"
            );
            refusal(request.uri(), status, &words)
        }
        None => next.run(request).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::response::IntoResponse as _;
    use axum::routing::get;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    /// A plain text refusal that names the target, so a test sees it ran and with what.
    fn refusal() -> Refusal {
        Arc::new(|uri: &Uri, status, words: &str| (status, format!("refused {}: {words}", uri.path())).into_response())
    }

    async fn started() -> (String, tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let router = Router::new().route("/hello", get(|| async { "hello" }));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(serve(listener, router, refusal(), async move {
            let _ = stopped.await;
        }));
        (url, stop, task)
    }

    #[tokio::test]
    async fn a_request_over_the_header_limits_gets_the_services_refusal_and_the_next_one_is_served() {
        let (url, _stop, _task) = started().await;
        let client = reqwest::Client::new();
        let mut many = client.get(format!("{url}/hello"));
        for i in 0..=MAX_HEADERS {
            many = many.header(format!("x-field-{i}"), "1");
        }
        let answer = many.send().await.expect("answered");
        assert_eq!(answer.status(), StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
        assert_eq!(answer.text().await.expect("body"), "refused /hello: more than 100 header fields");

        let huge = "a".repeat(MAX_HEADER_BYTES + 1);
        let answer = client.get(format!("{url}/hello")).header("x-huge", huge).send().await.expect("answered");
        assert_eq!(answer.status(), StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
        assert_eq!(answer.text().await.expect("body"), "refused /hello: the header fields are over 32768 bytes");

        let long = format!("{url}/hello?q={}", "b".repeat(MAX_TARGET_BYTES));
        let answer = client.get(long).send().await.expect("answered");
        assert_eq!(answer.status(), StatusCode::URI_TOO_LONG);

        let answer = client.get(format!("{url}/hello")).send().await.expect("answered");
        assert_eq!(answer.status(), StatusCode::OK);
        assert_eq!(answer.text().await.expect("body"), "hello");
    }

    #[tokio::test]
    async fn exactly_the_limit_of_header_fields_is_served() {
        let (url, _stop, _task) = started().await;
        let address = url.trim_start_matches("http://");
        let mut stream = tokio::net::TcpStream::connect(address).await.expect("connect");
        let mut head = format!("GET /hello HTTP/1.1\r\nhost: {address}\r\nconnection: close\r\n");
        for i in 0..MAX_HEADERS - 2 {
            head.push_str(&format!("x-field-{i}: 1\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).await.expect("write");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.expect("read");
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
        assert!(answer.ends_with("hello"), "{answer}");
    }

    #[tokio::test]
    async fn shutdown_stops_accepting_and_the_loop_ends() {
        let (url, stop, task) = started().await;
        assert_eq!(reqwest::get(format!("{url}/hello")).await.expect("served").status(), StatusCode::OK);
        stop.send(()).expect("stop");
        tokio::time::timeout(Duration::from_secs(5), task).await.expect("ended in time").expect("no panic");
        assert!(reqwest::get(format!("{url}/hello")).await.is_err(), "nothing listens any more");
    }
}
