//! One action at a time per flow, and an action sent again while the very same one is being
//! answered is not performed twice: the second request waits for the first and answers the flow
//! as the first left it. Ping's widget sends `selectDevice` once per nested `data-mfa-selection`
//! element of a device tile (`pingidentity/pf-authn-js-widget:src/partials/device_selection.hbs`,
//! `registerMfaEventHandler` in `src/index.js`): one click must not send two passcodes. The same
//! action sent after the first was answered (the widget's "Resend") is performed again.
//!
//! A flow's turn is a row in the database (`flow_turns`), so the instances sharing one agree on
//! it: taken, or found held by the same action, in one transaction; released before the answer
//! goes out. A waiter is woken by a release on this instance, by another instance's (PostgreSQL
//! `NOTIFY` on [`CHANNEL`]), and looks again every [`RE_READ`] in any case (a notification may be
//! lost). The holder renews its lease while it acts; a turn whose holder died (an instance killed
//! mid-action) ends with its lease, [`LEASE_MS`] at most after it died.

use std::sync::Arc;
use std::time::Duration;

use moderno_sql::{params, Listening, OptionalExtension as _};
use tokio::sync::Notify;

use crate::error::AuthnApiError;
use crate::store::Db;

/// The channel a released turn is announced on, with the flow's id.
pub const CHANNEL: &str = "pingfederate_flow_turns";
/// How long a turn holds unless its holder renews it (every third of it, while it acts): how
/// long a flow waits for an instance that died mid-action.
const LEASE_MS: i64 = 10_000;
/// How often a waiter looks again without being woken.
const RE_READ: Duration = Duration::from_secs(1);

/// The flows' turns, on the database.
pub struct FlowTurns {
    db: Db,
    /// [`LEASE_MS`], shorter in tests.
    lease_ms: i64,
    /// How long a waiter waits for a wake-up before it looks again ([`RE_READ`]).
    re_read: Duration,
    /// Woken by every release, this instance's and (through `_listening`) the others'.
    released: Arc<Notify>,
    _listening: Option<Listening>,
}

/// What a request got on its flow.
pub enum Turn {
    /// The flow's turn: perform the action, then [`Held::release`] it.
    Act(Held),
    /// The same action was under way when this request came and has been answered meanwhile:
    /// answer the flow as it is now instead of performing it again.
    Repeat,
}

/// A turn held; dropped without [`Held::release`] (a request given up) it is released anyway.
pub struct Held {
    db: Db,
    /// Renews the lease while the turn is held.
    renewing: tokio::task::JoinHandle<()>,
    released: Arc<Notify>,
    flow_id: String,
    holder: String,
    done: bool,
}

enum Arrival {
    Taken,
    /// The same action holds the turn: wait for this holder to be done.
    SameActionUnderWay(String),
    Busy,
}

impl FlowTurns {
    /// Listens for other instances' releases (PostgreSQL; needs a tokio runtime there).
    pub fn new(db: Db) -> Self {
        let released = Arc::new(Notify::new());
        let wake = Arc::clone(&released);
        let listening = db.database().listen(&[CHANNEL], move |_| wake.notify_waiters());
        Self { db, lease_ms: LEASE_MS, re_read: RE_READ, released, _listening: listening }
    }

    /// Waits for the flow's turn. `action` identifies the request (its action and body, as a
    /// digest: bodies hold passcodes); `holder` is this request's own random name.
    pub async fn enter(&self, flow_id: &str, action: String, holder: String) -> Result<Turn, AuthnApiError> {
        let mut same_action: Option<String> = None;
        let mut first = true;
        loop {
            // Registered before looking, so a release between the look and the wait still wakes.
            let woken = self.released.notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            match &same_action {
                Some(running) => {
                    if !self.holds(flow_id, running).await? {
                        return Ok(Turn::Repeat);
                    }
                }
                None => match self.arrive(flow_id, &action, &holder, first).await? {
                    Arrival::Taken => {
                        return Ok(Turn::Act(Held {
                            db: self.db.clone(),
                            renewing: tokio::spawn(renew(
                                self.db.clone(),
                                flow_id.to_owned(),
                                holder.clone(),
                                self.lease_ms,
                            )),
                            released: Arc::clone(&self.released),
                            flow_id: flow_id.to_owned(),
                            holder,
                            done: false,
                        }))
                    }
                    Arrival::SameActionUnderWay(running) => {
                        same_action = Some(running);
                        continue;
                    }
                    Arrival::Busy => first = false,
                },
            }
            let _ = tokio::time::timeout(self.re_read, woken).await;
        }
    }

