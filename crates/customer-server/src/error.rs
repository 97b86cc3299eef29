//! Why an operation did not end the normal way, and what the app is told.
//!
//! SDK server errors are mapped to Moderno status codes here, in one place; anything unexpected
//! becomes 1000 and is logged once, without secrets.

use moderno_wire::moderno::{ModernoResponse, Status};
use moderno_wire::sdk::{DetailCode, ErrorCode};

use crate::sdk_client::SdkError;

pub(crate) const SDK_UNREACHABLE: &str = "the PingID SDK server could not be reached";

/// An operation's result: an answer, or a failure still to be turned into one.
pub(crate) type Answer = Result<ModernoResponse, Failure>;

#[derive(Debug)]
pub(crate) enum Failure {
    /// A complete answer decided early (missing field, wrong password, unknown session...).
    Answer(Box<ModernoResponse>),
    /// The SDK server said no; `username` is known once the first factor passed.
    Sdk { error: Box<SdkError>, username: Option<String> },
    /// A fault of this server (database, task): 1000, logged.
    Internal(anyhow::Error),
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Self::Internal(e)
    }
}

impl From<ModernoResponse> for Failure {
    fn from(r: ModernoResponse) -> Self {
        Self::Answer(Box::new(r))
    }
}

/// Ties an SDK error to the user it concerns (so APPLICATION_DISABLED can let them in).
pub(crate) trait ForUser<T> {
    fn for_user(self, username: &str) -> Result<T, Failure>;
}

impl<T> ForUser<T> for Result<T, SdkError> {
    fn for_user(self, username: &str) -> Result<T, Failure> {
        self.map_err(|error| Failure::Sdk { error: Box::new(error), username: Some(username.to_owned()) })
    }
}

/// What an SDK error means for the login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SdkVerdict {
    /// MFA is off for the application: the login goes through.
    ApplicationDisabled,
    /// The device is ignored for now: the login goes through without MFA.
    DeviceIgnored,
    /// A plain refusal.
    Refused(Status, String),
    /// The SDK server did not answer properly: unreachable, a bad signature, an odd answer, or a
    /// fault of its own (5xx: its database busy, a bug) — not a refusal, so worth trying again.
    Unreachable,
}

/// The one answer for a pairing key that does not serve this user: unknown, used, expired, bound
/// to someone else or garbled all read the same (the customer server's check in
/// [`crate::pairing_keys`] and the SDK server's redemption alike).
pub(crate) const INVALID_PAIRING_KEY: &str = "the pairing key is wrong, used or expired";

/// Maps an SDK server error to what the app should hear. The SDK server speaks Ping's vocabulary
/// ([S-MODEL] `ErrorCode.java`, `InternalErrorCode.java`): the detail code and the field it names
/// (`target`) say what happened; the top-level code tells a bad value (`INVALID_DATA`) from a
/// refusal (`REQUEST_FAILED`).
pub(crate) fn verdict_for(error: &SdkError) -> SdkVerdict {
    let Some(body) = error.body() else {
        return SdkVerdict::Unreachable;
    };
    if error.status().is_some_and(|status| status >= 500) {
        // Ping's 5xx is `UNEXPECTED_ERROR` ([S-MODEL] `ErrorCode.java`): the server's own fault,
        // 503 while its database does not answer in time (docs/operations.md). It refused
        // nothing: the user hears "try again", not "PingID refused".
        return SdkVerdict::Unreachable;
    }
    let refused = |status: Status, text: &str| SdkVerdict::Refused(status, text.to_owned());
    let detail = |code| error.has_detail(code);
    let on = |code, target| error.has_detail_on(code, target);
    let refusal = body.code == ErrorCode::RequestFailed;
    if detail(DetailCode::RetryLimitExceeded) {
        // The SDK server's own words say which limit (wrong pairing keys, pushes per user) and
        // until when; they carry no secret.
        return refused(Status::TooManyAttempts, &format!("too many attempts: {}", body.message));
    }
    if detail(DetailCode::ApplicationDisabled) {
        SdkVerdict::ApplicationDisabled
    } else if detail(DetailCode::DeviceIgnored) {
        SdkVerdict::DeviceIgnored
    } else if on(DetailCode::RequiredValue, "pairingKey") {
        refused(Status::PairingKeyRequired, "a pairing key is required to pair the first device")
    } else if on(DetailCode::InvalidValue, "pairingKey") {
        refused(Status::InvalidPairingKey, INVALID_PAIRING_KEY)
    } else if detail(DetailCode::DeviceBlocked) {
        refused(Status::Blocked, "this device is blocked for this user")
    } else if refusal && on(DetailCode::InvalidValue, "payload") {
        // A payload that opens but is refused: the device says it is rooted.
        refused(Status::Rooted, "this device is rooted or jailbroken")
    } else if on(DetailCode::SizeLimitExceeded, "devices") {
        refused(Status::DeviceLimitReached, "the user already has the maximum number of devices")
    } else if detail(DetailCode::UserDisabled) {
        refused(Status::Failed, "the user is suspended")
    } else if on(DetailCode::InvalidValue, "payload") || on(DetailCode::RequiredValue, "payload") {
        refused(
            Status::InvalidInput,
            "the device payload was refused (malformed, stale or replayed): send a fresh pingIdPayload",
        )
    } else if detail(DetailCode::InvalidUserStatus) {
        refused(Status::UserNotActive, "the user has no paired device")
    } else {
        refused(Status::Failed, &format!("the PingID SDK server refused the request ({})", code_name(error)))
    }
}

