//! The web sign-in's pages. Everything shown is escaped; the forms post only to this site.

use moderno_wire::sdk::{Device, DeviceRole};

use crate::web::{escape, layout};

/// A line above a form: what went wrong, or what happened.
#[derive(Clone, Copy)]
pub(super) enum Note<'a> {
    Error(&'a str),
    Info(&'a str),
}

fn note_html(note: Option<Note<'_>>) -> String {
    match note {
        Some(Note::Error(text)) => format!("<p class=\"error\" role=\"alert\">{}</p>", escape(text)),
        Some(Note::Info(text)) => format!("<p class=\"notice\" role=\"status\">{}</p>", escape(text)),
        None => String::new(),
    }
}

const CANCEL: &str =
    "<form class=\"secondary\" method=\"post\" action=\"/sign-in/cancel\"><button type=\"submit\">Cancel this sign-in</button></form>";

/// `GET /sign-in`: username and password.
pub(super) fn form(note: Option<Note<'_>>) -> String {
    layout(
        "Sign in",
        &format!(
            "<h1>Sign in to online banking</h1>\
<p class=\"muted\">Your password, then your paired device approves the sign-in.</p>{note}\
<form method=\"post\" action=\"/sign-in\">\
<label for=\"username\">Username</label><input id=\"username\" name=\"username\" autocomplete=\"username\" required autofocus>\
<label for=\"password\">Password</label><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>\
<button type=\"submit\">Sign in</button></form>\
<p class=\"muted\">No device paired yet? Signing in gives you a pairing key for Moderno Desktop.</p>",
            note = note_html(note),
        ),
    )
}

/// The push is out: the device's name, the number to pick (number matching), a countdown.
pub(super) fn waiting(username: &str, device: &str, match_number: Option<u8>, seconds_left: i64) -> String {
    let number = match_number
        .map(|n| {
            format!(
                "<p>Your device asks which number this page shows. Pick:</p>\
<div class=\"number\" id=\"match-number\" aria-label=\"the number to pick\">{n}</div>"
            )
        })
        .unwrap_or_default();
    layout(
        "Approve on your trusted device",
        &format!(
            "<h1>Approve on your trusted device</h1>\
<p>Hello {user}, we sent a sign-in request to:</p>\
<div class=\"device\" id=\"waiting\"><span class=\"pulse\" aria-hidden=\"true\"></span>\
<div><strong id=\"device-name\">{device}</strong><span class=\"muted\">Moderno Desktop asks “Moderno web sign-in”</span></div></div>\
{number}\
<p class=\"muted\" id=\"seconds-left\" data-seconds-left=\"{seconds_left}\" aria-live=\"polite\">The request expires in {seconds_left} seconds.</p>\
<noscript><p><a href=\"/sign-in/wait\">I answered on my device: continue</a></p></noscript>\
{CANCEL}<script src=\"/sign-in.js\"></script>",
            user = escape(username),
            device = escape(device),
        ),
    )
}

/// The passcode form of the offline and timed-out pages.
fn passcode_form(button: &str) -> String {
    format!(
        "<form method=\"post\" action=\"/sign-in/passcode\">\
<label for=\"otp\">Offline passcode</label>\
<input id=\"otp\" name=\"otp\" inputmode=\"numeric\" autocomplete=\"one-time-code\" maxlength=\"7\" placeholder=\"6 digits\" required autofocus>\
<button type=\"submit\">{}</button></form>",
        escape(button)
    )
}

/// The approving device is offline: its offline passcode signs in instead.
pub(super) fn offline(device: &str, attempts_left: Option<u32>, wrong: bool, note: Option<Note<'_>>) -> String {
    let wrong = wrong.then(|| {
        let left = attempts_left.map_or(String::new(), |n| format!(" {n} {} left.", if n == 1 { "try" } else { "tries" }));
        format!("<p class=\"error\" role=\"alert\">That passcode was wrong.{left}</p>")
    });
    layout(
        "Your device is offline",
        &format!(
            "<h1>Your device is offline</h1>\
<p>We could not reach <strong>{device}</strong> to ask it. Type the offline passcode that Moderno Desktop \
shows on it instead: it changes every 30 seconds and works once.</p>{wrong}{note}{form}{CANCEL}",
            device = escape(device),
            wrong = wrong.unwrap_or_default(),
            note = note_html(note),
            form = passcode_form("Sign in with the passcode"),
        ),
    )
}

/// The push was not answered in time: ask again, or type a passcode from any trusted device.
pub(super) fn timed_out(device: &str, note: Option<Note<'_>>) -> String {
    layout(
        "No answer in time",
        &format!(
            "<h1>No answer in time</h1>\
<p><strong>{device}</strong> did not answer the sign-in request in time.</p>{note}\
<form method=\"post\" action=\"/sign-in/retry\"><button type=\"submit\">Send the request again</button></form>\
<p>Or type the offline passcode Moderno Desktop shows on any of your trusted devices:</p>{form}{CANCEL}",
            device = escape(device),
            note = note_html(note),
            form = passcode_form("Sign in with the passcode"),
        ),
    )
}

/// Several devices and no default approver: the user picks one.
pub(super) fn choose_device(devices: &[Device], note: Option<Note<'_>>) -> String {
    let buttons: String = devices
        .iter()
        .map(|d| {
            let role = if d.device_role == DeviceRole::Primary { " (primary)" } else { "" };
            format!(
                "<form method=\"post\" action=\"/sign-in/device\"><input type=\"hidden\" name=\"deviceId\" value=\"{id}\">\
<button type=\"submit\">{name}{role}</button></form>",
                id = escape(&d.id),
                name = escape(&super::flow::device_label(Some(d))),
            )
        })
        .collect();
    layout(
        "Choose a device",
        &format!(
            "<h1>Which device should approve?</h1><p>You have several paired devices. Choose the one at hand:</p>\
{note}<div class=\"choices\">{buttons}</div>{CANCEL}",
            note = note_html(note),
        ),
    )
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

pub(super) fn signed_in(username: &str, approval: &Approval<'_>) -> String {
    let user = escape(username);
    let how = match approval {
        Approval::Push(device) => format!("Signed in as {user} — approved on {}.", escape(device)),
        Approval::Passcode(device) => {
            format!("Signed in as {user} — approved with the offline passcode of {}.", escape(device))
        }
        Approval::MfaOff => format!(
            "Signed in as {user} — multi-factor authentication is turned off for Moderno right now, so your password was enough."
        ),
        Approval::Bypassed => format!("Signed in as {user} — multi-factor authentication is bypassed for your account for now."),
        Approval::Earlier => format!("Signed in as {user}."),
    };
    layout(
        "Signed in",
        &format!(
            "<h1>Welcome, {user}</h1><p class=\"success\" role=\"status\" id=\"signed-in\">{how}</p>\
<p class=\"muted\">This is Moderno's demo online banking: the sign-in is all there is to see.</p>\
<form class=\"secondary\" method=\"post\" action=\"/sign-in/sign-out\"><button type=\"submit\">Sign out</button></form>"
        ),
    )
}

/// PingID cannot be asked right now; the sign-in still waits.
pub(super) fn unreachable() -> String {
    layout(
        "PingID unreachable",
        "<h1>PingID cannot be reached</h1><p>Your sign-in is still waiting, but we cannot ask PingID about it \
right now.</p><p><a href=\"/sign-in/wait\">Try again</a></p>",
    )
}

/// A sign-in that ended without signing in: why, and the way back.
pub(super) fn ended(title: &str, text: &str) -> String {
    layout(
        title,
        &format!(
            "<h1>{}</h1><p>{}</p><p><a href=\"/sign-in\">Sign in again</a></p>",
            escape(title),
            escape(text)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_waiting_page_shows_the_device_the_number_and_loads_only_its_own_script() {
        let html = waiting("alice", "<Alice's laptop>", Some(42), 40);
        assert!(html.contains("Approve on your trusted device"));
        assert!(html.contains("&lt;Alice&#39;s laptop&gt;"), "{html}");
        assert!(html.contains(">42</div>"));
        assert!(html.contains("<script src=\"/sign-in.js\"></script>"));
        assert!(!html.contains("<script>"), "no inline script");
        assert!(!waiting("alice", "laptop", None, 40).contains("match-number"), "no number without number matching");
    }

    #[test]
    fn the_signed_in_page_says_who_and_which_device_approved() {
        let html = signed_in("alice", &Approval::Push("Test desktop"));
        assert!(html.contains("Signed in as alice — approved on Test desktop."), "{html}");
        let html = signed_in("<b>", &Approval::Passcode("<i>"));
        assert!(html.contains("&lt;b&gt;") && html.contains("&lt;i&gt;") && !html.contains("<b>"));
    }

    #[test]
    fn a_wrong_passcode_says_how_many_tries_are_left() {
        assert!(offline("laptop", Some(2), true, None).contains("That passcode was wrong. 2 tries left."));
        assert!(offline("laptop", Some(1), true, None).contains("1 try left."));
        assert!(!offline("laptop", Some(3), false, None).contains("wrong"));
    }
}
