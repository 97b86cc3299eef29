//! Web sign-in approved by the device, end to end over loopback: a person signs in on the
//! customer server's web page, and the desktop device (the SDK component, as the app runs it)
//! gets the push of Ping's payload-less authentication ([D-AUTH]) and approves it — or, offline,
//! its offline passcode signs the web page in.

use std::time::Duration;

use moderno_e2e::{TestDevice, TestStack, PASSWORD};
use moderno_wire::device_api::PushAnswer;
use moderno_wire::payload::TrustLevel;

/// A browser that keeps the cookies it is given and follows no redirect by itself.
struct Browser {
    base: String,
    http: reqwest::Client,
    cookies: Vec<(String, String)>,
}

impl Browser {
    fn new(t: &TestStack) -> Self {
        let http = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("Mozilla/5.0 (X11; Linux x86_64) moderno-e2e")
            .build()
            .expect("a client");
        Self { base: t.stack.customer_url.clone(), http, cookies: Vec::new() }
    }

    /// Sends a request with the cookies; returns the HTTP status and the body.
    async fn send(&mut self, request: reqwest::RequestBuilder) -> (u16, String) {
        let jar = self.cookies.iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join("; ");
        let response = request.header(reqwest::header::COOKIE, jar).send().await.expect("the web page answers");
        for cookie in response.headers().get_all(reqwest::header::SET_COOKIE) {
            let cookie = cookie.to_str().expect("a cookie").to_owned();
            let (pair, attributes) = cookie.split_once(';').unwrap_or((&cookie, ""));
            let (name, value) = pair.split_once('=').expect("name=value");
            self.cookies.retain(|(n, _)| n != name);
            if !attributes.contains("Max-Age=0") {
                self.cookies.push((name.to_owned(), value.to_owned()));
            }
        }
        (response.status().as_u16(), response.text().await.expect("a body"))
    }

    async fn get(&mut self, path: &str) -> (u16, String) {
        let request = self.http.get(format!("{}{path}", self.base));
        self.send(request).await
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> (u16, String) {
        let request = self.http.post(format!("{}{path}", self.base)).form(form);
        self.send(request).await
    }

    /// Polls the waiting page's status, as its script does, until the sign-in is decided.
    async fn wait_until_decided(&mut self) {
        for _ in 0..200 {
            let (_, status) = self.get("/sign-in/status").await;
            if !status.contains("\"waiting\"") {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the device did not answer the web sign-in");
    }
}

/// The name the SDK server knows the device by (the app's machine name).
async fn device_name(t: &TestStack, user: &str) -> String {
    let user = t.sdk().get_user(user, true).await.expect("the user at PingID");
    user.devices.unwrap_or_default().first().expect("a paired device").device_name.clone()
}

async fn alice_paired(t: &TestStack) -> TestDevice {
    let laptop = t.device("laptop").await;
    laptop.pair_first("alice", TrustLevel::Primary).await;
    laptop
}

#[tokio::test]
async fn the_desktop_device_approves_a_web_sign_in_and_the_page_lands_signed_in() {
    let t = TestStack::start().await;
    let laptop = alice_paired(&t).await;
    laptop.go_online().await;
    let name = device_name(&t, "alice").await;
    let mut browser = Browser::new(&t);

    let (status, _) = browser.post("/sign-in", &[("username", "alice"), ("password", PASSWORD)]).await;
    assert_eq!(status, 303, "the password passes and a push goes out");
    let (status, waiting) = browser.get("/sign-in/wait").await;
    assert_eq!(status, 200, "{waiting}");
    assert!(waiting.contains("Approve on your trusted device"), "{waiting}");
    assert!(waiting.contains(&name), "the page names the device asked: {waiting}");

    let approver = laptop.answer_pushes(PushAnswer::approve(None));
    browser.wait_until_decided().await;
    approver.abort();
    let (status, signed_in) = browser.get("/sign-in/wait").await;
    assert_eq!(status, 200, "{signed_in}");
    assert!(signed_in.contains(&format!("Signed in as alice — approved on {name}.")), "{signed_in}");
}

#[tokio::test]
async fn an_offline_desktop_devices_passcode_signs_the_web_page_in() {
    let t = TestStack::start().await;
    let laptop = alice_paired(&t).await;
    let name = device_name(&t, "alice").await;
    let mut browser = Browser::new(&t);

    browser.post("/sign-in", &[("username", "alice"), ("password", PASSWORD)]).await;
    let (_, offline) = browser.get("/sign-in/wait").await;
    assert!(offline.contains("Your device is offline"), "the laptop never polled: {offline}");

    let code = laptop.device.offline_otp().expect("a paired device shows a passcode");
    let (status, _) = browser.post("/sign-in/passcode", &[("otp", &code)]).await;
    assert_eq!(status, 303);
    let (_, signed_in) = browser.get("/sign-in/wait").await;
    assert!(
        signed_in.contains(&format!("Signed in as alice — approved with the offline passcode of {name}.")),
        "{signed_in}"
    );
}
