//! `moderno-device pf-login`: a whole PingFederate flow from a terminal (redirectless, with the
//! PingOne MFA adapter), printing each state as it comes — status and `_links` — and asking
//! where the state asks (device choice, passcode); at the end the token's claims.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use moderno_ambient::{Clock, Entropy};
use moderno_device::pingfederate::{PfAction, PfClient, PfLogin, PfStep, PfTokens, PingOneDevice};
use moderno_device::{http_client, DeviceError};
use moderno_wire::pingfederate::{AdapterDevice, Flow, MFA_STATUS_ATTRIBUTE};
use serde_json::json;
use zeroize::Zeroizing;

use crate::output::Output;
use crate::prompt::{ask, flag_or_ask};

#[derive(Debug, clap::Args)]
pub struct PfLoginArgs {
    /// PingFederate's base URL.
    #[arg(long, env = "PINGFEDERATE_URL", default_value = "http://127.0.0.1:9031")]
    pub pingfederate: String,
    #[arg(long)]
    pub user: String,
    /// Asked on the terminal when absent.
    #[arg(long, env = "MODERNO_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
    /// At MOBILE_PAIRING_REQUIRED, do not pair: continue at once (`device_not_paired`).
    #[arg(long)]
    pub skip_pairing: bool,
    /// The passcode for OTP_REQUIRED (asked when absent, and again after a wrong one).
    #[arg(long)]
    pub otp: Option<String>,
    /// The device for DEVICE_SELECTION_REQUIRED (list number or PingOne device id).
    #[arg(long)]
    pub select_device: Option<String>,
    /// Send this action next, offered or not (poll, continueAuthentication, cancelAuthentication);
    /// repeat for several. A refusal is printed and the flow goes on.
    #[arg(long = "action", value_name = "ACTION_ID")]
    pub actions: Vec<String>,
    /// A web login: `authenticate` without this device's mobile payload.
    #[arg(long)]
    pub web: bool,
    /// How long to wait for the paired mobile to answer a push (polled once a second).
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub wait_push: u64,
}

/// Ok(true) when the flow ends with verified tokens.
pub async fn run(pingone: &PingOneDevice, out: &Output, mut args: PfLoginArgs) -> Result<bool, DeviceError> {
    let password = match args.password.take() {
        Some(p) => Zeroizing::new(p),
        None => Zeroizing::new(ask(out, "password:", "--password").await?),
    };
    let mut queued = args
        .actions
        .iter()
        .map(|id| {
            PfAction::bodiless(id).ok_or_else(|| {
                DeviceError::InvalidInput(format!(
                    "--action {id}: use poll, continueAuthentication or cancelAuthentication"
                ))
            })
        })
        .collect::<Result<VecDeque<_>, _>>()?;
    let client = Arc::new(PfClient::new(http_client()?, &args.pingfederate)?);
    let mut login = PfLogin::start(client, Clock::system(), &Entropy::from_os()).await?;
    show_flow(out, login.flow());
    let mut push_deadline: Option<Instant> = None;
    loop {
        if let Some(action) = queued.pop_front() {
            send(&mut login, out, &action).await?;
            continue;
        }
        let action = match login.step() {
            PfStep::EnterCredentials => {
                PfAction::CheckUsernamePassword { username: args.user.clone(), password: password.clone() }
            }
            PfStep::Authenticate { .. } => PfAction::Authenticate { mobile_payload: payload(pingone, &args) },
            PfStep::Pair { server_payload } => {
                pair(pingone, out, &args, &server_payload).await?;
                PfAction::ContinueAuthentication
            }
            PfStep::ChooseDevice { devices } => {
                list_devices(out, &devices);
                let answer =
                    flag_or_ask(out, &mut args.select_device, "device (number or id):", "--select-device").await?;
                PfAction::SelectDevice {
                    device_id: chosen_device(&answer, &devices),
                    mobile_payload: payload(pingone, &args),
                }
            }
            PfStep::EnterOtp { .. } => {
                let otp =
                    flag_or_ask(out, &mut args.otp, "passcode (SMS, e-mail or authenticator app):", "--otp").await?;
                PfAction::CheckOtp { otp: Zeroizing::new(otp), mobile_payload: payload(pingone, &args) }
            }
            PfStep::WaitForPush { match_number, .. } => {
                if push_deadline.is_none() {
                    if let Some(number) = match_number {
                        out.step(
                            "match_number",
                            format!("pick {number} on the approving device"),
                            json!({"matchNumber": number}),
                        );
                    }
                }
                let deadline =
                    *push_deadline.get_or_insert_with(|| Instant::now() + Duration::from_secs(args.wait_push));
                if Instant::now() >= deadline {
                    out.step("gave_up", "gave up waiting for the push (--wait-push)", json!({}));
                    PfAction::CancelAuthentication
                } else {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    PfAction::Poll
                }
            }
            PfStep::MfaCompleted { .. } => PfAction::ContinueAuthentication,
            PfStep::PushRejected { .. } | PfStep::PushTimedOut { .. } | PfStep::MfaFailed { .. } => {
                PfAction::CancelAuthentication
            }
            PfStep::Completed => return finish(&login, out).await,
            PfStep::Failed { code, message } => {
                let human = format!(
                    "not signed in: {} ({})",
                    message.as_deref().unwrap_or("the flow failed"),
                    code.as_deref().unwrap_or("FAILED")
                );
                out.step("refused", human, json!({"signedIn": false, "code": code, "message": message}));
                return Ok(false);
            }
        };
        send(&mut login, out, &action).await?;
    }
}

