//! DNS rebinding: a web page whose name its owner points at 127.0.0.1 is, to the browser, the same
//! origin as a server on this laptop's loopback, and may read and write it. Such a request still
//! carries the page's name in `Host`, so every service of the stack answers only requests whose
//! `Host` is a name it serves: the loopback names, the address it listens on, and the names a
//! shared server is reached by (`--public-host`). Any other gets 421 with a JSON body and reaches
//! no handler.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse as _, Response};
use axum::{Json, Router};

/// The host names one service answers to (lower case, without port).
#[derive(Debug, Clone)]
pub struct ServedHosts(Arc<[String]>);

impl ServedHosts {
    /// Loopback names, the listening address, and `public` (a shared server's names).
    pub fn new(listening: SocketAddr, public: &[String]) -> Self {
        let mut names = vec!["localhost".to_owned(), "127.0.0.1".to_owned(), "::1".to_owned()];
        if !listening.ip().is_unspecified() {
            names.push(listening.ip().to_string());
        }
        names.extend(public.iter().map(|name| name.trim().to_ascii_lowercase()).filter(|name| !name.is_empty()));
        Self(names.into())
    }

    /// Whether `host` (a `Host` header's value: name or address, optional port) is served here.
    /// Names under `.localhost` resolve to loopback only (RFC 6761 6.3), so they are served too.
    pub fn serves(&self, host: &str) -> bool {
        let Some(name) = host_name(host) else {
            return false;
        };
        let name = name.to_ascii_lowercase();
        name.ends_with(".localhost") || self.0.contains(&name)
    }
}

/// The name of a `Host` value: `name`, `name:port`, `1.2.3.4:port`, `[::1]:port`.
fn host_name(host: &str) -> Option<&str> {
    if let Some(rest) = host.strip_prefix('[') {
        let (address, after) = rest.split_once(']')?;
        return (after.is_empty() || after.starts_with(':')).then_some(address);
    }
    let name = host.split_once(':').map_or(host, |(name, _port)| name);
    (!name.is_empty() && name.parse::<IpAddr>().map_or(true, |ip| ip.is_ipv4())).then_some(name)
}

/// `router` answering only requests for `hosts`.
pub fn layer(router: Router, hosts: ServedHosts) -> Router {
    router.layer(middleware::from_fn_with_state(hosts, refuse_other_hosts))
}

async fn refuse_other_hosts(State(hosts): State<ServedHosts>, request: Request, next: Next) -> Response {
    // HTTP/1.1 carries `Host`; HTTP/2 the URI's authority.
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| request.uri().authority().map(|a| a.as_str()));
    if host.is_some_and(|host| hosts.serves(host)) {
        return next.run(request).await;
    }
    // The name is the requester's input: logged escaped, never as a raw line.
    tracing::warn!(host = ?host.map(|h| h.chars().take(100).collect::<String>()), "refused a request for a host name this server does not serve");
    let body = serde_json::json!({
        "code": "MISDIRECTED_REQUEST",
        "message": "this server does not serve that host name (Host header); on a shared server, start it with --public-host NAME",
    });
    (StatusCode::MISDIRECTED_REQUEST, Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loopback() -> ServedHosts {
        ServedHosts::new(SocketAddr::from(([127, 0, 0, 1], 7002)), &[])
    }

    #[test]
    fn loopback_names_with_or_without_a_port_are_served() {
        let hosts = loopback();
        for host in ["127.0.0.1:7002", "localhost:7002", "LOCALHOST", "[::1]:7002", "[::1]", "app.localhost:7002"] {
            assert!(hosts.serves(host), "{host}");
        }
    }

    #[test]
    fn a_rebound_name_or_a_malformed_host_is_not() {
        let hosts = loopback();
        for host in [
            "evil.example:7002",
            "evil.example",
            "127.0.0.1.evil.example",
            "localhost.evil.example",
            "",
            ":7002",
            "[::1",
            "::1",
            "[::1]x",
            "10.0.0.5:7002",
        ] {
            assert!(!hosts.serves(host), "{host}");
        }
    }

    #[test]
    fn a_shared_server_serves_its_public_names_and_the_address_it_listens_on() {
        let hosts = ServedHosts::new(SocketAddr::from(([10, 0, 0, 5], 7002)), &[" QA.Example ".into()]);
        assert!(hosts.serves("qa.example:7002"));
        assert!(hosts.serves("10.0.0.5:7002"));
        assert!(!hosts.serves("other.example:7002"));
        let any = ServedHosts::new(SocketAddr::from(([0, 0, 0, 0], 7002)), &[]);
        assert!(!any.serves("0.0.0.0:7002"), "the unspecified address names no server");
    }
}
