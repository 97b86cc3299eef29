//! Sign-in turns across instances: attempts on one account are checked one after another on
//! every instance sharing a database, as [`moderno_ambient::attempts::AccountTurns`] orders them
//! within one ([`crate::first_factor`]): a [`moderno_sql::turns`] lease in `sign_in_turns`.

use std::time::Duration;

use moderno_sql::turns::{holder_name, Held, TurnTable};

use super::Store;

/// The accounts' sign-in turns on a shared database; a lease holds 30 s (an Argon2 check takes
/// well under a second), so an instance killed mid-check holds nobody up for long.
pub(super) static TABLE: TurnTable =
    TurnTable { table: "sign_in_turns", channel: "customer_sign_in_turns", lease: Duration::from_secs(30) };

impl Store {
    /// On a database other instances share, waits for `username`'s sign-in turn and holds it
    /// until the guard is dropped: attempts on one account take turns across instances as they do
    /// within one ([`moderno_ambient::attempts::AccountTurns`]). `None` on a SQLite file, which
    /// one process owns.
    pub async fn sign_in_turn(&self, username: &str) -> anyhow::Result<Option<Held>> {
        let Some(turns) = &self.turns else { return Ok(None) };
        Ok(Some(turns.take(username, &holder_name()).await?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn on_a_shared_database_a_sign_in_turn_waits_for_another_instances_turn_on_the_name() {
        let dir = tempfile::tempdir().unwrap();
        let location = moderno_sql::testing::location(dir.path().join("c.sqlite3"));
        let (one, other) = (Store::open(&location).await.unwrap(), Store::open(&location).await.unwrap());
        if !moderno_sql::testing::on_postgres() {
            // A SQLite file belongs to one process: its attempts queue in memory only.
            assert!(one.sign_in_turn("alice").await.unwrap().is_none());
            return;
        }
        let held = one.sign_in_turn("alice").await.unwrap().expect("a turn on a shared database");
        let waiting = tokio::spawn(async move { other.sign_in_turn("alice").await.unwrap().is_some() });
        let bob = one.sign_in_turn("bob").await.unwrap();
        assert!(bob.is_some(), "another name takes its own turn at once");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        assert!(!waiting.is_finished(), "the other instance waits while the turn is held");
        drop(held);
        let taken = tokio::time::timeout(std::time::Duration::from_secs(10), waiting).await;
        assert!(taken.expect("the turn passed on once given back").unwrap());
    }

    #[tokio::test]
    async fn a_turn_left_behind_by_a_killed_instance_ends_with_its_lease_and_leaves_the_table() {
        if !moderno_sql::testing::on_postgres() {
            return; // no turns in a SQLite file (see above)
        }
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&moderno_sql::testing::location(dir.path().join("c.sqlite3"))).await.unwrap();
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
        let ended = i64::try_from(now.as_millis()).unwrap() - 1;
        store
            .run(move |c| {
                c.execute(
                    "INSERT INTO sign_in_turns (name, holder, until_ms) VALUES ('alice', 'gone', ?1), ('bob', 'gone', ?1)",
                    [ended],
                )
            })
            .await
            .unwrap();
        let turn = tokio::time::timeout(std::time::Duration::from_secs(10), store.sign_in_turn("alice")).await;
        assert!(turn.expect("the ended turn does not hold alice up").unwrap().is_some());
        let left: Vec<String> = store
            .read(|c| c.query_map("SELECT name FROM sign_in_turns ORDER BY name", (), |r| r.get(0)))
            .await
            .unwrap();
        assert_eq!(left, ["alice"], "bob's ended turn is gone, alice's is the new one");
    }
}
