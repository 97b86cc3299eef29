//! What every page of the customer server's web site sends with it, and that a browser's post
//! from one of them is taken: the pages' `Referrer-Policy` decides what `Origin` the browser
//! sends, and the server refuses posts from other pages by that `Origin`.

#![allow(clippy::unwrap_used)] // test harness code outside #[test] functions

mod common;

use common::Stack;

#[tokio::test]
async fn every_page_is_uncached_unframed_and_runs_only_its_own_scripts() {
    let stack = Stack::start().await;
    for path in ["/", "/sign-in"] {
        let page = stack.http.get(format!("{}{path}", stack.customer_url)).send().await.unwrap();
        assert_eq!(page.status(), 200, "{path}");
        let header = |name: &str| page.headers().get(name).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
        assert_eq!(header("content-type"), "text/html; charset=utf-8", "{path}");
        assert_eq!(header("cache-control"), "no-store", "{path}");
        assert_eq!(header("x-frame-options"), "DENY", "{path}");
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header("referrer-policy"), "same-origin", "{path}: no referrer for other sites");
        let csp = header("content-security-policy");
        for directive in ["default-src 'none'", "script-src 'self'", "form-action 'self'", "frame-ancestors 'none'"] {
            assert!(csp.split(';').any(|d| d.trim() == directive), "{path}: {directive} in {csp}");
        }
    }
}

/// A browser posts a page's form with the page's origin under `Referrer-Policy: same-origin`, and
/// with `Origin: null` under `no-referrer` (<https://fetch.spec.whatwg.org/#serializing-a-request-origin>),
/// which the server refuses as it refuses a sandboxed page's post.
#[tokio::test]
async fn a_browsers_post_from_the_sites_own_page_is_answered_by_the_form() {
    let stack = Stack::start().await;
    let post = |origin: &str| {
        stack
            .http
            .post(format!("{}/sign-in", stack.customer_url))
            .header("origin", origin)
            .header("sec-fetch-site", "same-origin")
            .form(&[("username", "alice"), ("password", "not-the-password")])
            .send()
    };
    let own = post(&stack.customer_url).await.unwrap();
    assert_eq!(own.status(), 401, "the form's own answer");
    assert!(own.text().await.unwrap().contains("Wrong username or password."));
    let null = post("null").await.unwrap();
    assert_eq!(null.status(), 403, "what a no-referrer page's post would meet");
}
