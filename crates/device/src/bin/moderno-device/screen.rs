//! What a sign-in shows on the terminal, in the words of the backend that runs it: each server
//! answer as it came over the wire (Moderno status codes, PingFederate's flow states and
//! `_links`), and each step the login reached. The flow itself (`login.rs`) never branches on
//! the backend; only these words do.

use moderno_device::pingfederate::{PairingAttempt, PfProgress};
use moderno_device::{LoginProgress, Progress, ServerAnswer};
use moderno_wire::device_api::PairingCompleted;
use moderno_wire::moderno::{DeviceSummary, MfaOutcome};
use moderno_wire::payload::GrantedAccess;
use moderno_wire::pingfederate::{AdapterDevice, Flow, MFA_STATUS_ATTRIBUTE};
use serde_json::json;

use crate::output::Output;

/// One server answer: `server_answer` (customer server), `action` then `flow` (PingFederate), or
/// PingFederate's refusal as an `error`.
pub fn show_answer(out: &Output, answer: &ServerAnswer) {
    match answer {
        ServerAnswer::CustomerServer { request, status, description, mfa } => out.step(
            "server_answer",
            format!("server: {status} {description}"),
            json!({"request": request, "status": status, "description": description, "mfa": mfa}),
        ),
        ServerAnswer::Flow { action, flow } => {
            out.step("action", format!("-> {action}"), json!({"action": action}));
            show_flow(out, flow);
        }
        ServerAnswer::Refused { action, refusal } => {
            out.step("action", format!("-> {action}"), json!({"action": action}));
            out.error(&moderno_device::DeviceError::PingFederate(refusal.clone()));
        }
    }
}

fn show_flow(out: &Output, flow: &Flow) {
    let links: Vec<&str> = flow.links.keys().map(String::as_str).filter(|l| *l != "self").collect();
    let status =
        serde_json::to_value(flow.status).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
    let human = format!("flow {}: {status} [{}]", flow.id, links.join(", "));
    out.step("flow", human, serde_json::to_value(flow).unwrap_or_default());
}

/// The step the login reached. `first_look`: false while the same push is still awaited (its
/// waiting line is not repeated).
pub fn show(out: &Output, progress: &Progress, first_look: bool) {
    match progress {
        Progress::PingidSdk(progress) => moderno(out, progress, first_look),
        Progress::PingFederate(progress) => pingfederate(out, progress, first_look),
    }
}

fn moderno(out: &Output, progress: &LoginProgress, first_look: bool) {
    match progress {
        LoginProgress::ChooseTrustLevel { username, levels, .. } => {
            let names: Vec<String> = levels.iter().map(|l| format!("{l:?}").to_lowercase()).collect();
            out.step(
                "trust_levels",
                format!("pair this device with {username}? offered: {}", names.join(", ")),
                json!({"levels": levels}),
            );
        }
        LoginProgress::PairingKeyNeeded { invalid } => out.step(
            "pairing_key_needed",
            if *invalid { "the pairing key was refused" } else { "the user's first device needs a pairing key" },
            json!({"invalid": invalid}),
        ),
        LoginProgress::WaitForPush { expires_in, match_number } if first_look => {
            let mut waiting =
                format!("waiting for another device to approve (push expires in {} s)", expires_in.unwrap_or(0));
            if let Some(number) = match_number {
                waiting.push_str(&format!("; pick {number} there"));
            }
            out.step("waiting_for_push", waiting, json!({"pushExpiresIn": expires_in, "matchNumber": match_number}));
        }
        LoginProgress::WaitForPush { .. } | LoginProgress::EnterOtp { .. } => {}
        LoginProgress::PushTimedOut => {
            out.step("push_timed_out", "nobody answered the push in time", json!({}));
        }
        LoginProgress::ChooseDevice { devices } => list_devices(out, devices),
        LoginProgress::SignedIn { mfa, role, pairing, granted, .. } => {
            if let Some(completed) = pairing {
                show_pairing(out, completed);
            } else if let Some(role) = role {
                let text = format!("your trusted device trusted this one: paired as {role:?}");
                out.step("device_is_trusted", text, json!({"role": role}));
            }
            if let Some(granted) = granted {
                show_granted(out, granted);
            }
            signed_in(out, *mfa);
        }
        LoginProgress::Refused { status, description } => out.step(
            "refused",
            format!("not signed in: {description} ({status})"),
            json!({"signedIn": false, "status": status, "description": description}),
        ),
    }
}

