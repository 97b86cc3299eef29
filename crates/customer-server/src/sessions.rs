//! Login sessions (between the first factor and the end of MFA) and session tokens (after it).
//!
//! Both are 128-bit random bearer values; only their SHA-256 is stored. A login session lives
//! 30 minutes (as long as the SDK server keeps the authentication); a session token 30 minutes
//! idle and 12 hours at most.

use chrono::Duration;
use moderno_ambient::{Clock, Entropy};
use moderno_crypto::{b64url, sha256_hex};
use moderno_sql::{params, OptionalExtension as _};

use crate::store::Store;

pub const LOGIN_SESSION_LIFETIME: Duration = Duration::minutes(30);
pub const TOKEN_IDLE_LIFETIME: Duration = Duration::minutes(30);
pub const TOKEN_ABSOLUTE_LIFETIME: Duration = Duration::hours(12);

/// What a login in progress remembers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoginSession {
    pub username: String,
    /// The last mobile payload of the device logging in.
    pub payload: Option<String>,
    /// That device's fingerprint (read from the payload, verified by the SDK server).
    pub fingerprint: Option<String>,
    pub authentication_id: Option<String>,
    /// The approving device chosen with `select_device`.
    pub device_id: Option<String>,
    /// When the current push was sent (unix ms).
    pub push_started_ms: Option<i64>,
}

#[derive(Clone)]
pub struct Sessions {
    store: Store,
    clock: Clock,
    entropy: Entropy,
}

impl Sessions {
    pub fn new(store: Store, clock: Clock, entropy: Entropy) -> Self {
        Self { store, clock, entropy }
    }

    fn fresh_secret(&self) -> String {
        b64url(&self.entropy.bytes::<16>())
    }

