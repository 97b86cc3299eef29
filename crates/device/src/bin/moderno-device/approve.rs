//! `moderno-device approve` (PingID SDK) and `pf-approve` (PingOne MFA): long-polls the pushes
//! addressed to this device at its backend and answers them, and tells when a device is added to
//! or removed from the user (PingOne MFA sends no such notices). One flow through the device
//! crate's [`Backend`], whichever it is.
//!
//! Besides Ping's answers, "report fraud" denies a PingOne push with the SDK's
//! `DenyReason.REPORT_FRAUD` (`pingidentity/pingone-mobile-sdk-android`,
//! `NotificationObject.deny(context, denyReason, cb)`); the PingID SDK refuses it.

use std::time::Duration;

use moderno_device::{notice_text, Backend, DeviceError, PushReply, PushResult};
use moderno_wire::device_api::{IgnoreInterval, PushAction, PushAnswer, PushRequest};
use moderno_wire::payload::TrustLevel;
use serde_json::json;

use crate::choice::parse_interval;
use crate::long_poll::{deadline, next_batch};
use crate::output::Output;
use crate::prompt::ask;

#[derive(Debug, clap::Args)]
pub struct ApproveArgs {
    /// Answer every push this way: trust (approve and trust the new device), primary (approve
    /// and make the new device the primary: only while the user has none), once (approve this
    /// sign-in only; `approve` means the same), ignore (approve, and no MFA for that device for
    /// --ignore-for), deny, block (PingID SDK) or "report fraud" (PingOne MFA). Asked per push
    /// when absent.
    #[arg(long, value_parser = parse_decision)]
    pub action: Option<Decision>,
    /// With `ignore`: how long (10m, 2h, 3d, 1w, 1mo, 1y or always).
    #[arg(long, value_parser = parse_interval)]
    pub ignore_for: Option<IgnoreInterval>,
    /// Under number matching, the number the signing-in device shows; asked per push when absent.
    #[arg(long)]
    pub number: Option<u8>,
    /// Stop after answering one push.
    #[arg(long)]
    pub once: bool,
    /// Stop after this many seconds (default: run until interrupted).
    #[arg(long = "for", value_name = "SECONDS")]
    pub for_seconds: Option<u64>,
}

/// What the approving device decides (Ping's `PIDUserSelectionObject`: an action, and for a new
/// device a trust level).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Trust,
    /// Trust the new device as the user's primary (offered only while the user has none).
    Primary,
    Once,
    Ignore,
    Deny,
    Block,
    /// Deny and report the push as fraud (PingOne MFA's `DenyReason.REPORT_FRAUD`).
    ReportFraud,
}

impl Decision {
    pub const fn action(self) -> PushAction {
        match self {
            Self::Trust | Self::Primary | Self::Once | Self::Ignore => PushAction::Approve,
            Self::Deny | Self::ReportFraud => PushAction::Deny,
            Self::Block => PushAction::Block,
        }
    }
}

fn parse_decision(text: &str) -> Result<Decision, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "trust" | "t" => Ok(Decision::Trust),
        "primary" | "p" => Ok(Decision::Primary),
        "once" | "approve" | "a" | "y" | "yes" => Ok(Decision::Once),
        "ignore" | "i" => Ok(Decision::Ignore),
        "deny" | "d" | "n" | "no" => Ok(Decision::Deny),
        "block" | "b" => Ok(Decision::Block),
        "report fraud" | "fraud" | "f" => Ok(Decision::ReportFraud),
        other => {
            Err(format!("{other:?} is not an answer: use trust, primary, once, ignore, deny, block or report fraud"))
        }
    }
}

/// The decision's trust level for a new device, checked against what the push offers.
fn grant(
    decision: Decision,
    push: &PushRequest,
    interval: Option<IgnoreInterval>,
) -> Result<Option<(TrustLevel, Option<IgnoreInterval>)>, DeviceError> {
    let level = match decision {
        Decision::Trust => TrustLevel::Trusted,
        Decision::Primary => TrustLevel::Primary,
        Decision::Ignore => TrustLevel::Ignore,
        Decision::Once | Decision::Deny | Decision::Block | Decision::ReportFraud => return Ok(None),
    };
    if level == TrustLevel::Primary && !push.trust_levels.contains(&level) {
        // Unlike trust, never fall back to a one-time approval: the user asked for a primary.
        let why = if push.trust_levels.is_empty() {
            "this push brings no new device (a web sign-in or a transfer)"
        } else {
            "the user has a primary device already: use trust, once, ignore, deny or block"
        };
        return Err(DeviceError::InvalidInput(format!("primary is not offered for this push: {why}")));
    }
    if push.trust_levels.is_empty() {
        // A web sign-in or a transfer: no new device to trust or ignore, so it is approved once.
        return Ok(None);
    }
    if !push.trust_levels.contains(&level) {
        return Err(DeviceError::InvalidInput(format!("{level:?} is not offered for this device")));
    }
    if level == TrustLevel::Ignore && interval.is_none() {
        return Err(DeviceError::InvalidInput("ignore needs --ignore-for (10m, 2h, 3d, 1w, 1mo, 1y or always)".into()));
    }
    Ok(Some((level, interval.filter(|_| level == TrustLevel::Ignore))))
}

