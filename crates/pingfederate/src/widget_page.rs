//! Beyond Ping: a web sign-in page served by the emulated PingFederate itself, built on Ping's own
//! Authentication API widget (npm `@ping-identity/pf-authn-js-widget` 1.11.0, unmodified), so the
//! widget calls PingFederate same-origin, as an authentication application hosted next to it
//! would (PingFederate hosts no such page; the page is a demo client, see docs/web-widget.md).
//!
//! - `GET /widget/`: the page (the askama template `web/pf-widget/page/index.html`, its script and
//!   style compiled in), with the OAuth client it signs in with and a strict
//!   Content-Security-Policy;
//! - `GET /widget/pf.authn-widget.js`, `/widget/main-styles.css`: Ping's files, read at run time
//!   from the npm package in [`Config::widget_dir`](crate::Config::widget_dir) (`npm ci` in
//!   `web/pf-widget`; the binaries and the stack take `MODERNO_PF_WIDGET_DIR`) and served only
//!   when their SHA-256 is the 1.11.0 release's; otherwise the page is an error page
//!   (`templates/widget/unavailable.html`) saying how to install them.
//!
//! Both pages are askama templates: every value is escaped unless marked otherwise.

use std::path::Path;

use askama::Template;
use axum::extract::State as Shared;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, LOCATION, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::http::{HeaderName, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sha2::{Digest, Sha256};

use crate::error::AuthnApiError;
use crate::State;

pub const PAGE_PATH: &str = "/widget/";
/// The widget release the page is pinned to (`web/pf-widget/package-lock.json`).
pub const WIDGET_VERSION: &str = "1.11.0";
/// Where the npm package is looked for unless configured otherwise (this checkout's
/// `web/pf-widget`, after `npm ci`).
pub const DEFAULT_PACKAGE_DIR: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../web/pf-widget/node_modules/@ping-identity/pf-authn-js-widget");

/// One of Ping's files: its name in the package's `dist/`, its type, and the SHA-256 of the npm
/// 1.11.0 tarball's copy (https://registry.npmjs.org/@ping-identity/pf-authn-js-widget/-/pf-authn-js-widget-1.11.0.tgz).
struct PingFile {
    name: &'static str,
    content_type: &'static str,
    sha256: &'static str,
}

const SCRIPT: PingFile = PingFile {
    name: "pf.authn-widget.js",
    content_type: "text/javascript; charset=utf-8",
    sha256: "6c9cf278139bc961ab95ad9240575e690d7bf61f840d3f8288bc277148fb8df6",
};
const STYLES: PingFile = PingFile {
    name: "main-styles.css",
    content_type: "text/css; charset=utf-8",
    sha256: "9003ff490d353961f9a0f94adf6f9797d5df3d7375025e83e709e441a045ed3d",
};

const PAGE_SCRIPT: &str = include_str!("../../../web/pf-widget/page/sign-in.js");
const PAGE_STYLES: &str = include_str!("../../../web/pf-widget/page/sign-in.css");
const LOGO: &str = include_str!("../../../web/pf-widget/page/logo.svg");

/// As strict as the widget allows: its templates carry `style="…"` attributes (hence
/// `style-src-attr`), it fetches PingFederate same-origin, and its images are inline SVG or
/// `data:` URIs in its CSS. No inline script, no eval, no third-party origin.
const PAGE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const ERROR_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

pub fn router() -> Router<State> {
    Router::new()
        .route("/widget", get(|| async { (StatusCode::MOVED_PERMANENTLY, [(LOCATION, PAGE_PATH)]) }))
        .route(PAGE_PATH, get(page))
        .route("/widget/sign-in.js", get(|| async { own_file("text/javascript; charset=utf-8", PAGE_SCRIPT) }))
        .route("/widget/sign-in.css", get(|| async { own_file("text/css; charset=utf-8", PAGE_STYLES) }))
        .route("/widget/logo.svg", get(|| async { own_file("image/svg+xml", LOGO) }))
        .route("/widget/pf.authn-widget.js", get(|Shared(state): Shared<State>| ping_file(state, &SCRIPT)))
        .route("/widget/main-styles.css", get(|Shared(state): Shared<State>| ping_file(state, &STYLES)))
}

/// Why Ping's files cannot be served.
#[derive(Debug, thiserror::Error)]
enum Missing {
    #[error("{0} is not there")]
    NotInstalled(String),
    #[error("{0} is not the {WIDGET_VERSION} release's file (its SHA-256 differs)")]
    Changed(String),
    #[error("reading Ping's widget failed")]
    Unreadable,
}

/// Ping's file from the npm package in `package`, read and checked against the release's digest.
async fn read_verified(package: &Path, file: &'static PingFile) -> Result<Vec<u8>, Missing> {
    let path = package.join("dist").join(file.name);
    tokio::task::spawn_blocking(move || {
        let shown = path.display().to_string();
        let bytes = std::fs::read(&path).map_err(|_| Missing::NotInstalled(shown.clone()))?;
        if hex::encode(Sha256::digest(&bytes)) != file.sha256 {
            return Err(Missing::Changed(shown));
        }
        Ok(bytes)
    })
    .await
    .map_err(|_| Missing::Unreadable)?
}

async fn ping_file(state: State, file: &'static PingFile) -> Response {
    match read_verified(&state.config().widget_dir, file).await {
        Ok(bytes) => asset(file.content_type, bytes),
        Err(missing) => {
            tracing::warn!(error = %missing, "Ping's widget file not served");
            (StatusCode::SERVICE_UNAVAILABLE, [(CONTENT_TYPE, "text/plain; charset=utf-8")], missing.to_string())
                .into_response()
        }
    }
}

fn own_file(content_type: &'static str, text: &'static str) -> Response {
    asset(content_type, text.as_bytes().to_vec())
}

fn asset(content_type: &'static str, bytes: Vec<u8>) -> Response {
    let headers = [
        (CONTENT_TYPE, content_type),
        (X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (CACHE_CONTROL, "no-cache"),
        (HeaderName::from_static("cross-origin-resource-policy"), "same-origin"),
    ];
    (headers, bytes).into_response()
}

fn html(status: StatusCode, csp: &'static str, body: String) -> Response {
    let headers = [
        (CONTENT_TYPE, "text/html; charset=utf-8"),
        (CONTENT_SECURITY_POLICY, csp),
        (X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (X_FRAME_OPTIONS, "DENY"),
        // Kept: nothing on the page needs a Referer. Ping's widget calls the authentication API
        // same-origin with `X-XSRF-Header` (pingidentity/pf-authn-js-widget: src/store.js), which
        // is what PingFederate checks, and the page loads nothing from another origin; so no
        // request from it says where it came from.
        (REFERRER_POLICY, "no-referrer"),
        (CACHE_CONTROL, "no-store"),
        (HeaderName::from_static("cross-origin-opener-policy"), "same-origin"),
    ];
    (status, headers, body).into_response()
}

/// The page: Ping's widget and the page's own script, configured by `config` (JSON data).
#[derive(Template)]
#[template(path = "../../../web/pf-widget/page/index.html")]
struct Page<'a> {
    /// The page's configuration as JSON with `<` escaped (`\u003c`), so it cannot close its
    /// `<script type="application/json">` element; emitted as is (`|safe`): HTML entities are not
    /// decoded inside a script element.
    config: &'a str,
}

/// The page when it cannot be served: what is missing, and whether to say how to install Ping's
/// files.
#[derive(Template)]
#[template(path = "widget/unavailable.html")]
struct Unavailable<'a> {
    title: &'a str,
    detail: &'a str,
    install_hint: bool,
}

/// `template` rendered as an HTML answer; a template that fails to render is a 500 in the
/// authentication API's JSON.
fn rendered(status: StatusCode, csp: &'static str, template: &impl Template) -> Response {
    match template.render() {
        Ok(body) => html(status, csp, body),
        Err(error) => AuthnApiError::Internal(format!("rendering the widget page: {error}")).into_response(),
    }
}

/// A 503 page naming what is missing.
fn error_page(title: &str, detail: &str, install_hint: bool) -> Response {
    rendered(StatusCode::SERVICE_UNAVAILABLE, ERROR_CSP, &Unavailable { title, detail, install_hint })
}

/// What the page's script needs: its client ([`crate::WEB_CLIENT_ID`]: redirectless, PKCE
/// required), the redirect URI to name (the client's first, when it has any: PingFederate asks for
/// one when a client has several), the scope.
fn page_config(state: &State) -> Option<serde_json::Value> {
    let client = state.config().clients.iter().find(|c| c.client_id == crate::WEB_CLIENT_ID)?;
    Some(serde_json::json!({
        "clientId": client.client_id,
        "redirectUri": client.redirect_uris.first(),
        "scope": "openid",
    }))
}

/// The page's configuration as JSON safe inside a script element.
fn script_json(config: &serde_json::Value) -> String {
    config.to_string().replace('<', "\\u003c")
}

async fn page(Shared(state): Shared<State>) -> Response {
    let package = &state.config().widget_dir;
    if let Err(missing) = read_verified(package, &SCRIPT).await.and(read_verified(package, &STYLES).await) {
        tracing::warn!(error = %missing, "web sign-in page unavailable");
        return error_page("Ping's widget is not installed", &missing.to_string(), true);
    }
    let Some(config) = page_config(&state) else {
        return error_page(
            "No OAuth client for this page",
            &format!("PingFederate has no client {}.", crate::WEB_CLIENT_ID),
            false,
        );
    };
    rendered(StatusCode::OK, PAGE_CSP, &Page { config: &script_json(&config) })
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body_of(response: Response) -> String {
        let body = axum::body::to_bytes(response.into_body(), 64 * 1024).await.expect("body");
        String::from_utf8_lossy(&body).into_owned()
    }

    #[tokio::test]
    async fn the_page_carries_its_config_as_json_that_cannot_close_its_script_and_no_inline_script() {
        let hostile = serde_json::json!({"clientId": "</script><script>alert(1)</script>"});
        let response = rendered(StatusCode::OK, PAGE_CSP, &Page { config: &script_json(&hostile) });
        let page = body_of(response).await;
        assert_eq!(page.matches("</script>").count(), page.matches("<script").count(), "{page}");
        assert!(page.contains(r#"{"clientId":"\u003c/script>\u003cscript>alert(1)\u003c/script>"}"#), "{page}");
        let scripts = page.matches("<script").count();
        let external_or_data = page.matches("<script src=").count() + page.matches("type=\"application/json\"").count();
        assert_eq!(scripts, external_or_data, "every script is a file or JSON data, as the CSP demands");
    }

    #[tokio::test]
    async fn ping_files_are_served_only_as_released() {
        let dir = tempfile::tempdir().expect("temp dir");
        let missing = read_verified(dir.path(), &SCRIPT).await;
        assert!(matches!(missing, Err(Missing::NotInstalled(_))), "{missing:?}");
        std::fs::create_dir(dir.path().join("dist")).expect("dist");
        std::fs::write(dir.path().join("dist").join(SCRIPT.name), "window.PfAuthnWidget = function () {};")
            .expect("write");
        let changed = read_verified(dir.path(), &SCRIPT).await;
        assert!(matches!(changed, Err(Missing::Changed(_))), "a file that is not 1.11.0's is refused: {changed:?}");
    }

    #[tokio::test]
    async fn the_error_page_is_a_503_that_escapes_what_it_names() {
        let response = error_page("Ping's <widget>", "/tmp/<dist>/pf.authn-widget.js & more is not there", true);
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[CONTENT_SECURITY_POLICY], ERROR_CSP);
        let text = body_of(response).await;
        assert!(text.contains("<title>Ping&#39;s &#60;widget&#62;</title>"), "{text}");
        assert!(text.contains("/tmp/&#60;dist&#62;/pf.authn-widget.js &#38; more is not there"), "{text}");
        assert!(text.contains("npm ci --prefix web/pf-widget"), "it says how to install Ping's files");
        let without = body_of(error_page("No OAuth client for this page", "none", false)).await;
        assert!(!without.contains("npm ci"), "{without}");
    }

    #[test]
    fn the_csp_allows_no_inline_script_and_no_other_origin() {
        assert!(PAGE_CSP.contains("script-src 'self';"));
        assert!(!PAGE_CSP.contains("unsafe-eval"));
        assert!(!PAGE_CSP.contains("http"), "no third-party origin");
        assert_eq!(PAGE_CSP.matches("unsafe-inline").count(), 1, "only style attributes");
    }
}
