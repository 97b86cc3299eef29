//! Purging what has ended: authentications, registration tokens and pairing keys are kept
//! `SdkConfig::retention` after they ended or expired, so the inspector and QA can look back,
//! then deleted on a schedule (`SdkConfig::purge_interval`, real time; the age is read on the
//! emulator's own clock, so an advanced virtual clock purges what is then old).
//!
//! Ping publishes no retention for these records (decided here, `docs/security.md`
//! "Retention"). Never purged: users, devices, settings, the pairing history (which fingerprints
//! were ever paired with a user: it decides `RE_PAIR_SUCCESS`, one row per pairing, deleted with
//! its user), ignored and blocked devices. Nonces, device notices and failed pairing-key guesses
//! are already deleted as they expire, by the routes that write them.

use moderno_sql::params;

use crate::error::ApiResult;
use crate::state::SdkState;
use crate::timestamps::ms;

/// How many records one purge deleted, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    pub authentications: usize,
    pub registration_tokens: usize,
    pub pairing_keys: usize,
}

impl SdkState {
    /// Deletes, in one transaction, the records that ended or expired more than
    /// `SdkConfig::retention` ago by the emulator's clock; never a live one (an authentication
    /// that can still be read, answered or counted, an unclaimed token or key before its expiry).
    pub async fn purge_finished(&self) -> ApiResult<Purged> {
        let now_ms = self.now_ms();
        let cutoff = now_ms - ms(self.config.retention);
        // An authentication is still consulted after its session: the push limit counts the
        // pushes started in its window, a recovery looks for an approved sign-in in its window, and
        // the server payload an approval sealed lives as long as the token it grants (or 10 min).
        let push_window_start = now_ms - ms(self.config.push_limit_window);
        let decided_for = ms(self
            .config
            .registration_token_lifetime
            .max(chrono::Duration::minutes(10))
            .max(crate::device_api::RECOVERY_WINDOW));
        let purged = self
            .db
            .write(move |tx| {
                let authentications = tx.execute(
                    "DELETE FROM authentications
                     WHERE session_expires <= ?1 AND COALESCE(push_expires, 0) <= ?1
                       AND COALESCE(decided_at + ?2, 0) <= ?1 AND created <= ?3",
                    params![cutoff, decided_for, push_window_start],
                )?;
                // A claimed token or used key ended no later than its expiry.
                let registration_tokens =
                    tx.execute("DELETE FROM registration_tokens WHERE expires <= ?1", params![cutoff])?;
                let pairing_keys = tx.execute("DELETE FROM pairing_keys WHERE expires <= ?1", params![cutoff])?;
                Ok(Purged { authentications, registration_tokens, pairing_keys })
            })
            .await?;
        moderno_ambient::log_purged!(
            authentications = purged.authentications,
            registration_tokens = purged.registration_tokens,
            pairing_keys = purged.pairing_keys,
        );
        Ok(purged)
    }
}

/// Runs [`SdkState::purge_finished`] every `SdkConfig::purge_interval` (the first run one interval
/// after start, never at start), while the server's state is in use: the task ends once the last
/// handle is dropped. No schedule outside a tokio runtime or with a zero interval.
pub(crate) fn schedule(state: &SdkState) {
    moderno_ambient::repeat::every_while_alive(&state.0, state.config.purge_interval, |shared| async move {
        if let Err(e) = SdkState(shared).purge_finished().await {
            tracing::warn!(error = %e, "purging finished records failed");
        }
    });
}
