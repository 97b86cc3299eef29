//! The web sign-in's pages (templates under `templates/sign_in/`). Every value is escaped by
//! askama; the forms post only to this site.

use askama::Template;
use moderno_wire::sdk::{Device, DeviceRole};

use crate::web::Note;

/// `GET /sign-in`: username and password.
#[derive(Template)]
#[template(path = "sign_in/form.html")]
pub(super) struct Form<'a> {
    pub(super) note: Option<Note<'a>>,
}

/// The push is out: the device's name, the number to pick (number matching), a countdown.
#[derive(Template)]
#[template(path = "sign_in/waiting.html")]
pub(super) struct Waiting<'a> {
    pub(super) username: &'a str,
    pub(super) device: &'a str,
    pub(super) match_number: Option<u8>,
    pub(super) seconds_left: i64,
}

/// The approving device is offline: its offline passcode signs in instead.
#[derive(Template)]
#[template(path = "sign_in/offline.html")]
pub(super) struct Offline<'a> {
    device: &'a str,
    /// What the last passcode's refusal left: "That passcode was wrong. 2 tries left."
    wrong_passcode: Option<String>,
    note: Option<Note<'a>>,
}

impl<'a> Offline<'a> {
    pub(super) fn new(device: &'a str, attempts_left: Option<u32>, wrong: bool, note: Option<Note<'a>>) -> Self {
        let wrong_passcode = wrong.then(|| {
            let left =
                attempts_left.map_or(String::new(), |n| format!(" {n} {} left.", if n == 1 { "try" } else { "tries" }));
            format!("That passcode was wrong.{left}")
        });
        Self { device, wrong_passcode, note }
    }
}

/// The push was not answered in time: ask again, or type a passcode from any trusted device.
#[derive(Template)]
#[template(path = "sign_in/timed_out.html")]
pub(super) struct TimedOut<'a> {
    pub(super) device: &'a str,
    pub(super) note: Option<Note<'a>>,
}

/// Several devices and no default approver: the user picks one.
#[derive(Template)]
#[template(path = "sign_in/choose_device.html")]
pub(super) struct ChooseDevice<'a> {
    choices: Vec<Choice>,
    note: Option<Note<'a>>,
}

struct Choice {
    id: String,
    label: String,
    primary: bool,
}

impl<'a> ChooseDevice<'a> {
    pub(super) fn new(devices: &[Device], note: Option<Note<'a>>) -> Self {
        let choices = devices
            .iter()
            .map(|d| Choice {
                id: d.id.clone(),
                label: super::flow::device_label(Some(d)),
                primary: d.device_role == DeviceRole::Primary,
            })
            .collect();
        Self { choices, note }
    }
}

/// How the sign-in passed its second factor.
pub(super) enum Approval<'a> {
    /// The device approved the push.
    Push(&'a str),
    /// The device's offline passcode.
    Passcode(&'a str),
    /// MFA is off for the application at PingID: the password was enough.
    MfaOff,
    /// MFA is bypassed for the user at PingID.
    Bypassed,
    /// Signed in earlier (a page reloaded).
    Earlier,
}

/// Where a sign-in ends: who, and how the second factor passed.
#[derive(Template)]
#[template(path = "sign_in/signed_in.html")]
pub(super) struct SignedIn<'a> {
    username: &'a str,
    how: String,
}

impl<'a> SignedIn<'a> {
    pub(super) fn new(username: &'a str, approval: &Approval<'_>) -> Self {
        let user = username;
        let how = match approval {
            Approval::Push(device) => format!("Signed in as {user} — approved on {device}."),
            Approval::Passcode(device) => format!("Signed in as {user} — approved with the offline passcode of {device}."),
            Approval::MfaOff => format!(
                "Signed in as {user} — multi-factor authentication is turned off for Moderno right now, so your password was enough."
            ),
            Approval::Bypassed => format!("Signed in as {user} — multi-factor authentication is bypassed for your account for now."),
            Approval::Earlier => format!("Signed in as {user}."),
        };
        Self { username, how }
    }
}

/// PingID cannot be asked right now; the sign-in still waits.
#[derive(Template)]
#[template(path = "sign_in/unreachable.html")]
pub(super) struct Unreachable;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_waiting_page_shows_the_device_the_number_and_loads_only_its_own_script() {
        let page =
            |match_number| Waiting { username: "alice", device: "<Alice's laptop>", match_number, seconds_left: 40 };
        let html = page(Some(42)).render().unwrap();
        assert!(html.contains("Approve on your trusted device"));
        assert!(html.contains("&#60;Alice&#39;s laptop&#62;"), "{html}");
        assert!(html.contains(">42</div>"));
        assert!(html.contains("<script src=\"/sign-in.js\"></script>"));
        assert!(!html.contains("<script>"), "no inline script");
        assert!(!page(None).render().unwrap().contains("match-number"), "no number without number matching");
    }

    #[test]
    fn the_signed_in_page_says_who_and_which_device_approved() {
        let html = SignedIn::new("alice", &Approval::Push("Test desktop")).render().unwrap();
        assert!(html.contains("Signed in as alice — approved on Test desktop."), "{html}");
        let html = SignedIn::new("<b>", &Approval::Passcode("<i>")).render().unwrap();
        assert!(html.contains("&#60;b&#62;") && html.contains("&#60;i&#62;") && !html.contains("<b>"), "{html}");
    }

    #[test]
    fn a_wrong_passcode_says_how_many_tries_are_left() {
        let html = |left, wrong| Offline::new("laptop", left, wrong, None).render().unwrap();
        assert!(html(Some(2), true).contains("That passcode was wrong. 2 tries left."));
        assert!(html(Some(1), true).contains("1 try left."));
        assert!(!html(Some(3), false).contains("wrong"));
    }

    #[test]
    fn every_sign_in_page_shows_a_hostile_username_or_device_name_as_text() {
        use crate::web::pages::tests::{HOSTILE, HOSTILE_ESCAPED};
        let device = Device {
            id: HOSTILE.into(),
            device_type: moderno_wire::sdk::DeviceType::Desktop,
            device_fingerprint: "f".into(),
            device_name: "d".into(),
            device_nickname: HOSTILE.into(),
            device_role: DeviceRole::Primary,
            enrollment_time: "2030-01-01T10:00:00Z".into(),
            application_id: "a".into(),
            bypass_expiration: None,
            bypassed: false,
            rooted: false,
            last_used: None,
        };
        let note = Some(Note::error(HOSTILE));
        let pages = [
            ("form", Form { note }.render()),
            (
                "waiting",
                Waiting { username: HOSTILE, device: HOSTILE, match_number: Some(7), seconds_left: 30 }.render(),
            ),
            ("offline", Offline::new(HOSTILE, Some(2), true, note).render()),
            ("timed out", TimedOut { device: HOSTILE, note }.render()),
            ("choose", ChooseDevice::new(&[device], note).render()),
            ("signed in", SignedIn::new(HOSTILE, &Approval::Push(HOSTILE)).render()),
        ];
        for (what, html) in pages {
            let html = html.unwrap();
            assert!(html.contains(HOSTILE_ESCAPED), "{what}: {html}");
            assert!(!html.contains("<script>") && !html.contains("& '"), "{what}: {html}");
        }
    }
}
