//! `moderno-device pf-approve`: long-polls the PingOne MFA pushes for this profile's paired
//! device and answers them (the other terminal of the additional-device demo). Asked, it also
//! takes "report fraud": a deny with the SDK's `DenyReason.REPORT_FRAUD`
//! (`pingidentity/pingone-mobile-sdk-android`, `NotificationObject.deny(context, denyReason, cb)`).

use moderno_device::pingfederate::PingOneDevice;
use moderno_device::DeviceError;
use moderno_wire::device_api::{PushAction, PushAnswer};
use moderno_wire::pingone::{DenyReason, PushDecision};
use serde_json::json;

use crate::approve::{answer_for, answered, ApproveArgs};
use crate::long_poll::{deadline, next_batch};
use crate::output::Output;
use crate::prompt::ask;

/// Ok(true) when it stopped as asked (time up, or one push answered with `--once`).
pub async fn run(pingone: &PingOneDevice, out: &Output, args: &ApproveArgs) -> Result<bool, DeviceError> {
    let deadline = deadline(args.for_seconds);
    let user = pingone.paired_username().ok_or_else(|| {
        DeviceError::InvalidInput("this profile has no PingOne pairing: pair it first with pf-login".into())
    })?;
    out.step("listening", format!("waiting for PingOne pushes for {user} (Ctrl-C to stop)"), json!({"user": user}));
    loop {
        let Some(pushes) = next_batch(deadline, out, |wait| pingone.pending_pushes(wait)).await? else {
            return Ok(true);
        };
        for push in pushes {
            let from = push.requesting_device.as_ref().map(|d| format!(" from {}", d.device_name)).unwrap_or_default();
            out.step(
                "push",
                format!("push for {}{from}: {} (expires {})", push.username, push.body, push.expires_at),
                json!(push),
            );
            let reply = match args.action {
                Some(decision) => Reply::Action(decision.action()),
                None => reply_of(&ask(out, "approve, deny or report fraud?", "--action").await?)?,
            };
            let (answer, result) = match reply {
                Reply::ReportFraud => {
                    let decision = PushDecision::deny(DenyReason::ReportFraud);
                    (PushAnswer::deny(), pingone.decide_push(&push.authentication_id, decision).await?)
                }
                // PingOne keeps no per-device block list: BLOCK rejects like DENY.
                Reply::Action(PushAction::Block) | Reply::Action(PushAction::Deny) => {
                    (PushAnswer::deny(), pingone.answer_push(&push.authentication_id, PushAnswer::deny()).await?)
                }
                Reply::Action(action) => {
                    let answer = answer_for(out, &push, action, args.number).await?;
                    (answer, pingone.answer_push(&push.authentication_id, answer).await?)
                }
            };
            answered(out, &push, answer, result);
            if args.once {
                return Ok(true);
            }
        }
    }
}

/// What the person answered a PingOne push with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reply {
    Action(PushAction),
    /// Deny and report the push as fraud (`DenyReason.REPORT_FRAUD`).
    ReportFraud,
}

fn reply_of(answer: &str) -> Result<Reply, DeviceError> {
    match answer.trim().to_ascii_lowercase().as_str() {
        "approve" | "a" | "y" | "yes" => Ok(Reply::Action(PushAction::Approve)),
        "deny" | "d" | "n" | "no" => Ok(Reply::Action(PushAction::Deny)),
        "report fraud" | "fraud" | "f" => Ok(Reply::ReportFraud),
        other => {
            Err(DeviceError::InvalidInput(format!("{other:?} is not an answer: use approve, deny or report fraud")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_fraud_is_an_answer_beside_approve_and_deny() {
        assert_eq!(reply_of(" Report Fraud ").unwrap(), Reply::ReportFraud);
        assert_eq!(reply_of("f").unwrap(), Reply::ReportFraud);
        assert_eq!(reply_of("deny").unwrap(), Reply::Action(PushAction::Deny));
        assert_eq!(reply_of("yes").unwrap(), Reply::Action(PushAction::Approve));
        assert!(reply_of("block").is_err(), "PingOne has no BLOCK to ask for");
    }
}
