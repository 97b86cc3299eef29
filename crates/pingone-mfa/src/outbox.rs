//! The emulator's stand-in for the phone network and the mail server: every SMS and e-mail
//! passcode lands here, readable with the worker token at `GET /outbox/{user}` (oldest first).

use axum::extract::{Path, State as Shared};
use axum::Json;
use moderno_sql::params;
use moderno_wire::pingone::{OutboxChannel, OutboxMessage};

use crate::store::rfc3339;
use crate::{ApiError, State};

pub async fn read(
    Shared(state): Shared<State>,
    Path(user): Path<String>,
) -> Result<Json<Vec<OutboxMessage>>, ApiError> {
    let messages = state
        .read(move |tx, _| {
            crate::store::require_user(tx, &user)?;
            Ok(tx.query_map(
                "SELECT id, channel, to_addr, text, otp, sent_at FROM outbox WHERE username = ?1 ORDER BY seq",
                params![user],
                |r| {
                    Ok(OutboxMessage {
                        id: r.get(0)?,
                        channel: if r.get::<_, String>(1)? == "SMS" {
                            OutboxChannel::Sms
                        } else {
                            OutboxChannel::Email
                        },
                        to: r.get(2)?,
                        text: r.get(3)?,
                        otp: r.get(4)?,
                        sent_at: rfc3339(r.get(5)?),
                    })
                },
            )?)
        })
        .await?;
    Ok(Json(messages))
}
