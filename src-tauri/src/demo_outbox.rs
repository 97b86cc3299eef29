//! The emulated services have no phone network and no mail server: PingOne MFA puts every SMS
//! and e-mail passcode into an outbox, which the stack's admin API passes on
//! (`GET /admin/outbox/{user}`). The app shows the newest few, so a demo can read the code a phone
//! would have received: with the built-in servers, or a shared server whose admin API it was given.

use moderno_wire::pingone::{OutboxChannel, OutboxMessage};
use serde::Serialize;
use ts_rs::TS;

use crate::admin_client;
use crate::error::CommandError;
use crate::state::Connection;

/// How many messages the app shows, newest first.
const SHOWN: usize = 5;

/// One message as the user's phone or mailbox would show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "../../ui/src/generated/")]
pub struct MessageView {
    /// `SMS` or `EMAIL`.
    pub channel: String,
    pub to: String,
    pub text: String,
    pub sent_at: String,
}

pub async fn read(conn: &Connection, username: &str) -> Result<Vec<MessageView>, CommandError> {
    let path = format!("/admin/outbox/{}", admin_client::segment(username));
    let messages: Vec<OutboxMessage> = admin_client::call(conn, reqwest::Method::GET, &path, None).await?;
    Ok(messages
        .into_iter()
        .rev()
        .take(SHOWN)
        .map(|m| MessageView {
            channel: match m.channel {
                OutboxChannel::Sms => "SMS".into(),
                OutboxChannel::Email => "EMAIL".into(),
            },
            to: m.to,
            text: m.text,
            sent_at: m.sent_at,
        })
        .collect())
}
