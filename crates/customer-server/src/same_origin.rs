//! Requests from other web pages. A page on another site can make the browser send a form post or
//! a `text/plain` body to a server on this laptop's loopback without asking first (no CORS
//! preflight). The customer server's own pages post to their own origin, and Ping's apps are no
//! browsers, so a state-changing request that a browser marks as coming from another page is
//! refused before any handler runs: nothing is started, counted or paired.

use axum::extract::Request;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use axum::Json;
use moderno_wire::moderno::{ModernoResponse, Status};

/// Whether a browser sent this request for a page of another origin: its `Origin` is not
/// `http://{Host}`, or `Sec-Fetch-Site` says `cross-site` or `same-site` (another port or
/// subdomain is another origin too). Requests from programs carry neither header.
pub fn from_another_page(headers: &HeaderMap) -> bool {
    let text = |name: header::HeaderName| headers.get(name).map(|v| v.to_str().unwrap_or("?"));
    let own_origin = text(header::HOST).map(|host| format!("http://{host}"));
    let foreign_origin = text(header::ORIGIN).is_some_and(|origin| Some(origin) != own_origin.as_deref());
    let cross_site =
        matches!(text(header::HeaderName::from_static("sec-fetch-site")), Some("cross-site" | "same-site"));
    foreign_origin || cross_site
}

/// Refuses a state-changing request from another page with 403 (status 1020).
pub(crate) async fn refuse_other_pages(request: Request, next: Next) -> Response {
    let safe = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe || !from_another_page(request.headers()) {
        return next.run(request).await;
    }
    tracing::warn!(path = %request.uri().path(), "refused a request another web page sent");
    let answer = ModernoResponse::new(Status::InvalidInput, "this server does not take requests from other web pages");
    (StatusCode::FORBIDDEN, Json(answer)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn programs_and_the_servers_own_pages_are_not_other_pages() {
        assert!(!from_another_page(&headers(&[("host", "127.0.0.1:7002")])));
        assert!(!from_another_page(&headers(&[
            ("host", "127.0.0.1:7002"),
            ("origin", "http://127.0.0.1:7002"),
            ("sec-fetch-site", "same-origin")
        ])));
        assert!(
            !from_another_page(&headers(&[("host", "127.0.0.1:7002"), ("sec-fetch-site", "none")])),
            "typed into the address bar"
        );
    }

    #[test]
    fn another_origin_or_site_is() {
        assert!(from_another_page(&headers(&[("host", "127.0.0.1:7002"), ("origin", "http://evil.example")])));
        assert!(
            from_another_page(&headers(&[("host", "127.0.0.1:7002"), ("origin", "http://127.0.0.1:9031")])),
            "another port"
        );
        assert!(from_another_page(&headers(&[("host", "127.0.0.1:7002"), ("origin", "null")])), "a sandboxed page");
        assert!(from_another_page(&headers(&[("host", "127.0.0.1:7002"), ("sec-fetch-site", "cross-site")])));
        assert!(from_another_page(&headers(&[("origin", "http://127.0.0.1:7002")])), "no Host to compare with");
    }
}
