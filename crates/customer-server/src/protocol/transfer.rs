//! `transfer`: the signed-in user sends money, and the user's trusted (primary) device approves
//! it out of band, as in Ping's Moderno sample ([S-MOD] `TransferHandler`): an authentication
//! with the transfer in `clientContext` and in the push's title and body, answered once the push
//! is answered; an approving device that is offline asks for its passcode (1015), which comes
//! back in `transfer` itself (`otp`).
//!
//! Ping's sample authenticates the transfer with no mobile payload (its transfer page is a web
//! page), so the SDK server asks the trusted device. This server never forwards one: a paired
//! device's own payload would approve the transfer by itself (level MOBILE_PAYLOAD), and a
//! transfer must be approved out of band.
//!
//! Who is signed in: Ping's sample reads its web session from `sessionId` (or a cookie). Here the
//! session is a login's session token, sent either
//! - in `sessionToken` (beyond Ping, the app's way): then `sessionId`, when sent, is the
//!   `authSessionID` of the transfer to continue; or
//! - in `sessionId`, with no `sessionToken` (Ping's way): the value is looked up as a session
//!   token first, and only a live one names the user (an `authSessionID` never does, so it is
//!   answered 1000 "not signed in"). A passcode (`otp`) then continues the transfer waiting in
//!   that session, as Ping's sample keeps the authentication in its web session.
//!
//! Without a `recipient` the transfer is Ping's, between the user's own accounts, with Ping's push
//! title, body and `clientContext`; beyond Ping, a `recipient` names the payee. Each transfer is
//! recorded (table `transfers`, with the session that started it), so an approval is answered 0
//! exactly once.

use moderno_crypto::sha256_hex;
use moderno_sql::{params, OptionalExtension as _};
use moderno_wire::moderno::{MfaOutcome, ModernoRequest, ModernoResponse, Status};
use moderno_wire::sdk::{
    Authentication, AuthenticationLevel, AuthenticationReason, AuthenticationRequest, AuthenticationStatus,
    AuthenticationType, OtpRequest, SignInContext,
};

use crate::error::{verdict_for, Answer, Failure, SdkVerdict};
use crate::protocol::outcome::summary;
use crate::protocol::{non_empty, required, waiting};
use crate::sdk_client::SdkError;
use crate::state::CustomerState;

mod balance;
mod order;

pub(crate) use balance::checking_balance;

use order::{parse_cents, TransferOrder};

/// A transfer can be continued as long as the SDK server keeps its authentication.
const RECORD_LIFETIME_MS: i64 = 30 * 60 * 1000;

/// A transfer the SDK server is asked about.
#[derive(Debug, Clone)]
struct Recorded {
    order: TransferOrder,
    authentication_id: String,
    created_ms: i64,
}

pub(super) async fn transfer(state: &CustomerState, request: &ModernoRequest) -> Answer {
    // The app's bearer session; else Ping's way, the signed-in session in `sessionId`.
    let (token, pings_way) = match (non_empty(&request.session_token), non_empty(&request.session_id)) {
        (Some(token), _) => (token, false),
        (None, Some(session)) => (session, true),
        (None, None) => (required(&request.session_token, "sessionToken")?, false),
    };
    let Some(username) = state.sessions.token_user(token).await? else {
        // Ping's sample answers 1000 when there is no signed-in session.
        let text = if pings_way {
            "not signed in: the `sessionId` is no signed-in session (a transfer's `authSessionID` is continued with the `sessionToken` that started it); log in again"
        } else {
            "not signed in: the session token is unknown or expired; log in again"
        };
        return Ok(ModernoResponse::new(Status::Failed, text));
    };
    let session_hash = sha256_hex(token.as_bytes());
    let otp = non_empty(&request.otp).is_some();
    if pings_way && otp {
        // Ping's page sends the passcode with its session: the transfer waiting in it.
        let recorded = waiting_in_session(state, &username, &session_hash).await?;
        return continue_transfer(state, &username, recorded, request).await;
    }
    if !pings_way {
        if let Some(id) = non_empty(&request.session_id) {
            let recorded = recorded(state, &username, id).await?;
            return continue_transfer(state, &username, recorded, request).await;
        }
    }
    let order = TransferOrder::from_request(request)?;
    if otp {
        return Err(invalid("`otp` continues a transfer: send it with the `sessionId` of the 1015 answer").into());
    }
    start(state, &username, &session_hash, order, non_empty(&request.device_id)).await
}

