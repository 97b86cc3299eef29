//! Beyond Ping: a web sign-in page served by the emulated PingFederate itself, built on Ping's own
//! Authentication API widget (npm `@ping-identity/pf-authn-js-widget` 1.11.0, unmodified), so the
//! widget calls PingFederate same-origin, as an authentication application hosted next to it
//! would (PingFederate hosts no such page; the page is a demo client, see docs/web-widget.md).
//!
//! - `GET /widget/`: the page (`web/pf-widget/page/index.html`, its script and style compiled in),
//!   with the OAuth client it signs in with and a strict Content-Security-Policy;
//! - `GET /widget/pf.authn-widget.js`, `/widget/main-styles.css`: Ping's files, read at run time
//!   from the npm package (`npm ci` in `web/pf-widget`, or `MODERNO_PF_WIDGET_DIR`) and served only
//!   when their SHA-256 is the 1.11.0 release's; otherwise the page is an error page saying how to
//!   install them.

use std::path::PathBuf;

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

use crate::State;

pub const PAGE_PATH: &str = "/widget/";
/// The widget release the page is pinned to (`web/pf-widget/package-lock.json`).
pub const WIDGET_VERSION: &str = "1.11.0";
/// Where the npm package is looked for when `MODERNO_PF_WIDGET_DIR` is not set.
const DEFAULT_PACKAGE_DIR: &str =
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

const PAGE: &str = include_str!("../../../web/pf-widget/page/index.html");
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
        .route("/widget/pf.authn-widget.js", get(|| ping_file(&SCRIPT)))
        .route("/widget/main-styles.css", get(|| ping_file(&STYLES)))
}

fn package_dir() -> PathBuf {
    std::env::var_os("MODERNO_PF_WIDGET_DIR").map_or_else(|| PathBuf::from(DEFAULT_PACKAGE_DIR), PathBuf::from)
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
async fn read_verified(package: PathBuf, file: &'static PingFile) -> Result<Vec<u8>, Missing> {
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

async fn ping_file(file: &'static PingFile) -> Response {
    match read_verified(package_dir(), file).await {
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
        (REFERRER_POLICY, "no-referrer"),
        (CACHE_CONTROL, "no-store"),
        (HeaderName::from_static("cross-origin-opener-policy"), "same-origin"),
    ];
    (status, headers, body).into_response()
}

/// How to install Ping's files, for the error page.
const INSTALL_HINT: &str = concat!(
    "<p>Install Ping's widget (pinned in web/pf-widget/package-lock.json) from the repository root:</p>",
    "<pre>npm ci --prefix web/pf-widget --ignore-scripts</pre>",
    "<p>or point <code>MODERNO_PF_WIDGET_DIR</code> at an unpacked <code>@ping-identity/pf-authn-js-widget</code> ",
    "package of that version, then reload. See docs/web-widget.md.</p>",
);

/// A 503 page: `title`, `detail` (escaped) and a fixed HTML `hint`.
fn error_page(title: &str, detail: &str, hint: &str) -> Response {
    let escape = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head><body>\
         <h1>{title}</h1><p>{detail}</p>{hint}</body></html>",
        title = escape(title),
        detail = escape(detail),
    );
    html(StatusCode::SERVICE_UNAVAILABLE, ERROR_CSP, body)
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

async fn page(Shared(state): Shared<State>) -> Response {
    if let Err(missing) = read_verified(package_dir(), &SCRIPT).await.and(read_verified(package_dir(), &STYLES).await) {
        tracing::warn!(error = %missing, "web sign-in page unavailable");
        return error_page("Ping's widget is not installed", &missing.to_string(), INSTALL_HINT);
    }
    let Some(config) = page_config(&state) else {
        return error_page(
            "No OAuth client for this page",
            &format!("PingFederate has no client {}.", crate::WEB_CLIENT_ID),
            "",
        );
    };
    // `<` escaped so the JSON cannot close its <script> element.
    let config = config.to_string().replace('<', "\\u003c");
    html(StatusCode::OK, PAGE_CSP, PAGE.replace("{{CONFIG}}", &config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_has_one_config_slot_and_no_inline_script() {
        assert_eq!(PAGE.matches("{{CONFIG}}").count(), 1);
        let scripts = PAGE.matches("<script").count();
        let external_or_data = PAGE.matches("<script src=").count() + PAGE.matches("type=\"application/json\"").count();
        assert_eq!(scripts, external_or_data, "every script is a file or JSON data, as the CSP demands");
    }

    #[tokio::test]
    async fn ping_files_are_served_only_as_released() {
        let dir = tempfile::tempdir().expect("temp dir");
        let missing = read_verified(dir.path().to_path_buf(), &SCRIPT).await;
        assert!(matches!(missing, Err(Missing::NotInstalled(_))), "{missing:?}");
        std::fs::create_dir(dir.path().join("dist")).expect("dist");
        std::fs::write(dir.path().join("dist").join(SCRIPT.name), "window.PfAuthnWidget = function () {};")
            .expect("write");
        let changed = read_verified(dir.path().to_path_buf(), &SCRIPT).await;
        assert!(matches!(changed, Err(Missing::Changed(_))), "a file that is not 1.11.0's is refused: {changed:?}");
    }

    #[tokio::test]
    async fn the_error_page_is_a_503_that_escapes_what_it_names() {
        let response =
            error_page("Ping's widget is not installed", "/tmp/<dist>/pf.authn-widget.js is not there", INSTALL_HINT);
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[CONTENT_SECURITY_POLICY], ERROR_CSP);
        let body = axum::body::to_bytes(response.into_body(), 64 * 1024).await.expect("body");
        let text = String::from_utf8_lossy(&body);
        assert!(text.contains("/tmp/&lt;dist&gt;/pf.authn-widget.js is not there"), "{text}");
        assert!(text.contains("npm ci --prefix web/pf-widget"), "it says how to install Ping's files");
    }

    #[test]
    fn the_csp_allows_no_inline_script_and_no_other_origin() {
        assert!(PAGE_CSP.contains("script-src 'self';"));
        assert!(!PAGE_CSP.contains("unsafe-eval"));
        assert!(!PAGE_CSP.contains("http"), "no third-party origin");
        assert_eq!(PAGE_CSP.matches("unsafe-inline").count(), 1, "only style attributes");
    }
}
