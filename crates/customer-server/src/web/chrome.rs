//! What every page of the customer server's web site shares: the layout and style, HTML
//! escaping, the security headers and the web session cookies.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// No script but our own files, no inline script, nothing fetched, no framing.
const CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; form-action 'self'; frame-ancestors 'none'";

/// The same, and the page's own script may ask this origin for a status (the web sign-in's
/// waiting page).
const CSP_POLLING: &str = "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; connect-src 'self'; \
form-action 'self'; frame-ancestors 'none'";

/// An HTML page: not cached, not framed, with a strict Content-Security-Policy.
pub(crate) fn page(status: StatusCode, html: &str) -> Response {
    with_csp(status, html, CSP)
}

/// An HTML page whose script polls this origin (`connect-src 'self'`).
pub(crate) fn polling_page(status: StatusCode, html: &str) -> Response {
    with_csp(status, html, CSP_POLLING)
}

fn with_csp(status: StatusCode, html: &str, csp: &'static str) -> Response {
    let mut response = (status, html.to_owned()).into_response();
    let headers = response.headers_mut();
    let set = [
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        (header::CACHE_CONTROL, "no-store"),
        (header::CONTENT_SECURITY_POLICY, csp),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
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

/// The value of the request's cookie `name`, if it has a non-empty one.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(name)?.strip_prefix('='))
        .filter(|value| !value.is_empty())
}

/// Adds a `Set-Cookie` for a web session value: `HttpOnly` (no script reads it),
/// `SameSite=Strict` (no other site posts with it), `Secure` behind https. `max_age_secs` 0
/// deletes the cookie.
pub(crate) fn set_cookie(response: &mut Response, name: &str, value: &str, path: &str, max_age_secs: i64, secure: bool) {
    let secure = if secure { "; Secure" } else { "" };
    let cookie = format!("{name}={value}; Path={path}; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{secure}");
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// Escapes text for HTML element content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;background:#f3f5f9;color:#1c2333}
header{background:#12355b;color:#fff;padding:14px 28px;font-weight:700;letter-spacing:.04em;font-size:20px}
header span{color:#f2b134}
main{max-width:440px;margin:48px auto;background:#fff;border-radius:12px;padding:32px;box-shadow:0 4px 24px rgba(18,53,91,.12)}
h1{font-size:22px;margin:0 0 8px}
p{line-height:1.5}
label{display:block;font-size:14px;font-weight:600;margin:16px 0 6px}
input{width:100%;padding:10px 12px;font-size:16px;border:1px solid #c5cdd9;border-radius:8px}
input:focus{outline:2px solid #2f6db5;border-color:#2f6db5}
button{margin-top:24px;width:100%;padding:12px;font-size:16px;font-weight:600;color:#fff;background:#12355b;border:0;border-radius:8px;cursor:pointer}
button:hover{background:#1d4b7d}
.error{background:#fdecec;color:#9b1c1c;border-radius:8px;padding:10px 12px;margin:16px 0 0}
.notice{background:#eef4fb;color:#12355b;border-radius:8px;padding:10px 12px;margin:16px 0 0}
.key{font-family:ui-monospace,'SFMono-Regular',Menlo,Consolas,monospace;font-size:34px;font-weight:700;letter-spacing:.08em;text-align:center;background:#f3f5f9;border:2px dashed #12355b;border-radius:10px;padding:18px 8px;margin:20px 0 8px;user-select:all}
.muted{color:#5b6678;font-size:14px}
.qr{display:flex;justify-content:center;margin:8px 0}
.qr svg{width:180px;height:180px}
.key-box.expired .key,.key-box.expired .qr{opacity:.35;text-decoration:line-through}
form.fresh button,form.secondary button{background:#fff;color:#12355b;border:1px solid #12355b;margin-top:8px}
ol{padding-left:20px;line-height:1.7}
.device{display:flex;align-items:center;gap:14px;background:#f3f5f9;border-radius:10px;padding:14px 16px;margin:20px 0}
.device strong{display:block;font-size:17px}
.pulse{width:14px;height:14px;border-radius:50%;background:#2f6db5;flex:none;animation:pulse 1.4s ease-in-out infinite}
@keyframes pulse{0%,100%{opacity:.25;transform:scale(.8)}50%{opacity:1;transform:scale(1.1)}}
.number{font-size:48px;font-weight:800;text-align:center;letter-spacing:.06em;color:#12355b;margin:4px 0}
.success{background:#e8f6ee;color:#14532d;border-radius:10px;padding:14px 16px;margin:16px 0}
.choices form button{margin-top:8px}
footer{text-align:center;color:#8a93a3;font-size:12px;margin:24px}
";

/// The site's frame around `content` (already HTML); `title` is escaped here.
pub(crate) fn layout(title: &str, content: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>{title} · Moderno</title><style>{STYLE}</style></head>\
<body><header>Moderno <span>Bank</span></header><main>{content}</main>\
<footer>Moderno · sign-in secured by PingID</footer></body></html>\n",
        title = escape(title),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_neutralises_markup_and_quotes() {
        assert_eq!(
            escape(r#"<script>"x"&'y'</script>"#),
            "&lt;script&gt;&quot;x&quot;&amp;&#39;y&#39;&lt;/script&gt;"
        );
    }

    #[test]
    fn a_cookie_is_read_by_its_exact_name_and_an_empty_one_is_none() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_static("moderno_web_x=1; moderno_web=abc; other="));
        assert_eq!(cookie(&headers, "moderno_web"), Some("abc"));
        assert_eq!(cookie(&headers, "other"), None);
        assert_eq!(cookie(&headers, "missing"), None);
    }

    #[test]
    fn a_session_cookie_is_http_only_same_site_strict_and_secure_behind_https() {
        let mut response = page(StatusCode::OK, "x");
        set_cookie(&mut response, "a", "1", "/sign-in", 60, true);
        set_cookie(&mut response, "b", "", "/sign-in", 0, false);
        let cookies: Vec<_> = response.headers().get_all(header::SET_COOKIE).iter().collect();
        assert_eq!(cookies.len(), 2, "both cookies are sent");
        assert_eq!(cookies[0], "a=1; Path=/sign-in; HttpOnly; SameSite=Strict; Max-Age=60; Secure");
        assert_eq!(cookies[1], "b=; Path=/sign-in; HttpOnly; SameSite=Strict; Max-Age=0");
    }
}