async fn start(
    state: &CustomerState,
    username: &str,
    session_hash: &str,
    order: TransferOrder,
    device_id: Option<&str>,
) -> Answer {
    let request = AuthenticationRequest {
        authentication_type: AuthenticationType::Authenticate,
        payload: None,
        device_id: device_id.map(str::to_owned),
        context: SignInContext {
            push_message_title: Some(order.push_title()),
            push_message_body: Some(order.push_body()),
            client_context: Some(order.client_context()),
            ..SignInContext::default()
        },
    };
    let started = match state.sdk.start_authentication(username, &request).await {
        Ok(auth) => auth,
        Err(e) => return sdk_failure(e, &order),
    };
    tracing::info!(user = ?username, status = ?started.status, amount_cents = order.amount_cents, "transfer authentication started");
    let recorded = record(state, username, session_hash, &order, &started.id).await?;
    // Under number matching (beyond Ping) the number must be shown here before the approving
    // device can answer: answer 1012 at once; the app continues with `sessionId`.
    let auth = if started.match_number.is_some() { started } else { wait(state, username, &recorded, started).await? };
    answer(state, username, &recorded, auth).await
}

/// `transfer` continuing the transfer `recorded` (found by its `authSessionID`, or as the one
/// waiting in Ping's session): the passcode (`otp`), or waiting on for the push.
async fn continue_transfer(
    state: &CustomerState,
    username: &str,
    recorded: Option<Recorded>,
    request: &ModernoRequest,
) -> Answer {
    let Some(recorded) = recorded else {
        return Ok(ModernoResponse::new(
            Status::SessionExpired,
            "the transfer is unknown, expired or already over; start it again",
        ));
    };
    // Ping's page sends the sum again with the passcode: when given, it must be this transfer's.
    let other_sum = non_empty(&request.sum).is_some_and(|sum| parse_cents(sum) != Ok(recorded.order.amount_cents));
    let other_recipient =
        non_empty(&request.recipient).is_some_and(|r| Some(r.trim()) != recorded.order.recipient.as_deref());
    if other_sum || other_recipient {
        return Err(invalid("the `sessionId` belongs to another transfer (its amount or recipient differ)").into());
    }
    let order = &recorded.order;
    let id = recorded.authentication_id.as_str();
    let auth = match non_empty(&request.otp) {
        Some(otp) => {
            let otp = otp.trim();
            if otp.len() != 6 || !otp.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid("the field `otp` must be the 6-digit one-time passcode").into());
            }
            let submit = OtpRequest { otp: otp.to_owned(), payload: None };
            match state.sdk.submit_otp(username, id, &submit).await {
                Ok(auth) => auth,
                Err(e) if e.is_not_in_state() => {
                    let text = "the transfer is not waiting for a one-time passcode";
                    return Ok(ModernoResponse::new(Status::NotInOfflineMode, text));
                }
                Err(e) => return sdk_failure(e, order),
            }
        }
        None => match state.sdk.get_authentication(username, id).await {
            Ok(auth) => wait(state, username, &recorded, auth).await?,
            Err(e) => return sdk_failure(e, order),
        },
    };
    answer(state, username, &recorded, auth).await
}

/// Polls the authentication while its push waits, as Ping's sample does once a second
/// ([S-HELP] `pollPingIDSdkUntilFinalStatus`), within the push's lifetime.
async fn wait(
    state: &CustomerState,
    username: &str,
    recorded: &Recorded,
    auth: Authentication,
) -> Result<Authentication, Failure> {
    let elapsed_ms = state.clock.now().timestamp_millis() - recorded.created_ms;
    let left_ms = (state.config.push_lifetime_secs() + 1).saturating_mul(1000) - elapsed_ms;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_millis(left_ms.max(0).unsigned_abs());
    match waiting::while_in_progress(state, username, auth, deadline).await {
        Ok(auth) => Ok(auth),
        Err(e) => sdk_failure(e, &recorded.order),
    }
}

