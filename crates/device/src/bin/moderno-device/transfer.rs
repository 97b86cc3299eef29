//! `moderno-device transfer --amount 250 --to bob`: sends money that the user's trusted (primary)
//! device approves, typing its passcode when it is offline. Signs in first with this profile's
//! paired device unless `--session-token` is given.

use std::time::{Duration, Instant};

use moderno_crypto::Secret;
use moderno_device::transfer::{
    enter_passcode, parse_amount, send_transfer, wait_for_approval, TransferOrder, TransferOutcome,
};
use moderno_device::{Device, DeviceError, ModernoClient};
use moderno_wire::moderno::{DeviceSummary, MfaOutcome, Status};
use serde_json::json;
use zeroize::Zeroizing;

use crate::output::Output;
use crate::prompt::{ask, flag_or_ask};
use crate::screen::{chosen_device, list_devices};

#[derive(Debug, clap::Args)]
pub struct TransferArgs {
    /// The amount in euros: 250, 250.50 or 1,250.50.
    #[arg(long, value_parser = amount_cents)]
    pub amount: u64,
    /// Who receives the money.
    #[arg(long)]
    pub to: String,
    /// The session token of a login; without it this profile's paired device signs in first.
    #[arg(long, env = "MODERNO_SESSION_TOKEN", hide_env_values = true, value_parser = crate::secret_arg)]
    pub session_token: Option<Secret<String>>,
    /// The user to sign in as (default: the user this profile is paired with).
    #[arg(long)]
    pub user: Option<String>,
    /// Asked on the terminal when needed and absent.
    #[arg(long, env = "MODERNO_PASSWORD", hide_env_values = true, value_parser = crate::secret_arg)]
    pub password: Option<Secret<String>>,
    /// The passcode shown on the approving device, when the server asks for one.
    #[arg(long)]
    pub otp: Option<String>,
    /// The device that should approve, when the server asks to choose (id or list number).
    #[arg(long)]
    pub device: Option<String>,
    /// How long to wait for the approving device under number matching.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub wait_push: u64,
}

fn amount_cents(text: &str) -> Result<u64, String> {
    parse_amount(text).map_err(|e| e.to_string())
}

/// Ok(true) when the transfer is approved.
pub async fn run(
    device: &Device,
    client: &ModernoClient,
    out: &Output,
    mut args: TransferArgs,
) -> Result<bool, DeviceError> {
    let order = TransferOrder::new(args.amount, &args.to)?;
    let token = match args.session_token.take() {
        Some(token) => Zeroizing::new(token.expose().clone()),
        None => match sign_in(device, client, out, &mut args).await? {
            Some(token) => token,
            None => return Ok(false),
        },
    };
    let (amount, recipient) = (order.display_amount(), order.recipient().to_string());
    out.step(
        "transfer",
        format!("sending {amount} to {recipient} ..."),
        json!({"amountCents": order.amount_cents(), "recipient": recipient}),
    );
    let mut outcome = send_transfer(client, &token, &order, None).await?;
    let deadline = Instant::now() + Duration::from_secs(args.wait_push);
    loop {
        outcome = match outcome {
            TransferOutcome::Approved { sum, mfa, approver } => {
                return Ok(approved(out, &order, &sum, mfa, approver.as_ref()))
            }
            TransferOutcome::Denied { description } => return Ok(refused(out, Status::Denied, &description)),
            TransferOutcome::Refused { status, description } => return Ok(refused(out, status, &description)),
            TransferOutcome::NeedsPasscode { pending, attempts_left, wrong } => {
                let question = match (wrong, attempts_left) {
                    (true, Some(left)) => {
                        format!("wrong passcode, {left} tries left; passcode from the approving device:")
                    }
                    _ => "the approving device is offline; its passcode (moderno-device otp):".to_string(),
                };
                out.step(
                    "passcode_needed",
                    "the approving device must give its passcode",
                    json!({"attemptsLeft": attempts_left, "wrong": wrong}),
                );
                let otp = flag_or_ask(out, &mut args.otp, &question, "--otp").await?;
                enter_passcode(client, &token, &pending, &otp).await?
            }
            TransferOutcome::TimedOut { pending } => match args.otp.take() {
                Some(otp) => enter_passcode(client, &token, &pending, &otp).await?,
                None => {
                    let text = "the approving device did not answer in time; pass --otp with its passcode";
                    return Ok(refused(out, Status::TimedOut, text));
                }
            },
            TransferOutcome::WaitingForApproval { pending, match_number, expires_in } => {
                let mut waiting =
                    format!("waiting for the approving device (push expires in {} s)", expires_in.unwrap_or(0));
                if let Some(number) = match_number {
                    waiting.push_str(&format!("; pick {number} there"));
                }
                out.step(
                    "waiting_for_push",
                    waiting,
                    json!({"pushExpiresIn": expires_in, "matchNumber": match_number}),
                );
                if Instant::now() >= deadline {
                    return Ok(refused(
                        out,
                        Status::TimedOut,
                        "gave up waiting for the approving device (--wait-push)",
                    ));
                }
                wait_for_approval(client, &token, &pending).await?
            }
            TransferOutcome::ChooseDevice { devices } => {
                list_devices(out, &devices);
                let answer = flag_or_ask(out, &mut args.device, "approving device (number or id):", "--device").await?;
                send_transfer(
                    client,
                    &token,
                    &order,
                    Some(&chosen_device(&answer, &devices.iter().map(|d| d.id.clone()).collect::<Vec<_>>())),
                )
                .await?
            }
        };
    }
}

