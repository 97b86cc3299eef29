//! Sign-in turns across instances: attempts on one account are checked one after another on
//! every instance sharing a database, as [`moderno_ambient::attempts::AccountTurns`] orders them
//! within one ([`crate::first_factor`]).

use moderno_sql::{params, OptionalExtension as _};

use super::Store;

/// The longest a sign-in turn is held (an Argon2 check takes well under a second).
const TURN_LEASE_MS: i64 = 30_000;
/// How often an attempt waiting for another instance's turn looks again.
const TURN_RETRY: std::time::Duration = std::time::Duration::from_millis(10);

/// An account's sign-in turn on a shared database ([`Store::sign_in_turn`]); given back when
/// dropped, even when the request was.
pub struct SignInTurn {
    store: Store,
    username: String,
    holder: String,
}

impl Drop for SignInTurn {
    fn drop(&mut self) {
        let (store, user, holder) =
            (self.store.clone(), std::mem::take(&mut self.username), std::mem::take(&mut self.holder));
        let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
        runtime.spawn(async move {
            let given_back = store
                .run(move |c| {
                    c.execute("DELETE FROM sign_in_turns WHERE username = ?1 AND holder = ?2", params![user, holder])
                })
                .await;
            if let Err(error) = given_back {
                // The lease ends by itself.
                tracing::warn!(error = %format!("{error:#}"), "giving back a sign-in turn");
            }
        });
    }
}

/// A name for one turn, unique among instances (not a secret: it only tells turns apart).
fn turn_holder() -> String {
    static TURNS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let n = TURNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{}-{nanos}-{n}", std::process::id())
}

fn wall_clock_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

impl Store {
    /// On a database other instances share, waits for `username`'s sign-in turn and holds it
    /// until the guard is dropped: attempts on one account take turns across instances as they do
    /// within one ([`moderno_ambient::attempts::AccountTurns`]). `None` on a SQLite file, which
    /// one process owns. A turn is a lease in `sign_in_turns` that ends by itself after
    /// [`TURN_LEASE_MS`], so an instance killed mid-check holds nobody up for long.
    pub async fn sign_in_turn(&self, username: &str) -> anyhow::Result<Option<SignInTurn>> {
        if !self.db.is_shared() {
            return Ok(None);
        }
        let holder = turn_holder();
        loop {
            // The wall clock, not the service's (virtual) clock: a lease is about real seconds.
            let now_ms = wall_clock_ms();
            let (user, by) = (username.to_owned(), holder.clone());
            let taken = self
                .run(move |c| {
                    // Turns an instance killed mid-check left behind go once they ended.
                    c.execute("DELETE FROM sign_in_turns WHERE until_ms <= ?1", [now_ms])?;
                    c.execute(
                        "INSERT INTO sign_in_turns (username, holder, until_ms) VALUES (?1, ?2, ?3)
                         ON CONFLICT (username) DO UPDATE SET holder = excluded.holder, until_ms = excluded.until_ms
                         WHERE sign_in_turns.until_ms <= ?4",
                        params![user, by, now_ms + TURN_LEASE_MS, now_ms],
                    )
                })
                .await?;
            if taken == 1 {
                return Ok(Some(SignInTurn { store: self.clone(), username: username.to_owned(), holder }));
            }
            self.until_turn_ends(username).await?;
        }
    }

    /// Waits until `username`'s turn, held by another instance, looks over (given back or its
    /// lease ended), reading only: the writers' turn is for the one that then takes it.
    async fn until_turn_ends(&self, username: &str) -> anyhow::Result<()> {
        loop {
            tokio::time::sleep(TURN_RETRY).await;
            let user = username.to_owned();
            let until_ms: Option<i64> = self
                .read(move |c| {
                    c.query_row("SELECT until_ms FROM sign_in_turns WHERE username = ?1", [user], |r| r.get(0))
                        .optional()
                })
                .await?;
            if until_ms.is_none_or(|until| until <= wall_clock_ms()) {
                return Ok(());
            }
        }
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
        let ended = wall_clock_ms() - 1;
        store
            .run(move |c| {
                c.execute(
                    "INSERT INTO sign_in_turns (username, holder, until_ms) VALUES ('alice', 'gone', ?1), ('bob', 'gone', ?1)",
                    [ended],
                )
            })
            .await
            .unwrap();
        let turn = tokio::time::timeout(std::time::Duration::from_secs(10), store.sign_in_turn("alice")).await;
        assert!(turn.expect("the ended turn does not hold alice up").unwrap().is_some());
        let left: Vec<String> = store
            .read(|c| c.query_map("SELECT username FROM sign_in_turns ORDER BY username", (), |r| r.get(0)))
            .await
            .unwrap();
        assert_eq!(left, ["alice"], "bob's ended turn is gone, alice's is the new one");
    }
}
