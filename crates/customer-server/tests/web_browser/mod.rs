//! A browser for the web sign-in tests: it keeps cookies as a browser does and follows no
//! redirect by itself, so each test sees every page and cookie.

#![allow(dead_code)]

use reqwest::header;
use serde_json::Value;

use crate::common::{Stack, TestDevice, PASSWORD};
use moderno_wire::payload::TrustLevel;

pub const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

/// A page as the browser got it.
pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub set_cookies: Vec<String>,
    pub html: String,
}

/// A browser: keeps cookies (by name, honouring `Max-Age=0`), follows nothing by itself.
pub struct Browser<'a> {
    pub stack: &'a Stack,
    pub http: reqwest::Client,
    pub cookies: Vec<(String, String)>,
}

impl<'a> Browser<'a> {
    pub fn new(stack: &'a Stack) -> Self {
        let http = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(FIREFOX)
            .build()
            .unwrap();
        Self { stack, http, cookies: Vec::new() }
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    pub async fn send(&mut self, request: reqwest::RequestBuilder) -> Page {
        let jar = self.cookies.iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join("; ");
        let request = if jar.is_empty() { request } else { request.header(header::COOKIE, jar) };
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let location = response.headers().get(header::LOCATION).map(|v| v.to_str().unwrap().to_owned());
        let set_cookies: Vec<String> =
            response.headers().get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_owned()).collect();
        for cookie in &set_cookies {
            let (pair, attributes) = cookie.split_once(';').unwrap_or((cookie, ""));
            let (name, value) = pair.split_once('=').unwrap();
            self.cookies.retain(|(n, _)| n != name);
            if !attributes.contains("Max-Age=0") {
                self.cookies.push((name.to_owned(), value.to_owned()));
            }
        }
        Page { status, location, set_cookies, html: response.text().await.unwrap() }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.stack.customer_url)
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let request = self.http.get(self.url(path));
        self.send(request).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let request = self.http.post(self.url(path)).form(form);
        self.send(request).await
    }

    /// Posts a form and follows its 303 to the page it leads to.
    pub async fn submit(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let posted = self.post(path, form).await;
        assert_eq!(posted.status, 303, "{path} answers with a redirect: {}", posted.html);
        assert_eq!(posted.location.as_deref(), Some("/sign-in/wait"));
        self.get("/sign-in/wait").await
    }

    pub async fn sign_in(&mut self, user: &str, password: &str) -> Page {
        self.post("/sign-in", &[("username", user), ("password", password)]).await
    }

    /// The waiting page's JSON status.
    pub async fn status(&mut self) -> Value {
        let request = self.http.get(self.url("/sign-in/status"));
        let page = self.send(request).await;
        serde_json::from_str(&page.html).unwrap_or_else(|_| panic!("JSON status: {}", page.html))
    }
}

/// alice with a paired primary device that polls pushes (so it is online).
pub async fn alice_with_online_primary(stack: &Stack) -> TestDevice {
    let mut primary = TestDevice::new(60);
    stack.pair_first_device("alice", &mut primary, TrustLevel::Primary).await;
    primary.pushes(stack).await;
    primary
}

/// alice with a paired primary that has never polled: offline to the SDK server.
pub async fn alice_with_offline_primary(stack: &Stack) -> TestDevice {
    let mut primary = TestDevice::new(61);
    stack.pair_first_device("alice", &mut primary, TrustLevel::Primary).await;
    primary
}

/// Signs alice in with the right password: a sign-in now waits on her device.
pub async fn waiting_for_device(browser: &mut Browser<'_>) -> Page {
    let posted = browser.sign_in("alice", PASSWORD).await;
    assert_eq!(posted.status, 303, "{}", posted.html);
    assert_eq!(posted.location.as_deref(), Some("/sign-in/wait"));
    let cookie = posted.set_cookies.iter().find(|c| c.starts_with("moderno_sign_in=")).expect("the sign-in's cookie");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/sign-in"] {
        assert!(cookie.contains(attribute), "{attribute} in {cookie}");
    }
    let page = browser.get("/sign-in/wait").await;
    assert_eq!(page.status, 200, "{}", page.html);
    page
}
