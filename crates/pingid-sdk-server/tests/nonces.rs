//! What the server remembers to refuse replays goes once its purpose ends (issue 14, "a server
//! that can run for months"), on the server's clock (SQLite, or PostgreSQL with
//! MODERNO_TEST_STORE=postgres): a PINGID-HMAC request id and a device signature's nonce after
//! the 5 minutes their signatures are accepted, a mobile payload's nonce after the 30-minute
//! session of the login it started ([D-SET] "Authentication session lifetime"). Each claim
//! deletes what ended, so a device's poll is enough to purge.

mod common;

use chrono::Duration;
use common::{advance, Server, TestDevice};
use moderno_wire::sdk::{Authentication, AuthenticationStatus, DetailCode, ErrorCode};
use reqwest::StatusCode;
use serde_json::json;

const MINUTE_MS: i64 = 60_000;

/// Rows of `kind` ending at `expires`, or at any time up to it with `or_before`.
fn rows(server: &Server, kind: &str, expires: i64, or_before: bool) -> i64 {
    let compare = if or_before { "<=" } else { "=" };
    server.count(&format!("SELECT COUNT(*) FROM seen_nonces WHERE kind = '{kind}' AND expires {compare} {expires}"))
}

/// A sign-in with `payload` refused as an invalid payload, with this reason.
async fn refused(server: &Server, payload: &str, reason: &str) {
    let reply = server.start_authentication("alice", payload, json!({})).await;
    reply.refused_on(ErrorCode::InvalidData, DetailCode::InvalidValue, "payload");
    assert!(reply.text().contains(reason), "expected {reason:?}: {}", reply.text());
}

#[tokio::test]
async fn each_kind_of_nonce_is_kept_for_its_window_and_deleted_when_the_window_ends() {
    let server = Server::start().await;
    let phone = TestDevice::new(1);
    server.user_with_primary("alice", &phone).await;
    let t0 = server.clock.now().timestamp_millis();
    let payload = phone.payload(&server.clock);
    let started = server.start_authentication("alice", &payload, json!({})).await;
    let auth: Authentication = started.expect(StatusCode::CREATED).json();
    assert_eq!(auth.status, AuthenticationStatus::Approved, "the payload's first use signs in");
    phone.poll(&server).await;

    let (signature_end, session_end) = (t0 + 5 * MINUTE_MS, t0 + 30 * MINUTE_MS);
    assert!(rows(&server, "request-id", signature_end, false) >= 1, "request ids end with their signature");
    assert!(rows(&server, "device-signature", signature_end, false) >= 1, "device nonces end with their window");
    assert_eq!(rows(&server, "mobile-payload", session_end, false), 2, "the pairing's payload and the sign-in's");
    let outliving = server.count(&format!("SELECT COUNT(*) FROM seen_nonces WHERE expires > {session_end}"));
    assert_eq!(outliving, 0, "nothing outlives the login's session");

    // A second before the signatures' windows end, a poll purges nothing of theirs …
    advance(&server, Duration::minutes(5) - Duration::seconds(1));
    phone.poll(&server).await;
    assert!(rows(&server, "request-id", signature_end, true) >= 1);
    assert!(rows(&server, "device-signature", signature_end, true) >= 1);
    // … at their end it does; the payload's nonce stays.
    advance(&server, Duration::seconds(1));
    phone.poll(&server).await;
    assert_eq!(rows(&server, "request-id", signature_end, true), 0, "request ids gone at their end");
    assert_eq!(rows(&server, "device-signature", signature_end, true), 0, "device nonces gone at their end");
    assert_eq!(rows(&server, "mobile-payload", session_end, true), 2);

    // Within the session the payload is known: refused as used, not as stale.
    advance(&server, Duration::minutes(25) - Duration::seconds(1));
    refused(&server, &payload, "already used").await;
    assert_eq!(rows(&server, "mobile-payload", session_end, true), 2, "kept to the session's end");
    // At the session's end it goes, and the payload stays refused: it is no longer fresh.
    advance(&server, Duration::seconds(1));
    phone.poll(&server).await;
    let left = server.count(&format!("SELECT COUNT(*) FROM seen_nonces WHERE expires <= {session_end}"));
    assert_eq!(left, 0, "every nonce of the first half hour is gone");
    refused(&server, &payload, "more than 5 minutes").await;
    let authentications = server.count("SELECT COUNT(*) FROM authentications");
    assert_eq!(authentications, 1, "the refused replays left no authentication");
}
