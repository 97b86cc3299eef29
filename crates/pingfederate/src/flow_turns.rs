//! One action at a time per flow, and an action sent again while the very same one is being
//! answered is not performed twice: the second request waits for the first and answers the flow
//! as the first left it. Ping's widget sends `selectDevice` once per nested `data-mfa-selection`
//! element of a device tile (`pingidentity/pf-authn-js-widget:src/partials/device_selection.hbs`,
//! `registerMfaEventHandler` in `src/index.js`): one click must not send two passcodes. The same
//! action sent after the first was answered (the widget's "Resend") is performed again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::OwnedMutexGuard;

#[derive(Default)]
struct Gate {
    turn: Arc<tokio::sync::Mutex<()>>,
    /// Digest of the action being performed now.
    running: Mutex<Option<String>>,
}

type Gates = Arc<Mutex<HashMap<String, Arc<Gate>>>>;

/// The flows with a request under way (a flow's entry goes with its last request).
#[derive(Default)]
pub struct FlowTurns {
    gates: Gates,
}

/// A request's turn on its flow; dropping it lets the next request in.
pub struct Turn {
    /// False: the same action was under way when this request came, and has been answered
    /// meanwhile; answer the flow as it is now instead of performing it again.
    pub act: bool,
    gates: Gates,
    flow_id: String,
    gate: Arc<Gate>,
    _turn: OwnedMutexGuard<()>,
}

impl FlowTurns {
    /// Waits for the flow's turn. `action` identifies the request (its action and body, as a
    /// digest: bodies hold passcodes).
    pub async fn enter(&self, flow_id: &str, action: String) -> Turn {
        let gate = {
            let mut gates = self.gates.lock().unwrap_or_else(PoisonError::into_inner);
            gates.entry(flow_id.to_string()).or_default().clone()
        };
        let repeat = gate.running.lock().unwrap_or_else(PoisonError::into_inner).as_deref() == Some(action.as_str());
        let turn = gate.turn.clone().lock_owned().await;
        if !repeat {
            *gate.running.lock().unwrap_or_else(PoisonError::into_inner) = Some(action);
        }
        Turn { act: !repeat, gates: self.gates.clone(), flow_id: flow_id.to_string(), gate, _turn: turn }
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        if self.act {
            *self.gate.running.lock().unwrap_or_else(PoisonError::into_inner) = None;
        }
        let mut gates = self.gates.lock().unwrap_or_else(PoisonError::into_inner);
        // The map's and this turn's references: nobody else waits for the flow.
        if Arc::strong_count(&self.gate) == 2 {
            gates.remove(&self.flow_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_same_action_sent_while_it_runs_is_a_repeat_and_after_it_ran_is_performed_again() {
        let turns = FlowTurns::default();
        let first = turns.enter("f1", "select:d1".into()).await;
        assert!(first.act);
        let (second, other_flow) = tokio::join!(
            async {
                let turn = turns.enter("f1", "select:d1".into()).await;
                turn.act
            },
            async {
                let turn = turns.enter("f2", "select:d1".into()).await;
                let acted = turn.act;
                drop(turn);
                drop(first);
                acted
            }
        );
        assert!(!second, "sent while the first was under way");
        assert!(other_flow, "another flow is not held up");
        assert!(turns.enter("f1", "select:d1".into()).await.act, "sent after the first was answered: performed");
        assert!(turns.gates.lock().expect("lock").is_empty(), "no entry outlives its requests");
    }
}
