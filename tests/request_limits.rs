//! Every status a service answers is JSON in its own error shape, the HTTP layer's own refusals
//! too (issue 11 item 4): a request with too many header fields, header fields too large or a
//! request target too long is refused by the services' one server loop
//! (`moderno_ambient::serving`) before any handler, with 431 or 414 and words, at every service
//! of the stack; the next normal request on the same service is served. Over real loopback HTTP.
//!
//! The shapes: the PingID SDK server's `ErrorBody` (`id`, `code`, `message`, signed as every
//! answer), the customer server's `ModernoResponse` (`status`, `description`), PingOne's error
//! body (`id`, `code`, `message`), PingFederate's authentication API error (`code`, `message`,
//! `userMessage`) or, on its OAuth endpoints, OAuth's (`error`, `error_description`), and the
//! admin API's `{code, message}`.

use moderno_ambient::serving::{MAX_HEADERS, MAX_HEADER_BYTES, MAX_TARGET_BYTES};
use moderno_e2e::admin::stack;
use serde_json::Value;

#[path = "json_answers.rs"]
mod json_answers;

use json_answers::{http, send};

/// The HTTP status of a request (normal answers need not be JSON: `/healthz` says `ok`).
async fn status_of(request: reqwest::RequestBuilder) -> u16 {
    request.send().await.expect("an answer").status().as_u16()
}

/// The words of an error body, whichever service's shape it is in.
fn words(body: &Value) -> &str {
    ["message", "description", "error_description"]
        .iter()
        .find_map(|field| body[field].as_str())
        .unwrap_or_else(|| panic!("no words in {body}"))
}

#[tokio::test]
async fn every_service_refuses_too_many_or_too_large_header_fields_in_its_own_json_and_serves_the_next_request() {
    let (t, admin) = stack().await;
    let s = &t.stack;
    // (service, a path it answers normally, a field of its error shape)
    let services = [
        (&s.sdk_url, "/pingid/v1/accounts/x", "id"),
        (&s.customer_url, "/healthz", "status"),
        (&s.pingone_url, "/v1/environments/x/users", "id"),
        (&s.pingfederate_url, "/pf-ws/authn/flows/x", "userMessage"),
        (&s.pingfederate_url, "/as/token.oauth2", "error"),
        (&admin.url, "/admin", "code"),
    ];
    for (url, path, shaped) in services {
        let target = format!("{url}{path}");
        let normal = status_of(http().get(&target)).await;
        assert!(![414, 431].contains(&normal), "{target}: a normal request is not refused by size");

        let mut many = http().get(&target);
        for i in 0..=MAX_HEADERS {
            many = many.header(format!("x-field-{i}"), "1");
        }
        let (status, body) = send(many).await;
        assert_eq!(status, 431, "{target}: {body}");
        assert!(body.get(shaped).is_some(), "{target}: the service's own shape ({shaped}): {body}");
        assert!(words(&body).contains("more than 100 header fields"), "{target}: {body}");

        let (status, body) = send(http().get(&target).header("x-huge", "h".repeat(MAX_HEADER_BYTES + 1))).await;
        assert_eq!(status, 431, "{target}: {body}");
        assert!(body.get(shaped).is_some(), "{target}: {body}");
        assert!(words(&body).contains("header fields are over"), "{target}: {body}");

        let (status, body) = send(http().get(format!("{target}?q={}", "q".repeat(MAX_TARGET_BYTES)))).await;
        assert_eq!(status, 414, "{target}: {body}");
        assert!(words(&body).contains("request target is over"), "{target}: {body}");

        let after = status_of(http().get(&target)).await;
        assert_eq!(after, normal, "{target}: the next normal request is served as before");
    }
}

#[tokio::test]
async fn the_sdk_servers_refusal_is_signed_like_every_answer_and_many_small_cookies_under_the_limits_pass() {
    let (t, _admin) = stack().await;
    let sdk = &t.stack.sdk_url;
    let mut many = http().get(format!("{sdk}/pingid/v1/accounts/x"));
    for i in 0..=MAX_HEADERS {
        many = many.header(format!("x-field-{i}"), "1");
    }
    let response = many.send().await.expect("an answer");
    assert_eq!(response.status().as_u16(), 431);
    assert!(response.headers().contains_key("x-pingid-signature"), "signed: {:?}", response.headers());
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["code"], "INVALID_REQUEST", "{body}");

    // A browser's full cookie jar (50 cookies of 100 bytes) stays under the limits.
    let cookies = (0..50).map(|i| format!("c{i}={}", "v".repeat(100))).collect::<Vec<_>>().join("; ");
    assert_eq!(status_of(http().get(format!("{}/healthz", t.stack.customer_url)).header("cookie", cookies)).await, 200);
}
