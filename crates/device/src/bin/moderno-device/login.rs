//! `moderno-device login`: auth_user, then whatever each answer asks for, until signed in or refused.

use std::time::{Duration, Instant};

use moderno_device::{next_step, Device, DeviceError, FlowState, LoginStep, ModernoClient, UserSelection};
use moderno_wire::device_api::{IgnoreInterval, PairingCompleted};
use moderno_wire::moderno::{DeviceSummary, MfaOutcome, ModernoResponse, Status};
use moderno_wire::payload::{GrantedAccess, PayloadSelection, TrustLevel};
use serde_json::json;

use crate::choice::{describe, parse_interval, parse_level, selection};
use crate::output::Output;
use crate::prompt::{ask, flag_or_ask};

#[derive(Debug, clap::Args)]
pub struct LoginArgs {
    #[arg(long)]
    pub user: String,
    /// Asked on the terminal when absent.
    #[arg(long, env = "MODERNO_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
    /// A manual pairing key for the user's first device (XXXX-XXXX-XXXX).
    #[arg(long)]
    pub pairing_key: Option<String>,
    /// The trust level to choose when the server offers pairing; asked when absent.
    #[arg(long, value_parser = parse_level)]
    pub trust: Option<TrustLevel>,
    /// With `--trust ignore`: 10m, 2h, 3d, 1w, 1mo, 1y or always.
    #[arg(long, value_parser = parse_interval)]
    pub ignore_for: Option<IgnoreInterval>,
    /// A nickname for this device when it pairs.
    #[arg(long)]
    pub nickname: Option<String>,
    /// The passcode shown on a trusted device, when the server asks for one.
    #[arg(long)]
    pub otp: Option<String>,
    /// The device that should approve, when the server asks to choose (id or list number).
    #[arg(long)]
    pub select_device: Option<String>,
    /// How long to wait for another device to approve a push.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub wait_push: u64,
}

/// Ok(true) when the login ends signed in.
pub async fn run(
    device: &Device,
    client: &ModernoClient,
    out: &Output,
    mut args: LoginArgs,
) -> Result<bool, DeviceError> {
    let password = match args.password.take() {
        Some(p) => zeroize::Zeroizing::new(p),
        None => zeroize::Zeroizing::new(ask(out, "password:", "--password").await?),
    };
    let waiting = "(if your other device gets a push, answer it there: the server waits for it)";
    out.step("auth_user", format!("signing in as {} ... {waiting}", args.user), json!({"user": args.user}));
    let mut pairing_key = args.pairing_key.take();
    let mut response = client.auth_user(&args.user, &password, &device.payload(), pairing_key.as_deref()).await?;
    let mut trusted_payload: Option<String> = None;
    loop {
        show_answer(out, &response);
        response = match next_step(&response) {
            LoginStep::SignedIn { mfa } => return Ok(signed_in(out, mfa)),
            LoginStep::Pair { server_payload, mfa } => return pair(device, out, &args, &server_payload, mfa).await,
            LoginStep::Refused { status, description } => return Ok(refused(out, status, &description)),
            LoginStep::WaitForPush { session_id, expires_in, match_number } => {
                let mut waiting =
                    format!("waiting for another device to approve (push expires in {} s)", expires_in.unwrap_or(0));
                if let Some(number) = match_number {
                    waiting.push_str(&format!("; pick {number} there"));
                }
                out.step(
                    "waiting_for_push",
                    waiting,
                    json!({"pushExpiresIn": expires_in, "matchNumber": match_number}),
                );
                match wait_for_push(client, &session_id, Duration::from_secs(args.wait_push)).await? {
                    Some(answer) => answer,
                    None => {
                        client.cancel(&session_id).await?;
                        return Ok(refused(out, Status::TimedOut, "gave up waiting for the push (--wait-push)"));
                    }
                }
            }
            LoginStep::EnterOtp { session_id, attempts_left, retry, server_payload } => {
                // Ping's OneTimePasscode state: the passcode's answer may pair this device, when
                // the payload sent with it chooses TRUSTED (as Ping's Moderno apps do).
                let offer = match server_payload {
                    Some(payload) => match device.set_server_payload(&payload).await? {
                        FlowState::OneTimePasscode { levels, .. } => levels,
                        _ => Vec::new(),
                    },
                    None => Vec::new(),
                };
                if offer.contains(&TrustLevel::Trusted) {
                    trusted_payload = Some(device.payload_with_selection(PayloadSelection {
                        trust_level: TrustLevel::Trusted,
                        ignore_interval: None,
                    }));
                }
                let question = match (retry, attempts_left) {
                    (true, Some(left)) => format!("wrong passcode, {left} tries left; passcode from a trusted device:"),
                    _ => "passcode shown on a trusted device (moderno-device otp):".to_string(),
                };
                let otp = flag_or_ask(out, &mut args.otp, &question, "--otp").await?;
                client.auth_offline_user(&session_id, &otp, trusted_payload.as_deref()).await?
            }
            LoginStep::PushTimedOut { session_id, .. } => match args.otp.take() {
                Some(otp) => client.auth_offline_user(&session_id, &otp, trusted_payload.as_deref()).await?,
                None => {
                    return Ok(refused(
                        out,
                        Status::TimedOut,
                        "the push timed out; pass --otp with a passcode from a trusted device",
                    ))
                }
            },
            LoginStep::ChooseDevice { session_id, devices } => {
                list_devices(out, &devices);
                let answer =
                    flag_or_ask(out, &mut args.select_device, "device (number or id):", "--select-device").await?;
                client.select_device(&session_id, &chosen_device(&answer, &devices)).await?
            }
            LoginStep::PairingKeyNeeded { invalid } => {
                let question = if invalid {
                    "that pairing key was refused; pairing key:"
                } else {
                    "pairing key (XXXX-XXXX-XXXX):"
                };
                let key = flag_or_ask(out, &mut pairing_key, question, "--pairing-key").await?;
                // A payload is accepted once: every attempt sends a fresh one.
                client.auth_user(&args.user, &password, &device.payload(), Some(&key)).await?
            }
        };
    }
}