/// The SDK server's answer mapped as Ping's sample maps it ([S-MOD] `PingIdAuthenticationUtils`).
async fn answer(state: &CustomerState, username: &str, recorded: &Recorded, auth: Authentication) -> Answer {
    use AuthenticationStatus as A;
    let order = &recorded.order;
    let waiting = |status: Status, text: &str| {
        let mut answer = ModernoResponse::new(status, text);
        answer.session_id = Some(auth.id.clone());
        answer.is_ping_id_authenticated = Some(false);
        answer.current_authenticating_device_data = auth.device.as_ref().map(summary);
        answer
    };
    let answer = match auth.status {
        A::Approved => {
            if !finish(state, username, &auth.id, "approved").await? {
                return Ok(ModernoResponse::new(Status::SessionExpired, "the transfer is already over"));
            }
            tracing::info!(user = ?username, amount_cents = order.amount_cents, recipient = ?order.recipient, level = ?auth.level, "transfer approved");
            let mut answer = ModernoResponse::new(Status::Ok, format!("transfer approved: {}", order.described()));
            // `sum` is the checking balance in Ping's answers (its transfer answer carries none):
            // the balance after the transfer.
            answer.sum = Some(checking_balance(state, username).await?);
            answer.is_ping_id_authenticated = Some(true);
            answer.mfa = Some(match auth.level {
                AuthenticationLevel::Otp => MfaOutcome::OfflineOtp,
                _ => MfaOutcome::PushApproved,
            });
            answer.current_authenticating_device_data = auth.device.as_ref().map(summary);
            answer.ping_id_payload.clone_from(&auth.payload);
            return Ok(answer);
        }
        A::InProgress => {
            let mut answer =
                waiting(Status::InProgress, "waiting for the transfer to be approved on your trusted device");
            let elapsed_ms = state.clock.now().timestamp_millis() - recorded.created_ms;
            let left = state.config.push_lifetime_secs() - elapsed_ms.div_euclid(1000);
            answer.push_expires_in = Some(u32::try_from(left).unwrap_or(0));
            answer.match_number = auth.match_number;
            return Ok(answer);
        }
        A::Otp | A::InvalidOtp => {
            let mut answer = if auth.status == A::Otp {
                waiting(
                    Status::OtpRequired,
                    "the approving device is offline: type its one-time passcode to approve the transfer",
                )
            } else {
                waiting(Status::InvalidOtp, "wrong one-time passcode")
            };
            answer.otp_attempts_left = auth.otp_attempts_left;
            return Ok(answer);
        }
        A::Timeout => {
            let text = "the approval timed out: type a one-time passcode from your approving device, or start the transfer again";
            return Ok(waiting(Status::TimedOut, text));
        }
        A::SelectDevice => {
            let mut answer = ModernoResponse::new(
                Status::SelectDevice,
                "choose the device that should approve the transfer, and send it again with `deviceId`",
            );
            answer.devices = Some(crate::protocol::auth_user::devices_to_choose(state, username).await?);
            answer
        }
        A::Rejected if auth.reason == Some(AuthenticationReason::WrongNumber) => ModernoResponse::new(
            Status::Denied,
            "the approving device picked a number other than the one shown here, so the transfer was refused",
        ),
        A::Rejected => ModernoResponse::new(Status::Denied, "the transfer was denied on the approving device"),
        A::OtpIsBlocked => ModernoResponse::new(Status::Denied, "one-time passcodes are blocked for this transfer"),
        A::Locked => ModernoResponse::new(
            Status::Blocked,
            "too many wrong one-time passcodes: passcodes are locked for this user for a while",
        ),
        A::BypassedDevice => ModernoResponse::new(
            Status::BypassedDevice,
            "MFA is bypassed for this user: no device approved the transfer, so it was not made",
        ),
        A::Canceled | A::IgnoredDevice => ModernoResponse::new(Status::Failed, "the transfer's approval was canceled"),
    };
    finish(state, username, &auth.id, "refused").await?;
    tracing::info!(user = ?username, status = ?auth.status, reason = ?auth.reason, "transfer refused");
    Ok(answer)
}

/// An SDK server refusal in the transfer's terms. Application disabled at PingID: Ping's sample
/// lets the transfer through without MFA (status 0), and so does this server.
fn sdk_failure<T>(error: SdkError, order: &TransferOrder) -> Result<T, Failure> {
    if verdict_for(&error) == SdkVerdict::ApplicationDisabled {
        tracing::info!(
            amount_cents = order.amount_cents,
            "transfer made without MFA: the application is disabled at PingID"
        );
        let text = format!(
            "transfer made without approval: {} (MFA is disabled for the application at PingID)",
            order.described()
        );
        let mut answer = ModernoResponse::new(Status::Ok, text);
        answer.sum = Some(order.formatted());
        answer.mfa = Some(MfaOutcome::SkippedApplicationDisabled);
        return Err(answer.into());
    }
    // No username: an SDK refusal must never turn into a login (see `answer_failure`).
    Err(Failure::Sdk { error: Box::new(error), username: None })
}