/// The session token of a login by this profile's paired device (its payload is the second
/// factor), or `None` after saying why there is none.
async fn sign_in(
    device: &Device,
    client: &ModernoClient,
    out: &Output,
    args: &mut TransferArgs,
) -> Result<Option<Zeroizing<String>>, DeviceError> {
    let Some(user) = args.user.clone().or_else(|| device.paired_username()) else {
        return Err(DeviceError::NotPaired { profile: device.profile().to_string() });
    };
    if device.paired_username().as_deref() != Some(user.as_str()) {
        let text = format!("this profile is not {user}'s paired device: sign in with `moderno-device login`, then pass --session-token");
        return Err(DeviceError::InvalidInput(text));
    }
    let password = match args.password.take() {
        Some(p) => Zeroizing::new(p.expose().clone()),
        None => Zeroizing::new(ask(out, "password:", "--password").await?),
    };
    out.step("auth_user", format!("signing in as {user} ..."), json!({"user": user}));
    let answer = client.auth_user(&user, &password, &device.payload(), None).await?;
    let code = answer.status.code();
    out.step(
        "server_answer",
        format!("server: {code} {}", answer.description),
        json!({"status": code, "description": answer.description, "mfa": answer.mfa}),
    );
    let signed_in = matches!(answer.status, Status::Ok | Status::IgnoredDevice | Status::BypassedDevice);
    match answer.session_token {
        Some(token) if signed_in => Ok(Some(Zeroizing::new(token))),
        _ => {
            refused(out, answer.status, "not signed in here, so no transfer was sent");
            Ok(None)
        }
    }
}

fn approved(
    out: &Output,
    order: &TransferOrder,
    sum: &str,
    mfa: Option<MfaOutcome>,
    approver: Option<&DeviceSummary>,
) -> bool {
    let how = match mfa {
        Some(MfaOutcome::OfflineOtp) => " with the approving device's passcode".to_string(),
        Some(MfaOutcome::SkippedApplicationDisabled) => {
            " without approval: MFA is disabled for the application at PingID".into()
        }
        _ => approver.map(|d| format!(" on {} ({:?})", d.device_name, d.device_role)).unwrap_or_default(),
    };
    out.step(
        "transfer_approved",
        format!("transfer approved{how}: €{sum} to {}", order.recipient()),
        json!({"approved": true, "sum": sum, "recipient": order.recipient(), "mfa": mfa, "approver": approver}),
    );
    true
}

fn refused(out: &Output, status: Status, description: &str) -> bool {
    let code = status.code();
    out.step(
        "transfer_refused",
        format!("no transfer: {description} ({code})"),
        json!({"approved": false, "status": code, "description": description}),
    );
    false
}