    /// Stores a new login session; returns its id.
    pub async fn start_login(&self, session: LoginSession) -> anyhow::Result<String> {
        let id = self.fresh_secret();
        let id_hash = sha256_hex(id.as_bytes());
        let now = self.clock.now().timestamp_millis();
        let expires = now + LOGIN_SESSION_LIFETIME.num_milliseconds();
        self.store
            .run(move |c| {
                c.execute("DELETE FROM login_sessions WHERE expires_ms <= ?1", [now])?;
                c.execute(
                    "INSERT INTO login_sessions (id_hash, username, payload, fingerprint, authentication_id,
                         device_id, push_started_ms, created_ms, expires_ms)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                    params![
                        id_hash,
                        session.username,
                        session.payload,
                        session.fingerprint,
                        session.authentication_id,
                        session.device_id,
                        session.push_started_ms,
                        now,
                        expires
                    ],
                )
            })
            .await?;
        Ok(id)
    }

    /// The session, unless unknown or expired.
    pub async fn login(&self, id: &str) -> anyhow::Result<Option<LoginSession>> {
        let id_hash = sha256_hex(id.as_bytes());
        let now = self.clock.now().timestamp_millis();
        self.store
            .read(move |c| {
                c.query_row(
                    "SELECT username, payload, fingerprint, authentication_id, device_id, push_started_ms
                     FROM login_sessions WHERE id_hash = ?1 AND expires_ms > ?2",
                    params![id_hash, now],
                    |r| {
                        Ok(LoginSession {
                            username: r.get(0)?,
                            payload: r.get(1)?,
                            fingerprint: r.get(2)?,
                            authentication_id: r.get(3)?,
                            device_id: r.get(4)?,
                            push_started_ms: r.get(5)?,
                        })
                    },
                )
                .optional()
            })
            .await
    }

    /// Replaces what the session remembers (not its user or expiry). False when it is gone.
    pub async fn update_login(&self, id: &str, session: &LoginSession) -> anyhow::Result<bool> {
        let id_hash = sha256_hex(id.as_bytes());
        let now = self.clock.now().timestamp_millis();
        let s = session.clone();
        self.store
            .run(move |c| {
                c.execute(
                    "UPDATE login_sessions SET payload = ?3, fingerprint = ?4, authentication_id = ?5,
                         device_id = ?6, push_started_ms = ?7
                     WHERE id_hash = ?1 AND expires_ms > ?2",
                    params![
                        id_hash,
                        now,
                        s.payload,
                        s.fingerprint,
                        s.authentication_id,
                        s.device_id,
                        s.push_started_ms
                    ],
                )
                .map(|n| n == 1)
            })
            .await
    }

    /// Ends a login session. True only for the one caller that ended it, so a finished login
    /// is acted on once even when polled in parallel.
    pub async fn end_login(&self, id: &str) -> anyhow::Result<bool> {
        let id_hash = sha256_hex(id.as_bytes());
        let now = self.clock.now().timestamp_millis();
        self.store
            .run(move |c| {
                c.execute("DELETE FROM login_sessions WHERE id_hash = ?1 AND expires_ms > ?2", params![id_hash, now])
                    .map(|n| n == 1)
            })
            .await
    }

    /// A new session token for a user who finished logging in.
    pub async fn issue_token(&self, username: &str) -> anyhow::Result<String> {
        let token = self.fresh_secret();
        let token_hash = sha256_hex(token.as_bytes());
        let now = self.clock.now().timestamp_millis();
        let expires = now + TOKEN_ABSOLUTE_LIFETIME.num_milliseconds();
        let idle_cutoff = now - TOKEN_IDLE_LIFETIME.num_milliseconds();
        let username = username.to_owned();
        self.store
            .run(move |c| {
                c.execute(
                    "DELETE FROM session_tokens WHERE expires_ms <= ?1 OR last_used_ms <= ?2",
                    params![now, idle_cutoff],
                )?;
                c.execute(
                    "INSERT INTO session_tokens (token_hash, username, created_ms, last_used_ms, expires_ms)
                     VALUES (?1, ?2, ?3, ?3, ?4)",
                    params![token_hash, username, now, expires],
                )
            })
            .await?;
        Ok(token)
    }

    /// The user a session token belongs to, refreshing its idle time; `None` when unknown,
    /// idle for 30 minutes or older than 12 hours.
    pub async fn token_user(&self, token: &str) -> anyhow::Result<Option<String>> {
        let token_hash = sha256_hex(token.as_bytes());
        let now = self.clock.now().timestamp_millis();
        let idle_cutoff = now - TOKEN_IDLE_LIFETIME.num_milliseconds();
        self.store
            .run(move |tx| {
                let user: Option<String> = tx
                    .query_row(
                        "SELECT username FROM session_tokens
                         WHERE token_hash = ?1 AND expires_ms > ?2 AND last_used_ms > ?3",
                        params![token_hash, now, idle_cutoff],
                        |r| r.get(0),
                    )
                    .optional()?;
                if user.is_some() {
                    tx.execute(
                        "UPDATE session_tokens SET last_used_ms = ?2 WHERE token_hash = ?1",
                        params![token_hash, now],
                    )?;
                }
                Ok(user)
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    async fn sessions() -> (tempfile::TempDir, Sessions, Clock, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&moderno_sql::testing::location(dir.path().join("c.sqlite3"))).await.unwrap();
        let clock = Clock::manual(DateTime::from_timestamp(1_700_000_000, 0).unwrap());
        (dir, Sessions::new(store.clone(), clock.clone(), Entropy::seeded(5)), clock, store)
    }

    fn alice() -> LoginSession {
        LoginSession { username: "alice".into(), authentication_id: Some("auth-1".into()), ..Default::default() }
    }

    #[tokio::test]
    async fn a_login_session_is_found_by_its_id_for_thirty_minutes() {
        let (_dir, sessions, clock, _store) = sessions().await;
        let id = sessions.start_login(alice()).await.unwrap();
        assert_eq!(b64url_len(&id), 16, "128-bit ids");
        assert_eq!(sessions.login(&id).await.unwrap(), Some(alice()));
        clock.advance(Duration::minutes(30));
        assert_eq!(sessions.login(&id).await.unwrap(), None, "expired after 30 minutes");
        assert_eq!(sessions.login("not-a-session").await.unwrap(), None);
    }

    fn b64url_len(id: &str) -> usize {
        moderno_crypto::b64url_decode(id).map_or(0, |b| b.len())
    }

    #[tokio::test]
    async fn updating_a_session_keeps_its_user_and_ending_it_succeeds_once() {
        let (_dir, sessions, _clock, _store) = sessions().await;
        let id = sessions.start_login(alice()).await.unwrap();
        let changed = LoginSession { authentication_id: Some("auth-2".into()), device_id: Some("d".into()), ..alice() };
        assert!(sessions.update_login(&id, &changed).await.unwrap());
        assert_eq!(sessions.login(&id).await.unwrap(), Some(changed));
        assert!(sessions.end_login(&id).await.unwrap());
        assert!(!sessions.end_login(&id).await.unwrap(), "a second end finds nothing");
        assert!(!sessions.update_login(&id, &alice()).await.unwrap());
    }

    #[tokio::test]
    async fn a_session_token_expires_after_thirty_idle_minutes() {
        let (_dir, sessions, clock, _store) = sessions().await;
        let token = sessions.issue_token("alice").await.unwrap();
        clock.advance(Duration::minutes(29));
        assert_eq!(sessions.token_user(&token).await.unwrap().as_deref(), Some("alice"));
        clock.advance(Duration::minutes(29));
        assert_eq!(sessions.token_user(&token).await.unwrap().as_deref(), Some("alice"), "use refreshes it");
        clock.advance(Duration::minutes(30));
        assert_eq!(sessions.token_user(&token).await.unwrap(), None);
    }

    // Retention (docs/security.md): nothing is kept past its end for QA here, so an ended login
    // session or token leaves the database when the next is written; a live one stays.
    #[tokio::test]
    async fn ended_login_sessions_and_tokens_leave_the_file_when_the_next_is_written_and_live_ones_stay() {
        let (_dir, sessions, clock, store) = sessions().await;
        let rows = || async {
            store
                .read(|c| {
                    let count =
                        |table: &str| c.query_row(&format!("SELECT COUNT(*) FROM {table}"), (), |r| r.get::<_, i64>(0));
                    Ok((count("login_sessions")?, count("session_tokens")?))
                })
                .await
                .unwrap()
        };
        let (old_login, old_token) =
            (sessions.start_login(alice()).await.unwrap(), sessions.issue_token("alice").await.unwrap());
        clock.advance(Duration::minutes(31));
        let (login, token) =
            (sessions.start_login(alice()).await.unwrap(), sessions.issue_token("alice").await.unwrap());
        assert_eq!(rows().await, (1, 1), "the ended ones are gone");
        assert_eq!(sessions.login(&old_login).await.unwrap(), None);
        assert_eq!(sessions.token_user(&old_token).await.unwrap(), None);
        assert_eq!(sessions.login(&login).await.unwrap(), Some(alice()), "the live session stays");
        assert_eq!(sessions.token_user(&token).await.unwrap().as_deref(), Some("alice"), "the live token stays");
    }

    #[tokio::test]
    async fn a_session_token_in_use_still_ends_after_twelve_hours() {
        let (_dir, sessions, clock, _store) = sessions().await;
        let token = sessions.issue_token("alice").await.unwrap();
        for _ in 0..24 {
            clock.advance(Duration::minutes(29));
            sessions.token_user(&token).await.unwrap();
        }
        clock.advance(Duration::minutes(25));
        assert_eq!(sessions.token_user(&token).await.unwrap(), None, "12 h absolute");
    }
}