fn pingfederate(out: &Output, progress: &PfProgress, first_look: bool) {
    match progress {
        PfProgress::PairThisDevice { username, additional } => out.step(
            "pairing_offered",
            format!("PingFederate offers to pair this device with {username}"),
            json!({"username": username, "additional": additional}),
        ),
        PfProgress::WaitForPush { device, expires_in, match_number } if first_look => {
            if let Some(number) = match_number {
                out.step(
                    "match_number",
                    format!("pick {number} on the approving device"),
                    json!({"matchNumber": number}),
                );
            }
            let to = device.as_ref().map(|d| format!(" ({})", label(d))).unwrap_or_default();
            out.step(
                "waiting_for_push",
                format!("waiting for the paired mobile{to} to approve (push expires in {} s)", expires_in.unwrap_or(0)),
                json!({"pushExpiresIn": expires_in, "matchNumber": match_number, "device": device}),
            );
        }
        PfProgress::WaitForPush { .. } | PfProgress::EnterOtp { .. } => {}
        PfProgress::ChooseDevice { devices } => list_adapter_devices(out, devices),
        PfProgress::PushDenied { .. } => out.step("push_denied", "the paired mobile denied the push", json!({})),
        PfProgress::PushTimedOut { .. } => {
            out.step("push_timed_out", "nobody answered the push in time", json!({}));
        }
        PfProgress::SignedIn { username, mfa_status, claims, pairing } => {
            match pairing {
                PairingAttempt::Paired(p) => {
                    out.step("paired", format!("paired with PingOne MFA: device {}", p.device_id), json!(p));
                }
                PairingAttempt::Skipped => {
                    out.step("pairing_skipped", "not pairing this device (--skip-pairing)", json!({"paired": false}));
                }
                PairingAttempt::Failed { reason } => out.step(
                    "pairing_failed",
                    format!("pairing with PingOne MFA failed: {reason}; the sign-in goes on (pairing_error)"),
                    json!({"paired": false, "reason": reason}),
                ),
                PairingAttempt::NotOffered => {}
            }
            let status = mfa_status.as_deref().unwrap_or("(absent: a web login)");
            out.step(
                "signed_in",
                format!("signed in as {username}; {MFA_STATUS_ATTRIBUTE} = {status}"),
                json!({"signedIn": true, "claims": claims}),
            );
        }
        PfProgress::Refused { code, message } => out.step(
            "refused",
            format!("not signed in: {message} ({code})"),
            json!({"signedIn": false, "code": code, "message": message}),
        ),
    }
}

/// The login given up by this command (`--wait-push` passed, or no passcode for a push nobody
/// answered), after it was withdrawn at the server.
pub fn gave_up(out: &Output, why: &str) {
    out.step("gave_up", format!("not signed in: {why}"), json!({"signedIn": false, "reason": why}));
}

fn signed_in(out: &Output, mfa: Option<MfaOutcome>) {
    let how = match mfa {
        Some(MfaOutcome::TrustedDevice) => " (this device is trusted)",
        Some(MfaOutcome::PushApproved) => " (another device approved)",
        Some(MfaOutcome::OfflineOtp) => " (with a passcode from a trusted device)",
        Some(MfaOutcome::Pairing) => " (this device is being paired)",
        Some(MfaOutcome::SkippedIgnoredDevice) => " (without MFA: this device is ignored for now)",
        Some(MfaOutcome::SkippedApplicationDisabled) => " (without MFA: the application is disabled at PingID)",
        Some(MfaOutcome::Bypassed) => " (MFA bypassed for this user)",
        None => "",
    };
    out.step("signed_in", format!("signed in{how}"), json!({"signedIn": true, "mfa": mfa}));
}

fn show_granted(out: &Output, granted: &GrantedAccess) {
    let text = match granted {
        GrantedAccess::OneTime => "let in for this sign-in only: this device was not added".to_string(),
        GrantedAccess::Ignored { until: Some(until) } => {
            format!("let in; this device is ignored (no MFA) until {until}")
        }
        GrantedAccess::Ignored { until: None } => "let in; this device is ignored (no MFA) from now on".to_string(),
    };
    out.step("done", text, json!({"granted": granted}));
}

fn show_pairing(out: &Output, completed: &PairingCompleted) {
    let human = match (&completed.device_id, &completed.ignored_until) {
        (Some(id), _) => format!("paired: device {id} ({:?}, {:?})", completed.outcome, completed.device_role),
        (None, Some(until)) => format!("not paired: this device is ignored until {until}"),
        (None, None) => "not paired: this device is ignored".to_string(),
    };
    out.step(
        "pairing",
        human,
        json!({"outcome": completed.outcome, "deviceId": completed.device_id, "role": completed.device_role, "ignoredUntil": completed.ignored_until}),
    );
}

/// The customer server's list of the user's devices, numbered from 1.
pub fn list_devices(out: &Output, devices: &[DeviceSummary]) {
    for (i, d) in devices.iter().enumerate() {
        let nickname = if d.device_nickname.is_empty() { String::new() } else { format!(" \"{}\"", d.device_nickname) };
        out.step(
            "device",
            format!("  {}. {}{nickname} ({:?}, {:?}) id {}", i + 1, d.device_name, d.device_type, d.device_role, d.id),
            serde_json::to_value(d).unwrap_or_default(),
        );
    }
}

/// PingFederate's list of the user's devices, numbered from 1.
fn list_adapter_devices(out: &Output, devices: &[AdapterDevice]) {
    for (i, d) in devices.iter().enumerate() {
        out.step("device", format!("  {}. {} id {}", i + 1, label(d), d.id), json!(d));
    }
}

fn label(d: &AdapterDevice) -> String {
    let nickname = d.nickname.as_deref().map(|n| format!(" \"{n}\"")).unwrap_or_default();
    let default = if d.default_device { " (default)" } else { "" };
    let what = d.target.as_deref().or(d.name.as_deref()).unwrap_or_default();
    format!("{} {what}{nickname}{default}", d.device_type.as_str())
}

/// A list number (1-based) or a device id.
pub fn chosen_device(answer: &str, ids: &[String]) -> String {
    match answer.parse::<usize>() {
        Ok(n) if (1..=ids.len()).contains(&n) => ids[n - 1].clone(),
        _ => answer.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_is_chosen_by_its_list_number_or_its_id() {
        let ids = vec!["d-1".to_string(), "d-2".to_string()];
        assert_eq!(chosen_device("2", &ids), "d-2");
        assert_eq!(chosen_device("d-1", &ids), "d-1");
        assert_eq!(chosen_device("3", &ids), "3", "a number past the list is taken as an id");
    }
}
