//! The stack's admin API as a QA tool drives it: over HTTP, as JSON.

use moderno_wire::admin::AdminState;
use serde_json::{json, Value};

use crate::TestStack;

/// The stack with its admin API on a free loopback port.
pub async fn stack() -> (TestStack, Admin) {
    let t = TestStack::start_with(|c| c.admin_listen = Some(([127, 0, 0, 1], 0).into())).await;
    let admin = Admin {
        http: reqwest::Client::builder().no_proxy().build().expect("client"),
        url: t.stack.admin_url.clone().expect("the admin API is on"),
    };
    (t, admin)
}

pub struct Admin {
    pub http: reqwest::Client,
    pub url: String,
}

impl Admin {
    pub async fn send(&self, request: reqwest::RequestBuilder) -> (u16, Value) {
        let response = request.send().await.expect("the admin API answers");
        (response.status().as_u16(), response.json().await.expect("a JSON body"))
    }

    pub async fn state(&self) -> AdminState {
        let (status, body) = self.send(self.http.get(format!("{}/admin", self.url))).await;
        assert_eq!(status, 200, "{body}");
        serde_json::from_value(body).expect("an AdminState")
    }

    pub async fn switch(&self, fault: &str, on: bool) -> (u16, Value) {
        self.send(self.http.put(format!("{}/admin/faults/{fault}", self.url)).json(&json!({"on": on}))).await
    }

    pub async fn on(&self, fault: &str) {
        let (status, body) = self.switch(fault, true).await;
        assert_eq!(status, 200, "{fault}: {body}");
    }

    pub async fn advance(&self, seconds: i64) -> (u16, Value) {
        self.send(self.http.post(format!("{}/admin/clock", self.url)).json(&json!({"advanceSeconds": seconds}))).await
    }

    pub async fn reset(&self) {
        let (status, body) = self.send(self.http.post(format!("{}/admin/reset", self.url))).await;
        assert_eq!(status, 200, "{body}");
    }
}
