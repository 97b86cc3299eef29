//! Two identical actions racing on one flow: Ping's widget sends `selectDevice` once per nested
//! `data-mfa-selection` element of the device tile that was clicked
//! (`pingidentity/pf-authn-js-widget:src/partials/device_selection.hbs`, `registerMfaEventHandler`
//! in `src/index.js`), so one click is two requests at once. The second must not send a second
//! passcode; a "Resend" after the first was answered still does.

// Tests fail loudly on the first surprise.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use common::pf::{ApiClient, Stack};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A pass-through to PingOne that holds every POST for `delay`, so that a second request reaches
/// PingFederate while the first is still being answered.
fn slow_pingone(target: String, delay: Duration) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let forward = move |request: Request| {
        let (http, target) = (http.clone(), target.clone());
        async move {
            let (parts, body) = request.into_parts();
            if parts.method == axum::http::Method::POST {
                tokio::time::sleep(delay).await;
            }
            let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
            let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
            let mut outbound = http.request(parts.method.clone(), format!("{target}{path}")).body(body);
            for (name, value) in parts.headers.iter().filter(|(name, _)| *name != "host") {
                outbound = outbound.header(name, value);
            }
            let answer = outbound.send().await.unwrap();
            let mut response = Response::builder().status(answer.status().as_u16());
            for (name, value) in answer.headers() {
                response = response.header(name, value);
            }
            response.body(Body::from(answer.bytes().await.unwrap())).unwrap()
        }
    };
    let listener = tokio::net::TcpListener::from_std(listener).unwrap();
    tokio::spawn(async move { axum::serve(listener, axum::Router::new().fallback(forward)).await.unwrap() });
    url
}

async fn messages_sent(stack: &Stack, user: &str) -> usize {
    let (status, outbox) = stack.mfa.get(&format!("{}/outbox/{user}", stack.mfa.url)).await;
    assert_eq!(status, StatusCode::OK, "{outbox}");
    outbox.as_array().unwrap().len()
}

async fn select(client: &ApiClient, flow: &str, device: &str) -> (StatusCode, Value) {
    client.act(flow, "selectDevice", json!({"deviceRef": {"id": device}})).await
}

#[tokio::test]
async fn a_second_select_device_while_the_first_is_answered_sends_no_second_passcode() {
    let stack = Stack::start_with(|config| {
        config.pingone_url = slow_pingone(config.pingone_url.clone(), Duration::from_millis(400))
    })
    .await;
    stack.mfa.create_user("dave").await;
    let (sms, _) = stack.mfa.add_device("dave", "SMS").await;
    stack.mfa.add_device("dave", "EMAIL").await;
    let mut client = stack.client();
    let (flow, _) = client.login("dave").await;
    assert_eq!(client.step(&flow, "authenticate", json!({})).await["status"], "DEVICE_SELECTION_REQUIRED");
    assert_eq!(messages_sent(&stack, "dave").await, 0);

    let (first, second) = tokio::join!(select(&client, &flow, &sms), async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        select(&client, &flow, &sms).await
    });
    assert_eq!((first.0, second.0), (StatusCode::OK, StatusCode::OK), "{} {}", first.1, second.1);
    assert_eq!(first.1["status"], "OTP_REQUIRED");
    assert_eq!(second.1, first.1, "the second answers the flow as the first left it");
    assert_eq!(messages_sent(&stack, "dave").await, 1, "one click, one passcode");

    let (status, resent) = select(&client, &flow, &sms).await;
    assert_eq!((status, resent["status"].as_str()), (StatusCode::OK, Some("OTP_REQUIRED")));
    assert_eq!(messages_sent(&stack, "dave").await, 2, "Resend, after the first was answered, sends a new one");
}
