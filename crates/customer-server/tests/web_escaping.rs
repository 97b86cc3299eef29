//! What a user typed elsewhere shows as text on the web pages, never as markup. A device's
//! nickname is the one value of that kind that reaches the pages over HTTP: a user names their
//! devices freely (the SDK server refuses only control characters and over 100 characters, as
//! Ping documents for `deviceNickname`), and the web sign-in names the device on every page. The
//! username cannot carry markup to a page (the first factor takes `A-Z a-z 0-9 . _ - @ +` only);
//! the templates' own tests render every page with a hostile username.

#![allow(clippy::unwrap_used)] // test harness code outside #[test] functions

mod common;
mod web_browser;

use chrono::Duration;
use common::{Options, Stack, TestDevice, PASSWORD};
use moderno_ambient::Entropy;
use moderno_crypto::device_signature::{self, SignedRequest};
use moderno_wire::device_api::{ManageDevice, PushAnswer, DEVICE_API_PREFIX, DEVICE_SIGNATURE_HEADER};
use moderno_wire::payload::TrustLevel;
use moderno_wire::sdk::DeviceSelection;
use web_browser::{Browser, Page};

const LAPTOP: &str = r#"<script>alert("laptop")</script> & 'Carol's' laptop"#;
const TABLET: &str = r#"<img src=x onerror="alert(1)"> & "tablet""#;

/// Carol with a primary laptop that never polls (offline) and a trusted tablet that does, both
/// with hostile nicknames; the page asks which device approves.
async fn carol_with_hostile_device_names(stack: &Stack) -> (TestDevice, TestDevice) {
    let mut laptop = TestDevice::new(72);
    stack.pair_first_device("carol", &mut laptop, TrustLevel::Primary).await;
    let mut tablet = TestDevice::new(73);
    let answer = stack.login("carol", &tablet).await;
    tablet.complete_pairing(stack, &answer, TrustLevel::Trusted).await;
    rename(stack, &tablet, &laptop, LAPTOP).await;
    rename(stack, &tablet, &tablet, TABLET).await;
    stack.settings(|s| s.device_selection = DeviceSelection::PromptUserToSelect).await;
    tablet.pushes(stack).await;
    (laptop, tablet)
}

/// `by` renames `target` through the SDK server's device API (any of a user's devices may
/// rename any), signed as the device app signs.
async fn rename(stack: &Stack, by: &TestDevice, target: &TestDevice, nickname: &str) {
    let path = format!("{DEVICE_API_PREFIX}/devices/{}", target.device_id.as_deref().unwrap());
    let change = ManageDevice { nickname: Some(nickname.to_owned()), make_primary: false };
    let body = serde_json::to_vec(&change).unwrap();
    let request = SignedRequest { method: "PUT", path: &path, query: "", body: &body };
    let signature = device_signature::sign(&by.key, &request, stack.clock.unix(), &Entropy::from_os().hex(16));
    let response = stack
        .http
        .put(format!("{}{path}", stack.sdk_url))
        .header(DEVICE_SIGNATURE_HEADER, signature)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "renamed: {}", response.text().await.unwrap());
}

/// The page reads `text` once its entities are decoded, and holds none of its markup.
fn assert_shown_as_text(page: &Page, text: &str, what: &str) {
    for markup in ["<script>", "<img", "alert(\"laptop\")", "onerror=\"", "& '", "& \""] {
        assert!(!page.html.contains(markup), "{what}: {markup:?} reached the page unescaped:\n{}", page.html);
    }
    assert!(decoded(&page.html).contains(text), "{what}: the name is not shown:\n{}", page.html);
}

/// HTML text with its character references decoded (the named and numeric ones HTML escapers
/// write).
fn decoded(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(start) = rest.find('&') {
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        let end = rest.find(';').filter(|&end| end <= 8);
        let decoded = end.and_then(|end| match &rest[1..end] {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            number => {
                let code = match number.strip_prefix("#x").or_else(|| number.strip_prefix("#X")) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok(),
                    None => number.strip_prefix('#').and_then(|n| n.parse().ok()),
                };
                code.and_then(char::from_u32)
            }
        });
        match (decoded, end) {
            (Some(c), Some(end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            _ => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Signs carol in with the right password and picks `device` on the chooser.
async fn sign_in_choosing(browser: &mut Browser<'_>, device: &TestDevice) -> Page {
    let posted = browser.sign_in("carol", PASSWORD).await;
    assert_eq!(posted.status, 303, "{}", posted.html);
    let choose = browser.get("/sign-in/wait").await;
    assert!(choose.html.contains("Which device should approve?"), "{}", choose.html);
    browser.submit("/sign-in/device", &[("deviceId", device.device_id.as_deref().unwrap())]).await
}

#[tokio::test]
async fn a_hostile_device_nickname_shows_as_text_on_every_page_that_names_the_device() {
    let stack = Stack::start_with(Options { ignore_validation: true, ..Options::default() }).await;
    let (laptop, tablet) = carol_with_hostile_device_names(&stack).await;
    let mut browser = Browser::new(&stack);

    browser.sign_in("carol", PASSWORD).await;
    let choose = browser.get("/sign-in/wait").await;
    assert_shown_as_text(&choose, LAPTOP, "the chooser");
    assert_shown_as_text(&choose, TABLET, "the chooser");
    let cancel = browser.post("/sign-in/cancel", &[]).await;
    assert!(cancel.html.contains("The sign-in was canceled."), "{}", cancel.html);

    let offline = sign_in_choosing(&mut browser, &laptop).await;
    assert!(offline.html.contains("Your device is offline"), "the laptop never polled: {}", offline.html);
    assert_shown_as_text(&offline, LAPTOP, "the offline page");
    let malformed = browser.post("/sign-in/passcode", &[("otp", "12")]).await;
    assert!(malformed.html.contains("The offline passcode is 6 digits."), "{}", malformed.html);
    assert_shown_as_text(&malformed, LAPTOP, "the offline page with a note");
    browser.post("/sign-in/cancel", &[]).await;

    let waiting = sign_in_choosing(&mut browser, &tablet).await;
    assert!(waiting.html.contains("Approve on your trusted device"), "{}", waiting.html);
    assert_shown_as_text(&waiting, TABLET, "the waiting page");
    tablet.next_push(&stack).await;
    stack.clock.advance(Duration::seconds(41));
    let timed_out = browser.get("/sign-in/wait").await;
    assert!(timed_out.html.contains("No answer in time"), "{}", timed_out.html);
    assert_shown_as_text(&timed_out, TABLET, "the timed-out page");
    browser.post("/sign-in/cancel", &[]).await;

    sign_in_choosing(&mut browser, &tablet).await;
    tablet.answer_the_push(&stack, PushAnswer::deny()).await;
    let denied = browser.get("/sign-in/wait").await;
    assert_eq!(denied.status, 403, "{}", denied.html);
    assert_shown_as_text(&denied, &format!("The sign-in was denied on {TABLET}."), "the denied page");

    sign_in_choosing(&mut browser, &tablet).await;
    tablet.answer_the_push(&stack, PushAnswer::approve(None)).await;
    let signed_in = browser.get("/sign-in/wait").await;
    assert_eq!(signed_in.status, 200, "{}", signed_in.html);
    assert_shown_as_text(&signed_in, &format!("Signed in as carol — approved on {TABLET}."), "the signed-in page");
}

#[test]
fn the_decoder_reads_named_and_numeric_references_and_leaves_a_lone_ampersand() {
    assert_eq!(decoded("&lt;b&gt; &#34;x&#34; &#x27;y&#39; &amp; & z;"), "<b> \"x\" 'y' & & z;");
}
