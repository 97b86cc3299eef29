//! Every error answer is PingOne's error body ("PingOne Platform API: Errors" —
//! https://developer.pingidentity.com/pingone-api/foundations/errors.html: `id`, `code`,
//! `message`), the HTTP layer's own refusals too: a method the resource lacks, a body over the
//! limit, a path that names nothing.

// Tests fail loudly on the first surprise.
#![allow(clippy::unwrap_used)]

mod common;

use common::mfa_server::{test_clock, MfaServer, ENV};
use serde_json::Value;

async fn error_body(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or_else(|_| panic!("HTTP {status}: not JSON: {text:?}")))
}

#[tokio::test]
async fn the_http_layers_refusals_are_pingone_error_bodies_with_an_id() {
    let clock = test_clock();
    let mfa = MfaServer::start(&clock).await;
    let cases = [
        (mfa.client.delete(format!("{}/{ENV}/as/token", mfa.url)), 405, "INVALID_REQUEST"),
        (
            mfa.client
                .post(format!("{}/v1/environments/{ENV}/users", mfa.url))
                .bearer_auth(&mfa.token)
                .header("content-type", "application/json")
                .body(vec![b' '; 2 * 1024 * 1024]),
            413,
            "PAYLOAD_TOO_LARGE",
        ),
        (mfa.client.get(format!("{}/no/such/route", mfa.url)), 404, "NOT_FOUND"),
    ];
    for (request, status, code) in cases {
        let (got, body) = error_body(request.send().await.unwrap()).await;
        assert_eq!((got, body["code"].as_str()), (status, Some(code)), "{body}");
        assert!(body["id"].as_str().is_some_and(|id| id.len() == 36), "an id: {body}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
    }
}