    /// Takes the turn when it is free (or its lease ended), else says who holds it.
    async fn arrive(&self, flow_id: &str, action: &str, holder: &str, first: bool) -> Result<Arrival, AuthnApiError> {
        let (flow_id, action, holder) = (flow_id.to_owned(), action.to_owned(), holder.to_owned());
        let (now, lease_ms) = (lease_clock_ms(), self.lease_ms);
        self.db
            .tx(move |conn| {
                conn.execute(
                    "DELETE FROM flow_turns WHERE flow_id = ?1 AND lease_until_ms <= ?2",
                    params![flow_id, now],
                )?;
                let current: Option<(String, Option<String>)> = conn
                    .query_row("SELECT holder, action FROM flow_turns WHERE flow_id = ?1", params![flow_id], |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    })
                    .optional()?;
                match current {
                    // Only a request that finds its action under way as it comes is a repeat; one
                    // that waited for another action's turn performs its own.
                    Some((running, Some(under_way))) if first && under_way == action => {
                        Ok(Arrival::SameActionUnderWay(running))
                    }
                    Some(_) => Ok(Arrival::Busy),
                    None => {
                        let taken = conn.execute(
                            "INSERT INTO flow_turns (flow_id, holder, action, lease_until_ms) VALUES (?1, ?2, ?3, ?4)
                             ON CONFLICT (flow_id) DO NOTHING",
                            params![flow_id, holder, action, now + lease_ms],
                        )?;
                        Ok(if taken == 1 { Arrival::Taken } else { Arrival::Busy })
                    }
                }
            })
            .await
    }

    /// True while `holder` still holds the flow's turn.
    async fn holds(&self, flow_id: &str, holder: &str) -> Result<bool, AuthnApiError> {
        let (flow_id, holder) = (flow_id.to_owned(), holder.to_owned());
        let now = lease_clock_ms();
        self.db
            .read(move |conn| {
                Ok(conn
                    .query_row(
                        "SELECT 1 FROM flow_turns WHERE flow_id = ?1 AND holder = ?2 AND lease_until_ms > ?3",
                        params![flow_id, holder, now],
                        |_| Ok(()),
                    )
                    .optional()?
                    .is_some())
            })
            .await
    }
}

impl Held {
    /// Lets the next request in, on every instance; before the answer goes out, so that the same
    /// action sent once it is answered is performed again.
    pub async fn release(mut self) {
        self.done = true;
        self.renewing.abort();
        release(self.db.clone(), Arc::clone(&self.released), self.flow_id.clone(), self.holder.clone()).await;
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.renewing.abort();
        if self.done {
            return;
        }
        let (db, released, flow_id, holder) =
            (self.db.clone(), Arc::clone(&self.released), self.flow_id.clone(), self.holder.clone());
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(release(db, released, flow_id, holder));
        }
    }
}

/// Moves the turn's lease on every third of it, for as long as the holder holds it.
async fn renew(db: Db, flow_id: String, holder: String, lease_ms: i64) {
    let every = Duration::from_millis(u64::try_from(lease_ms / 3).unwrap_or(1).max(1));
    loop {
        tokio::time::sleep(every).await;
        let (flow_id, holder) = (flow_id.clone(), holder.clone());
        let renewed = db
            .tx(move |conn| {
                Ok(conn.execute(
                    "UPDATE flow_turns SET lease_until_ms = ?3 WHERE flow_id = ?1 AND holder = ?2",
                    params![flow_id, holder, lease_clock_ms() + lease_ms],
                )?)
            })
            .await;
        if let Err(error) = renewed {
            tracing::warn!(%error, "renewing a flow's turn failed");
        }
    }
}

async fn release(db: Db, released: Arc<Notify>, flow_id: String, holder: String) {
    let outcome = db
        .tx(move |conn| {
            conn.execute("DELETE FROM flow_turns WHERE flow_id = ?1 AND holder = ?2", params![flow_id, holder])?;
            conn.notify(CHANNEL, &flow_id)?;
            Ok(())
        })
        .await;
    if let Err(error) = outcome {
        // The lease ends the turn in any case.
        tracing::warn!(%error, "releasing a flow's turn failed");
    }
    released.notify_waiters();
}

