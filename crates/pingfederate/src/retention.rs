//! Purging what has ended: flows and authorization codes are kept `Config::retention` after they
//! expired, so the inspector and QA can look back, then deleted on a schedule
//! (`Config::purge_interval`, real time; the age is read on PingFederate's own clock, so an
//! advanced virtual clock purges what is then old).
//!
//! PingFederate itself purges expired records the same way: its cleanup task removes a stored
//! authentication session once its expiry is older than the current time by a configurable offset
//! ("Manage externally stored authentication sessions",
//! https://docs.pingidentity.com/pingfederate/latest/administrators_reference_guide/pf_manage_external_store_auth_sessions.html).
//! Password failure counts keep their own rule (`first_factor`); each user's last sign-on is kept.

use moderno_sql::params;

use crate::error::AuthnApiError;
use crate::State;

/// How many records one purge deleted, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    pub flows: usize,
    pub codes: usize,
}

impl State {
    /// Deletes, in one transaction, the flows and codes that expired more than
    /// `Config::retention` ago by PingFederate's clock; never one that can still be used.
    pub async fn purge_finished(&self) -> Result<Purged, AuthnApiError> {
        let cutoff = self.now() - self.config().retention.num_seconds();
        let purged = self
            .db()
            .tx(move |tx| {
                let flows = tx.execute("DELETE FROM flows WHERE expires_at <= ?1", params![cutoff])?;
                let codes = tx.execute("DELETE FROM codes WHERE expires_at <= ?1", params![cutoff])?;
                Ok(Purged { flows, codes })
            })
            .await?;
        moderno_ambient::log_purged!(flows = purged.flows, codes = purged.codes);
        Ok(purged)
    }
}

/// Runs [`State::purge_finished`] every `Config::purge_interval` (the first run one interval
/// after start, never at start), while the server's state is in use: the task ends once the last
/// handle is dropped. No schedule outside a tokio runtime or with a zero interval.
pub(crate) fn schedule(state: &State) {
    moderno_ambient::repeat::every_while_alive(&state.0, state.config().purge_interval, |inner| async move {
        if let Err(e) = State(inner).purge_finished().await {
            tracing::warn!(error = %e, "purging finished records failed");
        }
    });
}
