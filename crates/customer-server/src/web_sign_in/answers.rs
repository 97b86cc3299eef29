//! What the web sign-in answers: the page for each state of the authentication, the signed-in
//! page (where a sign-in ends, once), and the pages for trouble.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use moderno_wire::sdk::{
    Authentication, AuthenticationLevel, AuthenticationReason as Reason, AuthenticationStatus as Auth, DetailCode,
};

use super::flow::{self, Pending, Trouble};
use super::pages::{self, Approval};
use crate::error::{verdict_for, SdkVerdict};
use crate::state::CustomerState;
use crate::web::{self, page, Message, Note};

pub(super) async fn read(state: &CustomerState, pending: &Pending) -> Result<Authentication, Trouble> {
    Ok(state.sdk.get_authentication(&pending.username, &pending.authentication_id).await?)
}

/// The page for the authentication's state; `note` goes on a page with a form (400 then).
pub(super) async fn show(
    state: &CustomerState,
    pending: &Pending,
    auth: Authentication,
    note: Option<Note<'_>>,
) -> Response {
    let device = flow::device_label(auth.device.as_ref());
    let status = if note.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    match (auth.status, auth.reason) {
        (Auth::InProgress, _) => {
            let seconds_left = flow::seconds_left(state, pending);
            let waiting = pages::Waiting {
                username: &pending.username,
                device: &device,
                match_number: auth.match_number,
                seconds_left,
            };
            web::chrome::polling_page(StatusCode::OK, &waiting)
        }
        (Auth::Otp | Auth::InvalidOtp, _) => {
            page(status, &pages::Offline::new(&device, auth.otp_attempts_left, auth.status == Auth::InvalidOtp, note))
        }
        (Auth::Timeout, _) => page(status, &pages::TimedOut { device: &device, note }),
        (Auth::SelectDevice, _) => match state.sdk.get_user(&pending.username, true).await {
            // Ping's sample reads the devices with GET user?expand=devices.
            Ok(user) => page(status, &pages::ChooseDevice::new(user.devices.as_deref().unwrap_or_default(), note)),
            Err(e) => Box::pin(trouble(state, Some(pending), &pending.username, e.into())).await,
        },
        (Auth::Approved, _) => {
            let approval = if auth.level == AuthenticationLevel::Otp {
                Approval::Passcode(&device)
            } else {
                Approval::Push(&device)
            };
            signed_in(state, Some(pending), &pending.username, &approval).await
        }
        (Auth::BypassedDevice, _) => signed_in(state, Some(pending), &pending.username, &Approval::Bypassed).await,
        (Auth::Rejected, Some(Reason::DeniedByUser)) => {
            let text = format!("The sign-in was denied on {device}. If it was not you, change your password.");
            end(state, pending, StatusCode::FORBIDDEN, "Sign-in denied", &text).await
        }
        (Auth::Rejected, Some(Reason::WrongNumber)) => {
            let text = format!("{device} picked a number other than the one this page showed, so the sign-in was refused. If it was you, sign in again and pick the number shown here.");
            end(state, pending, StatusCode::FORBIDDEN, "Sign-in refused", &text).await
        }
        (Auth::Rejected, Some(Reason::BlockedByUser | Reason::DeviceBlocked)) => {
            end(state, pending, StatusCode::FORBIDDEN, "Sign-in blocked", "The sign-in was blocked on your device.")
                .await
        }
        (Auth::OtpIsBlocked | Auth::Locked, _) => {
            let text = "Too many wrong offline passcodes: passcodes are locked for your account for a while.";
            end(state, pending, StatusCode::FORBIDDEN, "Passcodes locked", text).await
        }
        (Auth::Canceled, _) => {
            end(state, pending, StatusCode::OK, "Sign-in canceled", "This sign-in was canceled.").await
        }
        _ => end(state, pending, StatusCode::FORBIDDEN, "Sign-in refused", "PingID refused this sign-in.").await,
    }
}

/// The current page again, with `note` (bad input: 400, nothing changed).
pub(super) async fn reshow(state: &CustomerState, pending: &Pending, note: Note<'_>) -> Response {
    match read(state, pending).await {
        Ok(auth) => show(state, pending, auth, Some(note)).await,
        Err(e) => trouble(state, Some(pending), &pending.username, e).await,
    }
}

/// The signed-in page, with its session cookie; the waiting sign-in (if any) ends here, once.
pub(super) async fn signed_in(
    state: &CustomerState,
    pending: Option<&Pending>,
    username: &str,
    approval: &Approval<'_>,
) -> Response {
    let token = match flow::finish(state, pending.map(|p| p.id.as_str()), username).await {
        Ok(Some(token)) => token,
        Ok(None) => return ended_session(),
        Err(e) => return internal(&e),
    };
    let mut jar = CookieJar::new().add(flow::signed_in_cookie(state, token));
    if pending.is_some() {
        jar = jar.add(flow::pending_cookie_removed(state));
    }
    (jar, page(StatusCode::OK, &pages::SignedIn::new(username, approval))).into_response()
}

