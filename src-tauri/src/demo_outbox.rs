//! The built-in servers have no phone network and no mail server: PingOne MFA puts every SMS and
//! e-mail passcode into an outbox (`GET /outbox/{user}`, worker token). The app shows the newest
//! few, so a demo can read the code a phone would have received. Only with the built-in servers:
//! a shared server's outbox is its administrator's.

use std::time::Duration;

use moderno_wire::pingone::{OutboxChannel, OutboxMessage};
use serde::Serialize;
use ts_rs::TS;

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
    let urls = conn.embedded.as_ref().ok_or_else(|| {
        CommandError::new("not_embedded", "messages are shown only with the built-in servers: on a shared server, ask its administrator")
    })?;
    let unreachable = |e: reqwest::Error| CommandError::new("server_unreachable", format!("PingOne MFA's outbox did not answer: {e}"));
    let http = reqwest::Client::builder().timeout(Duration::from_secs(5)).no_proxy().build().map_err(unreachable)?;
    let response = http
        .get(format!("{}/outbox/{username}", urls.pingone))
        .bearer_auth(&urls.pingone_worker_token)
        .send()
        .await
        .map_err(unreachable)?;
    if response.status() == reqwest::StatusCode::NOT_FOUND {
        return Ok(vec![]);
    }
    let messages: Vec<OutboxMessage> = response.error_for_status().map_err(unreachable)?.json().await.map_err(unreachable)?;
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