/// 1020 with the problem.
pub(super) fn invalid(text: &str) -> ModernoResponse {
    ModernoResponse::new(Status::InvalidInput, text)
}

async fn record(
    state: &CustomerState,
    username: &str,
    session_hash: &str,
    order: &TransferOrder,
    authentication_id: &str,
) -> Result<Recorded, Failure> {
    let now = state.clock.now().timestamp_millis();
    let recorded = Recorded { order: order.clone(), authentication_id: authentication_id.to_owned(), created_ms: now };
    let (user, session, r) = (username.to_owned(), session_hash.to_owned(), recorded.clone());
    state
        .store
        .run(move |c| {
            c.execute("DELETE FROM transfers WHERE expires_ms <= ?1", [now])?;
            let recipient = r.order.recipient.as_deref().unwrap_or_default();
            c.execute(
                "INSERT INTO transfers (authentication_id, username, amount_cents, recipient, status, created_ms, expires_ms, session_hash, seq)
                 VALUES (?1, ?2, ?3, ?4, 'waiting', ?5, ?6, ?7, (SELECT COALESCE(MAX(seq), 0) + 1 FROM transfers))",
                params![r.authentication_id, user, cents_column(r.order.amount_cents), recipient, now, now + RECORD_LIFETIME_MS, session],
            )
        })
        .await?;
    Ok(recorded)
}

/// The last transfer still waiting that the user started in this session (Ping's sample keeps
/// one in its web session).
async fn waiting_in_session(
    state: &CustomerState,
    username: &str,
    session_hash: &str,
) -> Result<Option<Recorded>, Failure> {
    let now = state.clock.now().timestamp_millis();
    let (user, session) = (username.to_owned(), session_hash.to_owned());
    let found = state
        .store
        .read(move |c| {
            c.query_row(
                "SELECT authentication_id FROM transfers
                 WHERE username = ?1 AND session_hash = ?2 AND status = 'waiting' AND expires_ms > ?3
                 ORDER BY created_ms DESC, seq DESC LIMIT 1",
                params![user, session, now],
                |r| r.get::<_, String>(0),
            )
            .optional()
        })
        .await?;
    match found {
        Some(id) => recorded(state, username, &id).await,
        None => Ok(None),
    }
}

/// The user's transfer still waiting under this authentication.
async fn recorded(state: &CustomerState, username: &str, authentication_id: &str) -> Result<Option<Recorded>, Failure> {
    let now = state.clock.now().timestamp_millis();
    let (user, id) = (username.to_owned(), authentication_id.to_owned());
    let found = state
        .store
        .read(move |c| {
            c.query_row(
                "SELECT amount_cents, recipient, created_ms FROM transfers
                 WHERE authentication_id = ?1 AND username = ?2 AND status = 'waiting' AND expires_ms > ?3",
                params![id, user, now],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?)),
            )
            .optional()
        })
        .await?;
    Ok(found.map(|(amount_cents, recipient, created_ms)| Recorded {
        order: TransferOrder {
            amount_cents: amount_cents.unsigned_abs(),
            recipient: Some(recipient).filter(|r| !r.is_empty()),
        },
        authentication_id: authentication_id.to_owned(),
        created_ms,
    }))
}

/// Amounts are at most 100,000.00 (10^7 cents): they fit a 64-bit integer column.
fn cents_column(cents: u64) -> i64 {
    i64::try_from(cents).unwrap_or(i64::MAX)
}

/// Ends a waiting transfer; true only for the one caller that ended it.
async fn finish(
    state: &CustomerState,
    username: &str,
    authentication_id: &str,
    status: &'static str,
) -> Result<bool, Failure> {
    let (user, id) = (username.to_owned(), authentication_id.to_owned());
    let ended = state
        .store
        .run(move |c| {
            c.execute(
                "UPDATE transfers SET status = ?3 WHERE authentication_id = ?1 AND username = ?2 AND status = 'waiting'",
                params![id, user, status],
            )
            .map(|n| n == 1)
        })
        .await?;
    Ok(ended)
}