/// Ends the waiting sign-in without signing in: a page saying why.
pub(super) async fn end(
    state: &CustomerState,
    pending: &Pending,
    code: StatusCode,
    title: &str,
    text: &str,
) -> Response {
    if let Err(e) = flow::abandon(state, pending).await {
        return internal(&e);
    }
    tracing::info!(user = ?pending.username, outcome = title, "web sign-in ended");
    let jar = CookieJar::new().add(flow::pending_cookie_removed(state));
    (jar, page(code, &Message::sign_in_again(title, text))).into_response()
}

/// No sign-in is waiting: the signed-in page if this browser signed in, else the form.
pub(super) async fn nothing_waiting(state: &CustomerState, jar: &CookieJar) -> Response {
    match flow::signed_in_user(state, jar).await {
        Ok(Some(username)) => page(StatusCode::OK, &pages::SignedIn::new(&username, &Approval::Earlier)),
        Ok(None) => {
            let note = Note::info("No sign-in is waiting here: it ended or expired. Sign in below.");
            with_pending_cookie_removed(state, form(StatusCode::OK, note))
        }
        Err(e) => internal(&e),
    }
}

/// A button of a sign-in that is no longer waiting (unknown, expired or ended cookie).
pub(super) fn ended_session() -> Response {
    form(StatusCode::UNAUTHORIZED, Note::error("This sign-in has ended or expired. Sign in again."))
}

/// The sign-in form with a note above it.
pub(super) fn form(status: StatusCode, note: Note<'_>) -> Response {
    page(status, &pages::Form { note: Some(note) })
}

/// `response`, and the waiting sign-in's cookie deleted.
pub(super) fn with_pending_cookie_removed(state: &CustomerState, response: Response) -> Response {
    (CookieJar::new().add(flow::pending_cookie_removed(state)), response).into_response()
}

pub(super) fn suspended() -> Response {
    let text = "Your account is suspended for multi-factor authentication. Please contact support.";
    page(StatusCode::FORBIDDEN, &Message::sign_in_again("Account suspended", text))
}

pub(super) fn to_wait() -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    headers.insert(header::LOCATION, HeaderValue::from_static("/sign-in/wait"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A fault of this server on the sign-in form (a busy database's 503, else 500), logged once.
pub(super) fn internal(e: &anyhow::Error) -> Response {
    web::fault(e).shown(form)
}

/// What the SDK server's answer means for the page. `pending` is the waiting sign-in, if the
/// trouble came while one waited: it ends when PingID no longer knows its authentication.
pub(super) async fn trouble(
    state: &CustomerState,
    pending: Option<&Pending>,
    username: &str,
    trouble: Trouble,
) -> Response {
    let error = match trouble {
        Trouble::Internal(e) => return internal(&e),
        Trouble::Sdk(error) => error,
    };
    let refused = |code, text: &str| form(code, Note::error(text));
    if let (Some(pending), true) = (pending, error.is_not_found()) {
        let text = "This sign-in has expired. Sign in again.";
        return end(state, pending, StatusCode::OK, "Sign-in expired", text).await;
    }
    if error.has_detail(DetailCode::UserDisabled) {
        return suspended();
    }
    match verdict_for(&error) {
        // Ping's sample lets the user in when MFA is off for the application ([S-API]
        // `isApplicationDisabled`), as the protocol does.
        SdkVerdict::ApplicationDisabled => signed_in(state, pending, username, &Approval::MfaOff).await,
        SdkVerdict::Refused(_, text) if error.has_detail(DetailCode::RetryLimitExceeded) => {
            tracing::info!(user = ?username, "web sign-in refused: too many pushes");
            refused(
                StatusCode::TOO_MANY_REQUESTS,
                &format!("Too many sign-in requests were sent to your device: {text}."),
            )
        }
        SdkVerdict::Refused(_, text) => {
            tracing::info!(sdk_status = error.status(), detail = ?error.detail(), "the SDK server refused a web sign-in");
            refused(StatusCode::BAD_REQUEST, &format!("PingID refused the sign-in: {text}."))
        }
        SdkVerdict::DeviceIgnored | SdkVerdict::Unreachable => {
            tracing::warn!(error = %error, "the SDK server did not answer properly");
            if pending.is_some() {
                // The sign-in still waits: the page can ask again.
                return page(StatusCode::SERVICE_UNAVAILABLE, &pages::Unreachable);
            }
            refused(
                StatusCode::SERVICE_UNAVAILABLE,
                "The PingID service is not available right now. Please try again in a moment.",
            )
        }
    }
}
