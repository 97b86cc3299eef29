//! Purging what has ended: device authentications, pairings (pairing keys and automatic pairings)
//! and outbox messages are kept `Config::retention` after they ended or expired, so the inspector
//! and QA can look back, then deleted on a schedule (`Config::purge_interval`, real time; the age
//! is read on the emulator's own clock, so an advanced virtual clock purges what is then old).
//!
//! PingOne publishes no retention for these records (decided here, `docs/security.md`
//! "Retention"). Users and devices are never purged; access tokens, nonces and rate events are
//! already deleted as they expire, by the routes that write them.

use moderno_sql::params;

use crate::{ApiError, State};

/// How many records one purge deleted, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    pub authentications: usize,
    pub pairings: usize,
    pub outbox_messages: usize,
}

impl State {
    /// Deletes, in one transaction, the records that ended or expired more than
    /// `Config::retention` ago by the emulator's clock; never a live one (a device authentication
    /// that can still be read or acted on, a waiting push, an unexpired passcode, an unclaimed
    /// pairing key before its expiry).
    pub async fn purge_finished(&self) -> Result<Purged, ApiError> {
        let cutoff = self.now() - self.config().retention.num_seconds();
        let otp_lifetime = self.config().otp_lifetime.num_seconds();
        let purged = self
            .tx(move |tx, _| {
                // An authentication ends at its expiry, or later when a push or passcode sent
                // near its end outlives it.
                let authentications = tx.execute(
                    "DELETE FROM authentications
                     WHERE expires_at <= ?1 AND COALESCE(push_expires_at, 0) <= ?1 AND COALESCE(otp_expires_at, 0) <= ?1",
                    params![cutoff],
                )?;
                // Claimed or failed pairings ended no later than their expiry.
                let pairings = tx.execute("DELETE FROM pairings WHERE expires_at <= ?1", params![cutoff])?;
                // A message's passcode ends `otp_lifetime` after it was sent.
                let outbox_messages =
                    tx.execute("DELETE FROM outbox WHERE sent_at <= ?1", params![cutoff - otp_lifetime])?;
                Ok(Purged { authentications, pairings, outbox_messages })
            })
            .await?;
        moderno_ambient::log_purged!(
            authentications = purged.authentications,
            pairings = purged.pairings,
            outbox_messages = purged.outbox_messages,
        );
        Ok(purged)
    }
}

/// Runs [`State::purge_finished`] every `Config::purge_interval` (the first run one interval
/// after start, never at start), while the emulator's state is in use: the task ends once the
/// last handle is dropped. No schedule outside a tokio runtime or with a zero interval.
pub(crate) fn schedule(state: &State) {
    moderno_ambient::repeat::every_while_alive(&state.0, state.config().purge_interval, |inner| async move {
        if let Err(e) = State(inner).purge_finished().await {
            tracing::warn!(error = %e, "purging finished records failed");
        }
    });
}