/// Milliseconds on the wall clock, for leases: how long a dead holder blocks a flow is
/// operations time, the same for every instance, not the flows' (virtual) clock.
pub fn lease_clock_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turns(dir: &tempfile::TempDir) -> FlowTurns {
        let location = moderno_sql::testing::location(dir.path().join("pf.sqlite3"));
        FlowTurns::new(Db::open(&location).expect("open"))
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

    #[tokio::test]
    async fn a_turn_released_on_one_instance_wakes_a_waiter_on_another_well_within_the_re_read() {
        let dir = tempfile::tempdir().expect("temp dir");
        let location = moderno_sql::testing::location(dir.path().join("pf.sqlite3"));
        // On PostgreSQL A's own re-read is a minute away, so a wake within seconds is another
        // instance's. Two SQLite states over one file have no notifications between them (a real
        // deployment of several instances is PostgreSQL): there the re-read wakes.
        let shared = location_is_shared(&location);
        let mut a = FlowTurns::new(Db::open(&location).expect("open"));
        if shared {
            a.re_read = Duration::from_secs(60);
        }
        if let Some(listening) = &a._listening {
            tokio::time::timeout(Duration::from_secs(20), listening.listening()).await.expect("A listens");
        }
        let a = Arc::new(a);
        let b = FlowTurns::new(Db::open(&location).expect("open"));
        for round in 0..3 {
            let flow = format!("f{round}");
            let Turn::Act(held) = b.enter(&flow, "poll".into(), format!("b{round}")).await.expect("enter") else {
                panic!("a free flow's turn is taken")
            };
            let waiter = {
                let (a, flow) = (Arc::clone(&a), flow.clone());
                tokio::spawn(async move {
                    let turn = a.enter(&flow, "checkOtp".into(), format!("a{round}")).await.expect("enter");
                    (acts(&turn), std::time::Instant::now())
                })
            };
            // Long enough for the waiter to find the turn held; it cannot take the turn before
            // the release either way.
            tokio::time::sleep(Duration::from_millis(400)).await;
            assert!(!waiter.is_finished(), "round {round}: the waiter waits while the turn is held elsewhere");
            let released_at = std::time::Instant::now();
            held.release().await;
            let (acted, woken_at) =
                tokio::time::timeout(Duration::from_secs(30), waiter).await.expect("woken").expect("task");
            assert!(acted, "round {round}: another action, once the turn is free, is performed");
            if shared {
                let waited = woken_at.duration_since(released_at);
                assert!(waited < Duration::from_secs(10), "round {round}: woken {waited:?} after the release");
            }
        }
    }

    #[tokio::test]
    async fn a_turn_whose_holder_died_ends_with_its_lease() {
        let dir = tempfile::tempdir().expect("temp dir");
        let turns = turns(&dir);
        // An instance killed mid-action left its turn: still leased, then past its lease.
        for (flow, lease_until_ms) in [("held", lease_clock_ms() + LEASE_MS), ("dead", lease_clock_ms() - 1)] {
            turns
                .db
                .tx(move |conn| {
                    conn.execute(
                        "INSERT INTO flow_turns (flow_id, holder, action, lease_until_ms) VALUES (?1, 'gone', 'poll', ?2)",
                        params![flow, lease_until_ms],
                    )?;
                    Ok(())
                })
                .await
                .expect("insert");
        }
        let waiting = turns.enter("held", "checkOtp".into(), "a".into());
        assert!(tokio::time::timeout(Duration::from_millis(300), waiting).await.is_err(), "a live lease holds");
        let turn = turns.enter("dead", "checkOtp".into(), "b".into()).await.expect("enter");
        assert!(acts(&turn), "an ended lease is taken over");
    }

    #[tokio::test]
    async fn a_holder_that_acts_longer_than_the_lease_keeps_its_turn_by_renewing_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let location = moderno_sql::testing::location(dir.path().join("pf.sqlite3"));
        let short = |db| FlowTurns { lease_ms: 600, ..FlowTurns::new(db) };
        let a = short(Db::open(&location).expect("open"));
        let b = short(Db::open(&location).expect("open"));
        let held = a.enter("f1", "poll".into(), "a".into()).await.expect("enter");
        // Four leases long, the holder still holds the turn.
        waits_while_held_then_acts(b.enter("f1", "checkOtp".into(), "b".into()), held, 2_400).await;
    }

    fn location_is_shared(location: &moderno_sql::Location) -> bool {
        matches!(location, moderno_sql::Location::Postgres(_))
    }
}