fn code_name(error: &SdkError) -> String {
    let code = error
        .detail()
        .map(|d| serde_json::to_value(d).ok())
        .or_else(|| error.body().map(|b| serde_json::to_value(b.code).ok()));
    code.flatten().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// A 1020 answer naming the missing field.
pub(crate) fn missing_field(name: &str) -> Failure {
    ModernoResponse::new(Status::InvalidInput, format!("the field `{name}` is required")).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use moderno_wire::sdk::{ErrorBody, ErrorDetail};

    fn api_error(status: u16, code: ErrorCode, detail: Option<(DetailCode, Option<&str>)>) -> SdkError {
        SdkError::Api {
            status,
            body: ErrorBody {
                id: "e".into(),
                code,
                message: "m".into(),
                target: detail.and_then(|(_, target)| target.map(str::to_owned)),
                inner_error: None,
                details: detail
                    .map(|(code, target)| ErrorDetail { code, message: "d".into(), target: target.map(str::to_owned) })
                    .into_iter()
                    .collect(),
            },
        }
    }

    fn status_for(code: ErrorCode, detail: DetailCode, target: Option<&str>) -> Option<Status> {
        match verdict_for(&api_error(400, code, Some((detail, target)))) {
            SdkVerdict::Refused(status, _) => Some(status),
            _ => None,
        }
    }

    /// The SDK server's refusals in Ping's words (docs/api/pingid-sdk-server.md, "Errors") still
    /// give every Moderno status they gave before.
    #[test]
    fn pairing_refusals_map_to_their_moderno_status_codes() {
        use DetailCode as D;
        use ErrorCode::{InvalidData, RequestFailed};
        assert_eq!(status_for(InvalidData, D::RequiredValue, Some("pairingKey")), Some(Status::PairingKeyRequired));
        assert_eq!(status_for(InvalidData, D::InvalidValue, Some("pairingKey")), Some(Status::InvalidPairingKey));
        assert_eq!(status_for(RequestFailed, D::DeviceBlocked, None), Some(Status::Blocked));
        assert_eq!(status_for(RequestFailed, D::InvalidValue, Some("payload")), Some(Status::Rooted));
        assert_eq!(status_for(RequestFailed, D::SizeLimitExceeded, Some("devices")), Some(Status::DeviceLimitReached));
        assert_eq!(status_for(RequestFailed, D::UserDisabled, None), Some(Status::Failed));
        assert_eq!(status_for(InvalidData, D::InvalidValue, Some("payload")), Some(Status::InvalidInput));
        assert_eq!(status_for(InvalidData, D::RequiredValue, Some("payload")), Some(Status::InvalidInput));
        assert_eq!(status_for(RequestFailed, D::InvalidUserStatus, None), Some(Status::UserNotActive));
        assert_eq!(status_for(RequestFailed, D::DeviceMustBeTrusted, None), Some(Status::Failed));
    }

    /// [S-API] `isApplicationDisabled`: 400 with target `application` and detail
    /// APPLICATION_DISABLED lets the login through; an ignored device too.
    #[test]
    fn application_disabled_and_ignored_devices_let_the_login_through() {
        let disabled =
            api_error(400, ErrorCode::RequestFailed, Some((DetailCode::ApplicationDisabled, Some("application"))));
        assert_eq!(verdict_for(&disabled), SdkVerdict::ApplicationDisabled);
        let ignored = api_error(400, ErrorCode::RequestFailed, Some((DetailCode::DeviceIgnored, None)));
        assert_eq!(verdict_for(&ignored), SdkVerdict::DeviceIgnored);
    }

    /// [S-MODEL] `InternalErrorCode.java` RETRY_LIMIT_EXCEEDED, under Ping's 400 `REQUEST_FAILED`.
    #[test]
    fn rate_limits_answer_too_many_attempts_in_the_sdk_servers_words() {
        let mut limited = api_error(400, ErrorCode::RequestFailed, Some((DetailCode::RetryLimitExceeded, None)));
        let message = "too many push requests for this user (5 in 10 minutes): try again after 2027-01-15T08:15:00Z";
        if let SdkError::Api { body, .. } = &mut limited {
            body.message = message.into();
        }
        let SdkVerdict::Refused(status, text) = verdict_for(&limited) else {
            panic!("a rate limit is a refusal");
        };
        assert_eq!(status, Status::TooManyAttempts);
        assert_eq!(text, format!("too many attempts: {message}"));
    }

    #[test]
    fn transport_and_signature_failures_read_as_unreachable() {
        assert_eq!(verdict_for(&SdkError::Transport("refused".into())), SdkVerdict::Unreachable);
        let bad = SdkError::Signature(moderno_crypto::pingid_hmac::SignatureError::BadSignature);
        assert_eq!(verdict_for(&bad), SdkVerdict::Unreachable);
        assert_eq!(verdict_for(&SdkError::Unexpected("x".into())), SdkVerdict::Unreachable);
    }

    /// A busy SDK server (503, its database did not answer in time) or one whose request failed
    /// on its side (500) refused nothing: "try again", whatever its body says.
    #[test]
    fn the_sdk_servers_own_faults_read_as_unreachable_not_as_refusals() {
        for status in [500, 503] {
            assert_eq!(verdict_for(&api_error(status, ErrorCode::UnexpectedError, None)), SdkVerdict::Unreachable);
            let with_detail =
                api_error(status, ErrorCode::RequestFailed, Some((DetailCode::InvalidValue, Some("payload"))));
            assert_eq!(verdict_for(&with_detail), SdkVerdict::Unreachable, "{status}");
        }
        assert!(matches!(verdict_for(&api_error(400, ErrorCode::UnexpectedError, None)), SdkVerdict::Refused(..)));
    }

    #[test]
    fn an_unexpected_refusal_names_the_sdk_code() {
        match verdict_for(&api_error(400, ErrorCode::RequestFailed, Some((DetailCode::ResourceInUse, None)))) {
            SdkVerdict::Refused(Status::Failed, text) => assert!(text.contains("RESOURCE_IN_USE"), "{text}"),
            other => panic!("expected a 1000 refusal, got {other:?}"),
        }
    }

    /// Not in this state: `REQUEST_FAILED` + `INVALID_VALUE` on `status` (offline.rs answers 1021).
    #[test]
    fn not_in_state_is_read_from_pings_codes() {
        let over = api_error(400, ErrorCode::RequestFailed, Some((DetailCode::InvalidValue, Some("status"))));
        assert!(over.is_not_in_state());
        let bad_otp = api_error(400, ErrorCode::InvalidData, Some((DetailCode::InvalidValue, Some("otp"))));
        assert!(!bad_otp.is_not_in_state());
    }
}
