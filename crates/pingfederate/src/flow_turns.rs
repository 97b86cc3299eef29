//! One action at a time per flow, and an action sent again while the very same one is being
//! answered is not performed twice: the second request waits for the first and answers the flow
//! as the first left it. Ping's widget sends `selectDevice` once per nested `data-mfa-selection`
//! element of a device tile (`pingidentity/pf-authn-js-widget:src/partials/device_selection.hbs`,
//! `registerMfaEventHandler` in `src/index.js`): one click must not send two passcodes. The same
//! action sent after the first was answered (the widget's "Resend") is performed again.
//!
//! A flow's turn is a [`moderno_sql::turns`] turn named by the flow's id and tagged with the
//! action's digest: in memory on the embedded SQLite file, a lease in `flow_turns` that every
//! instance agrees on when they share a database (PostgreSQL), woken across instances on
//! [`CHANNEL`]; a turn whose holder died with its instance ends with its lease.

use std::time::Duration;

use moderno_sql::turns::{Arrival, Held, TurnTable, Turns};

use crate::error::AuthnApiError;
use crate::store::Db;

/// The channel a released turn is announced on, with the flow's id.
pub const CHANNEL: &str = "pingfederate_flow_turns";

/// The flows' turns on a shared database; a lease holds 10 s unless renewed (how long a flow
/// waits for an instance that died mid-action).
pub static TABLE: TurnTable = TurnTable { table: "flow_turns", channel: CHANNEL, lease: Duration::from_secs(10) };

/// The flows' turns.
pub struct FlowTurns(Turns);

/// What a request got on its flow.
pub enum Turn {
    /// The flow's turn: perform the action, then [`Held::release`] it.
    Act(Held),
    /// The same action was under way when this request came and has been answered meanwhile:
    /// answer the flow as it is now instead of performing it again.
    Repeat,
}

impl FlowTurns {
    /// Listens for other instances' releases on a shared database (needs a tokio runtime there).
    pub fn new(db: &Db) -> Self {
        Self(Turns::new(db.database(), &TABLE))
    }

    /// Waits for the flow's turn. `action` identifies the request (its action and body, as a
    /// digest: bodies hold passcodes); `holder` is this request's own random name.
    pub async fn enter(&self, flow_id: &str, action: String, holder: String) -> Result<Turn, AuthnApiError> {
        let mut same_action: Option<String> = None;
        let mut first = true;
        loop {
            // Registered before looking, so a release between the look and the wait still wakes.
            let released = self.0.next_release();
            match &same_action {
                Some(running) => {
                    if !self.0.holds(flow_id, running).await? {
                        return Ok(Turn::Repeat);
                    }
                }
                // A request that found another action under way only reads until the flow looks
                // free: a release wakes every waiter, and the writers' turn is for the one that
                // then takes it.
                None if !first && !self.0.looks_free(flow_id).await? => {}
                None => match self.0.try_take(flow_id, &holder, Some(&action)).await? {
                    Arrival::Taken(held) => return Ok(Turn::Act(held)),
                    // Only a request that finds its action under way as it comes is a repeat; one
                    // that waited for another action's turn performs its own.
                    Arrival::Busy { holder: running, tag } if first && tag.as_deref() == Some(action.as_str()) => {
                        same_action = Some(running);
                        continue;
                    }
                    Arrival::Busy { .. } => first = false,
                },
            }
            released.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turns(dir: &tempfile::TempDir) -> FlowTurns {
        let location = moderno_sql::testing::location(dir.path().join("pf.sqlite3"));
        FlowTurns::new(&Db::open(&location).expect("open"))
    }

    fn acts(turn: &Turn) -> bool {
        matches!(turn, Turn::Act(_))
    }

    #[tokio::test]
    async fn the_same_action_sent_while_it_runs_is_a_repeat_and_after_it_ran_is_performed_again() {
        let dir = tempfile::tempdir().expect("temp dir");
        let turns = turns(&dir);
        let Turn::Act(first) = turns.enter("f1", "select:d1".into(), "a".into()).await.expect("enter") else {
            panic!("the first request acts")
        };
        let (second, other_flow) = tokio::join!(
            async { acts(&turns.enter("f1", "select:d1".into(), "b".into()).await.expect("enter")) },
            async {
                let turn = turns.enter("f2", "select:d1".into(), "c".into()).await.expect("enter");
                let acted = acts(&turn);
                if let Turn::Act(held) = turn {
                    held.release().await;
                }
                first.release().await;
                acted
            }
        );
        assert!(!second, "sent while the first was under way");
        assert!(other_flow, "another flow is not held up");
        let again = turns.enter("f1", "select:d1".into(), "d".into()).await.expect("enter");
        assert!(acts(&again), "sent after the first was answered: performed");
    }

    #[tokio::test]
    async fn another_action_waits_for_the_turn_and_a_turn_given_up_is_released() {
        let dir = tempfile::tempdir().expect("temp dir");
        let turns = turns(&dir);
        let first = turns.enter("f1", "select:d1".into(), "a".into()).await.expect("enter");
        waits_while_held_then_acts(turns.enter("f1", "checkOtp".into(), "b".into()), first, 300).await;
    }

    /// `waiting` is still waiting `ms` after it was sent; once `held` is given up, it acts.
    async fn waits_while_held_then_acts(
        waiting: impl std::future::Future<Output = Result<Turn, AuthnApiError>>,
        held: Turn,
        ms: u64,
    ) {
        tokio::pin!(waiting);
        let early = tokio::time::timeout(Duration::from_millis(ms), waiting.as_mut()).await;
        assert!(early.is_err(), "another action waits while the turn is held ({ms} ms)");
        drop(held);
        let turn = tokio::time::timeout(Duration::from_secs(10), waiting).await.expect("woken").expect("enter");
        assert!(acts(&turn), "another action, once the turn is free, is performed");
    }
}