/// Ok(true) when it stopped as asked (time up, or one push answered with `--once`).
/// `profile` names this device in the refusal when it is not paired at `backend`.
pub async fn run(backend: Backend<'_>, profile: &str, out: &Output, args: &ApproveArgs) -> Result<bool, DeviceError> {
    let deadline = deadline(args.for_seconds);
    let username = backend.paired_username().ok_or_else(|| DeviceError::NotPaired { profile: profile.into() })?;
    out.step(
        "listening",
        format!("waiting for push requests for {username} (Ctrl-C to stop)"),
        json!({"user": username}),
    );
    let mut notices_available = true;
    loop {
        if notices_available {
            notices_available = show_notices(backend, out, &username).await;
        }
        let Some(pushes) = next_batch(deadline, out, |wait| backend.pending_pushes(wait)).await? else {
            return Ok(true);
        };
        for push in pushes {
            show_push(out, &push);
            let decision = match args.action {
                Some(decision) => decision,
                None => {
                    let question = if push.trust_levels.is_empty() {
                        "once (approve), deny, block (PingID SDK) or report fraud (PingOne MFA)?"
                    } else if push.trust_levels.contains(&TrustLevel::Primary) {
                        "trust this new device, make it primary, once, ignore, deny or block?"
                    } else {
                        "trust this new device, once, ignore, deny or block?"
                    };
                    parse_decision(&ask(out, question, "--action").await?).map_err(DeviceError::InvalidInput)?
                }
            };
            // Checked before asking for a number: a choice the push does not offer stops here.
            let granted = grant(decision, &push, args.ignore_for)?;
            let mut answer = answer_for(out, &push, decision.action(), args.number).await?;
            if let Some((level, interval)) = granted {
                answer.trust_level = Some(level);
                answer.ignore_interval = interval;
            }
            let reply =
                if decision == Decision::ReportFraud { PushReply::ReportFraud } else { PushReply::Answer(answer) };
            let result = backend.reply_to_push(&push.authentication_id, reply).await?;
            answered(out, &push, answer, result);
            if args.once {
                return Ok(true);
            }
        }
    }
}

/// Prints the device notices waiting (without waiting for more). False when the server cannot
/// give them (said once; pushes go on).
async fn show_notices(backend: Backend<'_>, out: &Output, username: &str) -> bool {
    match backend.notices(Duration::ZERO).await {
        Ok(notices) => {
            for notice in notices {
                out.step("notice", notice_text(username, &notice), serde_json::to_value(&notice).unwrap_or_default());
            }
            true
        }
        Err(e @ DeviceError::ServerUnreachable { .. }) => {
            out.error(&e);
            true
        }
        Err(e) => {
            out.error(&e);
            out.step("notices_unavailable", "device notices are unavailable; still answering pushes", json!({}));
            false
        }
    }
}

/// Says how the answer came out: a refused approval means the number picked was not the one shown.
pub fn answered(out: &Output, push: &PushRequest, answer: PushAnswer, result: PushResult) {
    let text = match (answer.action, result) {
        (PushAction::Approve, PushResult::Refused) => {
            "refused: that was not the number the signing-in device shows".to_string()
        }
        (action, _) => format!("answered {action:?}"),
    };
    let approved = result == PushResult::Approved;
    out.step(
        "answered",
        text,
        json!({"authenticationId": push.authentication_id, "action": answer.action, "approved": approved}),
    );
}

/// The answer to send: an approval under number matching carries the number the user picks
/// among the push's choices (`--number`, or asked).
pub async fn answer_for(
    out: &Output,
    push: &PushRequest,
    action: PushAction,
    number: Option<u8>,
) -> Result<PushAnswer, DeviceError> {
    match action {
        PushAction::Approve => {}
        PushAction::Deny => return Ok(PushAnswer::deny()),
        PushAction::Block => return Ok(PushAnswer::block()),
    }
    if push.number_choices.is_empty() {
        return Ok(PushAnswer::approve(None));
    }
    let picked = match number {
        Some(n) => n,
        None => {
            let question = format!("which number does the signing-in device show? ({})", choices(push));
            let text = ask(out, &question, "--number").await?;
            text.parse().map_err(|_| DeviceError::InvalidInput(format!("{text:?} is not a number")))?
        }
    };
    Ok(PushAnswer::approve(Some(picked)))
}

