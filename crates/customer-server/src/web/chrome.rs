//! What every page of the customer server's web site shares: rendering a template (askama,
//! escaping by default; the layout is `templates/base.html`), the security headers, the line
//! above a form, the posted forms and the web session cookies.

use askama::Template;
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::de::DeserializeOwned;

/// No script but our own files, no inline script, nothing fetched, no framing.
const CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; form-action 'self'; frame-ancestors 'none'";

/// The same, and the page's own script may ask this origin for a status (the web sign-in's
/// waiting page).
const CSP_POLLING: &str = "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; connect-src 'self'; \
form-action 'self'; frame-ancestors 'none'";

/// The pages' `Referrer-Policy`: no referrer ever leaves for another site, and the page's own
/// form posts carry its origin. Under `no-referrer` a browser sends `Origin: null` with every
/// POST, its own site's too (<https://fetch.spec.whatwg.org/#serializing-a-request-origin>),
/// which [`crate::same_origin`] rightly refuses as another page's request.
const REFERRER_POLICY: &str = "same-origin";

/// An HTML page: not cached, not framed, with a strict Content-Security-Policy.
pub(crate) fn page(status: StatusCode, template: &impl Template) -> Response {
    with_csp(status, template, CSP)
}

/// An HTML page whose script polls this origin (`connect-src 'self'`).
pub(crate) fn polling_page(status: StatusCode, template: &impl Template) -> Response {
    with_csp(status, template, CSP_POLLING)
}

fn with_csp(status: StatusCode, template: &impl Template, csp: &'static str) -> Response {
    let html = match template.render() {
        Ok(html) => html,
        Err(e) => {
            // Only a failing `Display` of a value could get here; the HTTP layer words the 500.
            tracing::error!(error = %e, "a page could not be rendered");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    let set = [
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        (header::CACHE_CONTROL, "no-store"),
        (header::CONTENT_SECURITY_POLICY, csp),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, REFERRER_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ];
    for (name, value) in set {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// A script of ours (a file of its own, so no page needs inline script).
pub(crate) fn script(source: &'static str) -> Response {
    let mut response = source.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/javascript; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

/// A line above a form (`templates/note.html`): what went wrong, or what happened.
#[derive(Clone, Copy)]
pub(crate) struct Note<'a> {
    /// An error (`role="alert"`) rather than news (`role="status"`).
    pub(crate) alert: bool,
    pub(crate) text: &'a str,
}

impl<'a> Note<'a> {
    pub(crate) fn error(text: &'a str) -> Self {
        Self { alert: true, text }
    }

    pub(crate) fn info(text: &'a str) -> Self {
        Self { alert: false, text }
    }
}

/// A posted form (axum's [`Form`], under the route's body limit). One over the limit is refused
/// by the HTTP layer (413, in the server's JSON error shape); one that is no form at all (another
/// content type, bytes that do not decode) reads as empty, so the page says what it needs, as for
/// a form posted with its fields blank.
pub(crate) struct Posted<T>(pub(crate) T);

impl<S, T> FromRequest<S> for Posted<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Default,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Response> {
        match Form::<T>::from_request(request, state).await {
            Ok(Form(fields)) => Ok(Self(fields)),
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(rejection.into_response()),
            Err(rejection) => {
                tracing::debug!(status = rejection.status().as_u16(), "a posted form could not be read");
                Ok(Self(T::default()))
            }
        }
    }
}

/// The value of the request's cookie `name`, if it has a non-empty one.
pub(crate) fn cookie<'a>(jar: &'a CookieJar, name: &str) -> Option<&'a str> {
    jar.get(name).map(Cookie::value).filter(|value| !value.is_empty())
}

/// A web session cookie: `HttpOnly` (no script reads it), `SameSite=Strict` (no other site posts
/// with it), `Secure` behind https, sent only to `path`. `max_age_secs` 0 (and an empty value)
/// deletes it.
pub(crate) fn session_cookie(
    name: &'static str,
    value: String,
    path: &'static str,
    max_age_secs: i64,
    secure: bool,
) -> Cookie<'static> {
    Cookie::build((name, value))
        .path(path)
        .http_only(true)
        .same_site(SameSite::Strict)
        .max_age(time::Duration::seconds(max_age_secs))
        .secure(secure)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderMap;

    #[test]
    fn a_cookie_is_read_by_its_exact_name_and_an_empty_one_is_none() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_static("moderno_web_x=1; moderno_web=abc; other="));
        let jar = CookieJar::from_headers(&headers);
        assert_eq!(cookie(&jar, "moderno_web"), Some("abc"));
        assert_eq!(cookie(&jar, "other"), None);
        assert_eq!(cookie(&jar, "missing"), None);
    }

    #[test]
    fn a_session_cookie_is_http_only_same_site_strict_and_secure_behind_https() {
        let jar = CookieJar::new().add(session_cookie("a", "1".into(), "/sign-in", 60, true)).add(session_cookie(
            "b",
            String::new(),
            "/sign-in",
            0,
            false,
        ));
        let response = (jar, StatusCode::OK).into_response();
        let mut cookies: Vec<_> =
            response.headers().get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_owned()).collect();
        cookies.sort();
        assert_eq!(cookies.len(), 2, "both cookies are sent: {cookies:?}");
        let attributes = |cookie: &str| {
            let mut parts: Vec<String> = cookie.split("; ").map(str::to_owned).collect();
            parts[1..].sort();
            parts
        };
        assert_eq!(
            attributes(&cookies[0]),
            ["a=1", "HttpOnly", "Max-Age=60", "Path=/sign-in", "SameSite=Strict", "Secure"]
        );
        assert_eq!(attributes(&cookies[1]), ["b=", "HttpOnly", "Max-Age=0", "Path=/sign-in", "SameSite=Strict"]);
    }
}