fn show_answer(out: &Output, response: &ModernoResponse) {
    let code = response.status.code();
    out.step(
        "server_answer",
        format!("server: {code} {}", response.description),
        json!({"status": code, "description": response.description, "mfa": response.mfa}),
    );
}

fn signed_in(out: &Output, mfa: Option<MfaOutcome>) -> bool {
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
    true
}

fn refused(out: &Output, status: Status, description: &str) -> bool {
    let code = status.code();
    out.step(
        "refused",
        format!("not signed in: {description} ({code})"),
        json!({"signedIn": false, "status": code, "description": description}),
    );
    false
}

/// Polls every second; `None` when `wait` passed with the push still pending.
async fn wait_for_push(
    client: &ModernoClient,
    session_id: &str,
    wait: Duration,
) -> Result<Option<ModernoResponse>, DeviceError> {
    let deadline = Instant::now() + wait;
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let answer = client.auth_status(session_id).await?;
        if answer.status != Status::InProgress {
            return Ok(Some(answer));
        }
    }
    Ok(None)
}

async fn pair(
    device: &Device,
    out: &Output,
    args: &LoginArgs,
    payload: &str,
    mfa: Option<MfaOutcome>,
) -> Result<bool, DeviceError> {
    match device.set_server_payload(payload).await? {
        FlowState::TrustLevels { levels, username, .. } => {
            let names: Vec<String> = levels.iter().map(|l| format!("{l:?}").to_lowercase()).collect();
            out.step(
                "trust_levels",
                format!("pair this device with {username}? offered: {}", names.join(", ")),
                json!({"levels": levels}),
            );
            let choice = choose(out, args, &levels).await?;
            let completed = device.set_user_selection(choice, args.nickname.clone()).await?;
            show_pairing(out, &completed);
            Ok(signed_in(out, mfa))
        }
        FlowState::DeviceIsTrusted { device_id, role } => {
            let text = format!("your trusted device trusted this one: paired as {role:?}");
            out.step("device_is_trusted", text, json!({"deviceId": device_id, "role": role}));
            Ok(signed_in(out, mfa))
        }
        FlowState::OneTimePasscode { .. } => {
            Ok(refused(out, Status::OtpRequired, "the server payload asks for a passcode"))
        }
        FlowState::Done { granted } => {
            let text = match &granted {
                Some(GrantedAccess::OneTime) => "let in for this sign-in only: this device was not added".to_string(),
                Some(GrantedAccess::Ignored { until: Some(until) }) => {
                    format!("let in; this device is ignored (no MFA) until {until}")
                }
                Some(GrantedAccess::Ignored { until: None }) => {
                    "let in; this device is ignored (no MFA) from now on".to_string()
                }
                None => "nothing more to do".to_string(),
            };
            out.step("done", text, json!({"granted": granted}));
            Ok(signed_in(out, mfa))
        }
    }
}

async fn choose(out: &Output, args: &LoginArgs, offered: &[TrustLevel]) -> Result<UserSelection, DeviceError> {
    if let Some(level) = args.trust {
        return selection(level, args.ignore_for);
    }
    for (i, level) in offered.iter().enumerate() {
        eprintln!("  {}. {}", i + 1, describe(*level));
    }
    let answer = ask(out, "trust level (number or name):", "--trust").await?;
    let level = match answer.parse::<usize>() {
        Ok(n) if (1..=offered.len()).contains(&n) => offered[n - 1],
        _ => parse_level(&answer).map_err(DeviceError::InvalidInput)?,
    };
    let interval = match (level, args.ignore_for) {
        (TrustLevel::Ignore, None) => {
            let text = ask(out, "ignore for (10m, 2h, 3d, 1w, 1mo, 1y, always):", "--ignore-for").await?;
            Some(parse_interval(&text).map_err(DeviceError::InvalidInput)?)
        }
        (_, interval) => interval,
    };
    selection(level, interval)
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

/// A list number (1-based) or a device id.
pub fn chosen_device(answer: &str, devices: &[DeviceSummary]) -> String {
    match answer.parse::<usize>() {
        Ok(n) if (1..=devices.len()).contains(&n) => devices[n - 1].id.clone(),
        _ => answer.to_string(),
    }
}
