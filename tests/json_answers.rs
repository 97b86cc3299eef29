//! What the tests of refusals share: a client without proxies and answers required to be JSON.

use serde_json::Value;

pub fn http() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().expect("client")
}

/// `(HTTP status, JSON body)` of a request, the body required to be JSON.
pub async fn send(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request.send().await.expect("an answer");
    let status = response.status().as_u16();
    let text = response.text().await.expect("a body");
    (status, serde_json::from_str(&text).unwrap_or_else(|_| panic!("HTTP {status}: not JSON: {text:?}")))
}