fn payload(pingone: &PingOneDevice, args: &PfLoginArgs) -> Option<String> {
    (!args.web).then(|| pingone.payload())
}

/// Sends one action and prints the new state; PingFederate's refusals (wrong passcode, action not
/// offered) are printed and leave the flow where it was, anything else ends the run.
async fn send(login: &mut PfLogin, out: &Output, action: &PfAction) -> Result<(), DeviceError> {
    out.step("action", format!("-> {}", action.id()), json!({"action": action.id()}));
    match login.act(action).await {
        Ok(_) => show_flow(out, login.flow()),
        Err(e @ DeviceError::PingFederate(_)) => out.error(&e),
        Err(e) => return Err(e),
    }
    Ok(())
}

fn show_flow(out: &Output, flow: &Flow) {
    let links: Vec<&str> = flow.links.keys().map(String::as_str).filter(|l| *l != "self").collect();
    let status =
        serde_json::to_value(flow.status).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
    let human = format!("flow {}: {status} [{}]", flow.id, links.join(", "));
    let mut fields = serde_json::to_value(flow).unwrap_or_default();
    if let Some(map) = fields.as_object_mut() {
        // The code is exchanged by this client only: not for the screen.
        map.remove("authorizeResponse");
    }
    out.step("flow", human, fields);
}

async fn pair(
    pingone: &PingOneDevice,
    out: &Output,
    args: &PfLoginArgs,
    server_payload: &str,
) -> Result<(), DeviceError> {
    if args.skip_pairing {
        out.step("pairing_skipped", "not pairing this device (--skip-pairing)", json!({"paired": false}));
        return Ok(());
    }
    match pingone.pair(server_payload).await {
        Ok(p) => out.step("paired", format!("paired with PingOne MFA: device {}", p.device_id), json!(p)),
        // The adapter reports a failed pairing in the token (pairing_error); the flow goes on.
        Err(e @ (DeviceError::PingOne(_) | DeviceError::InvalidServerPayload(_))) => out.error(&e),
        Err(e) => return Err(e),
    }
    Ok(())
}

async fn finish(login: &PfLogin, out: &Output) -> Result<bool, DeviceError> {
    let tokens: PfTokens = login.finish().await?;
    let status = tokens.mfa_status().unwrap_or("(absent: a web login)");
    out.step(
        "signed_in",
        format!("signed in as {}; {MFA_STATUS_ATTRIBUTE} = {status}", tokens.subject().unwrap_or("?")),
        json!({"signedIn": true, "claims": tokens.claims, "idClaims": tokens.id_claims}),
    );
    Ok(true)
}

fn list_devices(out: &Output, devices: &[AdapterDevice]) {
    for (i, d) in devices.iter().enumerate() {
        let nickname = d.nickname.as_deref().map(|n| format!(" \"{n}\"")).unwrap_or_default();
        let default = if d.default_device { " (default)" } else { "" };
        let what = d.target.as_deref().or(d.name.as_deref()).unwrap_or_default();
        out.step(
            "device",
            format!("  {}. {} {what}{nickname}{default} id {}", i + 1, d.device_type.as_str(), d.id),
            json!(d),
        );
    }
}

/// A list number (1-based) or a device id.
fn chosen_device(answer: &str, devices: &[AdapterDevice]) -> String {
    match answer.parse::<usize>() {
        Ok(n) if (1..=devices.len()).contains(&n) => devices[n - 1].id.clone(),
        _ => answer.to_string(),
    }
}
