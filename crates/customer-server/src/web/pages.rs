//! The pairing-key pages (templates under `templates/pairing_key/`) and the site's message page.
//! Every value is escaped by askama; the QR code alone is markup, drawn here from the key.

use askama::Template;
use chrono::{DateTime, Utc};

use super::Note;

/// `GET /` and the pairing-key page's refusals: username and password.
#[derive(Template)]
#[template(path = "pairing_key/login.html")]
pub(super) struct LoginForm<'a> {
    pub(super) note: Option<Note<'a>>,
}

/// The key, as text and as a QR code, with its expiry (the countdown starts from the server's
/// clock, which may be a virtual one) and the steps.
#[derive(Template)]
#[template(path = "pairing_key/key.html")]
pub(super) struct KeyPage<'a> {
    username: &'a str,
    key: &'a str,
    qr_svg: String,
    seconds_left: i64,
    expiry: String,
}

impl<'a> KeyPage<'a> {
    pub(super) fn new(username: &'a str, key: &'a str, expires_at: &str, now: DateTime<Utc>) -> Self {
        let expiry = DateTime::parse_from_rfc3339(expires_at).map(|t| t.with_timezone(&Utc));
        let (seconds_left, expiry) = match expiry {
            Ok(t) => {
                let seconds = (t - now).num_seconds().max(0);
                let text = format!(
                    "Valid until {} UTC (about {} minutes). It works once.",
                    t.format("%H:%M"),
                    seconds.div_euclid(60)
                );
                (seconds, text)
            }
            Err(_) => (0, format!("Valid until {expires_at}. It works once.")),
        };
        Self { username, key, qr_svg: qr_svg(key), seconds_left, expiry }
    }
}

/// The key as an inline SVG QR code (the XML prolog dropped: it sits inside HTML).
fn qr_svg(key: &str) -> String {
    match qrcode::QrCode::new(key.as_bytes()) {
        Ok(code) => {
            let svg = code
                .render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(180, 180)
                .dark_color(qrcode::render::svg::Color("#12355b"))
                .light_color(qrcode::render::svg::Color("#ffffff"))
                .build();
            svg.find("<svg").map_or(svg.clone(), |start| svg[start..].to_string())
        }
        // A 14-character key always fits a QR code; the text above stays the key either way.
        Err(_) => String::new(),
    }
}

/// Pairing keys are for a first device: a user with one signs in instead.
#[derive(Template)]
#[template(path = "pairing_key/has_devices.html")]
pub(super) struct HasDevices<'a> {
    pub(super) username: &'a str,
}

/// A page that only says something, with the way back.
#[derive(Template)]
#[template(path = "message.html")]
pub(crate) struct Message<'a> {
    title: &'a str,
    text: &'a str,
    back_to: &'static str,
    back_label: &'static str,
}

impl<'a> Message<'a> {
    /// Back to the pairing-key page's form.
    pub(crate) fn back_home(title: &'a str, text: &'a str) -> Self {
        Self { title, text, back_to: "/", back_label: "Back" }
    }

    /// A web sign-in that ended without signing in: why, and the way back.
    pub(crate) fn sign_in_again(title: &'a str, text: &'a str) -> Self {
        Self { title, text, back_to: "/sign-in", back_label: "Sign in again" }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn the_key_page_shows_the_key_its_expiry_and_the_steps() {
        let now = DateTime::parse_from_rfc3339("2030-01-01T10:00:00Z").unwrap().with_timezone(&Utc);
        let html = KeyPage::new("<alice>", "BCDF-GHJK-LMNP", "2030-01-01T10:10:00Z", now).render().unwrap();
        assert!(html.contains("BCDF-GHJK-LMNP"));
        assert!(html.contains("10:10 UTC (about 10 minutes)"), "{html}");
        assert!(html.contains(r#"data-seconds-left="600""#), "the countdown starts from the server's clock");
        assert!(html.contains("<svg") && !html.contains("<?xml"), "the QR code is inline SVG");
        assert!(html.contains(r#"action="/pairing-key/fresh""#), "a fresh key is one click away");
        assert!(html.contains("I have a pairing key"));
        assert!(html.contains("Hello &#60;alice&#62;,") && !html.contains("<alice>"), "{html}");
    }

    #[test]
    fn the_form_shows_an_error_escaped() {
        let html = LoginForm { note: Some(Note::error("<b>bad</b>")) }.render().unwrap();
        assert!(html.contains(r#"<p class="error" role="alert">&#60;b&#62;bad&#60;/b&#62;</p>"#), "{html}");
        assert!(html.contains("<form method=\"post\" action=\"/pairing-key\">"));
    }

    /// A username with markup, quotes and `&` (the first factor would refuse it; the pages do not
    /// count on that).
    pub(crate) const HOSTILE: &str = r#"<script>alert("x")</script> & 'q'"#;
    pub(crate) const HOSTILE_ESCAPED: &str = "&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; &#39;q&#39;";

    #[test]
    fn every_pairing_key_page_shows_a_hostile_username_or_text_as_text() {
        let now = Utc::now();
        let pages = [
            ("key", KeyPage::new(HOSTILE, "BCDF-GHJK-LMNP", "2030-01-01T10:10:00Z", now).render()),
            ("has devices", HasDevices { username: HOSTILE }.render()),
            ("message", Message::back_home(HOSTILE, HOSTILE).render()),
            ("form", LoginForm { note: Some(Note::info(HOSTILE)) }.render()),
        ];
        for (what, html) in pages {
            let html = html.unwrap();
            assert!(html.contains(HOSTILE_ESCAPED), "{what}: {html}");
            assert!(!html.contains("<script>") && !html.contains("& '"), "{what}: {html}");
        }
    }
}