/// The push's numbers, as offered: "37, 12, 85".
fn choices(push: &PushRequest) -> String {
    push.number_choices.iter().map(u8::to_string).collect::<Vec<_>>().join(", ")
}

fn show_push(out: &Output, push: &PushRequest) {
    let mut lines = vec![format!("push for {}: {} - {}", push.username, push.title, push.body)];
    if let Some(d) = &push.requesting_device {
        lines.push(format!("  new device: {} ({:?}, {})", d.device_name, d.device_type, d.os_version));
    }
    if push.trust_levels.contains(&TrustLevel::Primary) {
        lines.push(
            "  trust it, make it the primary (the user has none), let it in once, ignore it for a while, deny or block"
                .into(),
        );
    } else if !push.trust_levels.is_empty() {
        lines.push("  trust it, let it in once, ignore it for a while, deny or block".into());
    }
    if let Some(ip) = &push.ip_address {
        lines.push(format!("  from {ip}"));
    }
    if let Some(context) = &push.client_context {
        lines.push(format!("  context: {context}"));
    }
    if !push.number_choices.is_empty() {
        lines.push(format!("  pick the number the signing-in device shows: {}", choices(push)));
    }
    lines.push(format!("  expires {}", push.expires_at));
    out.step("push", lines.join("\n"), serde_json::to_value(push).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_read_by_name_or_initial_and_approve_means_this_sign_in_only() {
        assert_eq!(parse_decision("trust"), Ok(Decision::Trust));
        assert_eq!(parse_decision("primary"), Ok(Decision::Primary));
        assert_eq!(parse_decision(" P "), Ok(Decision::Primary));
        assert_eq!(parse_decision("approve"), Ok(Decision::Once));
        assert_eq!(parse_decision("Once"), Ok(Decision::Once));
        assert_eq!(parse_decision("i"), Ok(Decision::Ignore));
        assert_eq!(parse_decision("D"), Ok(Decision::Deny));
        assert_eq!(parse_decision("block"), Ok(Decision::Block));
        assert_eq!(parse_decision(" Report Fraud "), Ok(Decision::ReportFraud));
        assert_eq!(parse_decision("f"), Ok(Decision::ReportFraud));
        assert_eq!(Decision::ReportFraud.action(), PushAction::Deny, "a fraud report denies");
        assert!(parse_decision("maybe").is_err());
        assert_eq!(Decision::Ignore.action(), PushAction::Approve);
        assert_eq!(Decision::Primary.action(), PushAction::Approve);
    }

    /// `approve`'s flags, parsed as clap parses the command line.
    #[derive(Debug, clap::Parser)]
    struct ApproveCommand {
        #[command(flatten)]
        args: ApproveArgs,
    }

    #[test]
    fn the_command_line_takes_action_primary_and_names_it_among_the_answers() {
        use clap::Parser as _;
        let parsed = ApproveCommand::try_parse_from(["approve", "--action", "primary", "--once"]).expect("parsed");
        assert_eq!((parsed.args.action, parsed.args.once), (Some(Decision::Primary), true));
        let wrong = ApproveCommand::try_parse_from(["approve", "--action", "boss"]).expect_err("not an answer");
        assert!(wrong.to_string().contains("trust, primary, once, ignore, deny, block or report fraud"), "{wrong}");
    }

    fn push_offering(trust_levels: Vec<TrustLevel>) -> PushRequest {
        PushRequest {
            authentication_id: "a1".into(),
            username: "alice".into(),
            title: "Sign in".into(),
            body: "alice is signing in".into(),
            client_context: None,
            ip_address: None,
            requesting_device: None,
            trust_levels,
            number_choices: vec![],
            expires_at: "2030-01-01T00:00:00Z".into(),
        }
    }

    #[test]
    fn primary_is_granted_only_when_the_push_offers_it_and_never_falls_back_to_once() {
        let no_primary_yet = push_offering(vec![TrustLevel::Primary, TrustLevel::Trusted, TrustLevel::Ignore]);
        assert_eq!(grant(Decision::Primary, &no_primary_yet, None).ok(), Some(Some((TrustLevel::Primary, None))));

        let has_primary = push_offering(vec![TrustLevel::Trusted, TrustLevel::Ignore]);
        let refused = grant(Decision::Primary, &has_primary, None).expect_err("PRIMARY is not offered");
        assert!(refused.to_string().contains("primary is not offered"), "the refusal says why: {refused}");
        assert_eq!(
            grant(Decision::Trust, &has_primary, None).ok(),
            Some(Some((TrustLevel::Trusted, None))),
            "trust still works"
        );

        let web_sign_in = push_offering(vec![]);
        let refused = grant(Decision::Primary, &web_sign_in, None).expect_err("no new device to make primary");
        assert!(refused.to_string().contains("no new device"), "{refused}");
        assert_eq!(grant(Decision::Trust, &web_sign_in, None).ok(), Some(None), "trust approves such a push once");
    }
}
