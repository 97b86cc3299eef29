//! `moderno-device pf-approve`: long-polls the PingOne MFA pushes for this profile's paired
//! device and answers them (the other terminal of the additional-device demo).

use moderno_device::pingfederate::PingOneDevice;
use moderno_device::DeviceError;
use moderno_wire::device_api::PushAction;
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
            let action = match args.action {
                Some(decision) => decision.action(),
                None => approve_or_deny(&ask(out, "approve or deny?", "--action").await?)?,
            };
            // PingOne keeps no per-device block list: BLOCK rejects like DENY.
            let action = if action == PushAction::Block { PushAction::Deny } else { action };
            let answer = answer_for(out, &push, action, args.number).await?;
            let result = pingone.answer_push(&push.authentication_id, answer).await?;
            answered(out, &push, answer, result);
            if args.once {
                return Ok(true);
            }
        }
    }
}

fn approve_or_deny(answer: &str) -> Result<PushAction, DeviceError> {
    match answer.trim().to_ascii_lowercase().as_str() {
        "approve" | "a" | "y" | "yes" => Ok(PushAction::Approve),
        "deny" | "d" | "n" | "no" => Ok(PushAction::Deny),
        other => Err(DeviceError::InvalidInput(format!("{other:?} is not an answer: use approve or deny"))),
    }
}
