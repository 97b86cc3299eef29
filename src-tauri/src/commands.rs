//! The commands the UI invokes: each one a small, instrumented wrapper over the device crate
//! (`Device` for this device, `LoginSession` for a login). No flow rule lives here.

use std::time::Duration;

use moderno_device::{DeviceError, LoginSession};
use tauri::{AppHandle, Manager, Runtime, State};
use tauri_plugin_notification::Notification;
use tracing::{debug, instrument, warn};

use crate::device_views::{CodeRequest, DeviceStateView, IncomingRequest, OfflineCodeView, PushAnswerRequest, PushView, SelectDeviceRequest};
use crate::error::CommandError;
use crate::models::{ConnectRequest, ConnectionView, LoginRequest, LoginView, TrustChoice};
use crate::state::{Connection, Shell};

type Answer<T> = Result<T, CommandError>;

/// One step of the login in progress: lock it, run the step on the device, forget it once over.
macro_rules! login_step {
    ($shell:expr, |$session:ident, $device:ident| $step:expr) => {{
        let conn = $shell.connection().await?;
        let mut login = conn.login.lock().await;
        let $session = login.as_mut().ok_or_else(CommandError::no_login)?;
        let $device = &conn.device;
        let progress = $step.await?;
        Ok(finish(&mut login, progress.into()))
    }};
}

/// How long a TOTP code lives (RFC 6238 step).
const OTP_STEP_SECONDS: i64 = 30;
/// Longest long poll for incoming pushes.
const MAX_PUSH_WAIT_SECONDS: u32 = 25;

#[tauri::command]
#[instrument(skip_all)]
pub async fn connection(shell: State<'_, Shell>) -> Answer<ConnectionView> {
    Ok(shell.connection().await?.view())
}

#[tauri::command]
#[instrument(skip(shell))]
pub async fn connect(shell: State<'_, Shell>, request: ConnectRequest) -> Answer<ConnectionView> {
    Ok(shell.connect(request.profile.trim(), request.server_url).await?.view())
}

#[tauri::command]
#[instrument(skip(shell), fields(with_pairing_key = request.pairing_key.is_some()))]
pub async fn login(shell: State<'_, Shell>, request: LoginRequest) -> Answer<LoginView> {
    let conn = shell.connection().await?;
    let client = conn.device.moderno_client(&conn.server_url)?;
    let mut login = conn.login.lock().await;
    if let Some(mut old) = login.take() {
        let _ = old.cancel().await;
    }
    let key = request.pairing_key.as_deref().filter(|k| !k.trim().is_empty());
    let (session, progress) = LoginSession::start(client, &conn.device, &request.username, &request.password, key).await?;
    *login = Some(session);
    Ok(finish(&mut login, progress.into()))
}

#[tauri::command]
#[instrument(skip_all)]
pub async fn submit_pairing_key(shell: State<'_, Shell>, request: CodeRequest) -> Answer<LoginView> {
    login_step!(shell, |session, device| session.pairing_key(device, &request.code))
}

#[tauri::command]
#[instrument(skip(shell))]
pub async fn choose_trust_level(shell: State<'_, Shell>, request: TrustChoice) -> Answer<LoginView> {
    login_step!(shell, |session, device| session.choose(device, request.selection(), request.nickname.clone()))
}

#[tauri::command]
#[instrument(skip_all)]
pub async fn poll_push(shell: State<'_, Shell>) -> Answer<LoginView> {
    login_step!(shell, |session, device| session.poll(device))
}

#[tauri::command]
#[instrument(skip_all)]
pub async fn retry_push(shell: State<'_, Shell>) -> Answer<LoginView> {
    login_step!(shell, |session, device| session.retry(device))
}

#[tauri::command]
#[instrument(skip_all)]
pub async fn cancel_login(shell: State<'_, Shell>) -> Answer<()> {
    let conn = shell.connection().await?;
    let mut login = conn.login.lock().await;
    if let Some(mut session) = login.take() {
        session.cancel().await?;
    }
    Ok(())
}

#[tauri::command]
#[instrument(skip_all)]
pub async fn submit_otp(shell: State<'_, Shell>, request: CodeRequest) -> Answer<LoginView> {
    login_step!(shell, |session, device| session.otp(device, &request.code))
}

#[tauri::command]
#[instrument(skip(shell))]
pub async fn select_device(shell: State<'_, Shell>, request: SelectDeviceRequest) -> Answer<LoginView> {
    login_step!(shell, |session, device| session.select_device(device, &request.device_id))
}

/// Pushes waiting for this device (long poll); each new one is also a desktop notification.
#[tauri::command]
#[instrument(skip(app, shell))]
pub async fn incoming_pushes<R: Runtime>(app: AppHandle<R>, shell: State<'_, Shell>, request: IncomingRequest) -> Answer<Vec<PushView>> {
    let conn = shell.connection().await?;
    let wait = Duration::from_secs(request.wait_seconds.min(MAX_PUSH_WAIT_SECONDS).into());
    let pushes: Vec<PushView> = conn.device.pending_pushes(wait).await?.into_iter().map(PushView::from).collect();
    for push in pushes.iter().filter(|p| conn.first_sight(&p.authentication_id)) {
        announce(&app, push);
    }
    Ok(pushes)
}

#[tauri::command]
#[instrument(skip(shell))]
pub async fn answer_push(shell: State<'_, Shell>, request: PushAnswerRequest) -> Answer<()> {
    let conn = shell.connection().await?;
    Ok(conn.device.answer_push(&request.authentication_id, request.action.into()).await?)
}

#[tauri::command]
#[instrument(skip_all)]
pub async fn device_state(shell: State<'_, Shell>) -> Answer<DeviceStateView> {
    let conn = shell.connection().await?;
    if !conn.device.is_paired() {
        return Ok(DeviceStateView::unpaired(&conn.profile));
    }
    Ok(DeviceStateView::paired(&conn.profile, &conn.device.state().await?))
}

#[tauri::command]
#[instrument(skip_all)]
pub async fn offline_code(shell: State<'_, Shell>) -> Answer<OfflineCodeView> {
    let conn = shell.connection().await?;
    let code = conn.device.offline_otp().ok_or_else(|| not_paired(&conn))?;
    let seconds_left = OTP_STEP_SECONDS - conn.clock.unix().rem_euclid(OTP_STEP_SECONDS);
    Ok(OfflineCodeView { code, seconds_left: u32::try_from(seconds_left).unwrap_or(0) })
}

#[tauri::command]
#[instrument(skip_all)]
pub async fn unpair(shell: State<'_, Shell>) -> Answer<()> {
    let conn = shell.connection().await?;
    Ok(conn.device.unpair().await?)
}

/// A login that ended (signed in or refused) is forgotten.
fn finish(login: &mut Option<LoginSession>, view: LoginView) -> LoginView {
    if matches!(view, LoginView::SignedIn { .. } | LoginView::Refused { .. }) {
        *login = None;
    }
    view
}

fn not_paired(conn: &Connection) -> CommandError {
    DeviceError::NotPaired { profile: conn.profile.clone() }.into()
}

/// A native desktop notification for an incoming push, so the person sees it with the window in
/// the background. Best effort: no notification daemon (a headless test) is not an error.
fn announce<R: Runtime>(app: &AppHandle<R>, push: &PushView) {
    let Some(notification) = app.try_state::<Notification<R>>() else {
        debug!("notifications are not set up in this build");
        return;
    };
    let body = match &push.requesting_device {
        Some(device) => format!("{} — from {device}. Open Moderno to approve or deny.", push.body),
        None => format!("{} Open Moderno to approve or deny.", push.body),
    };
    if let Err(error) = notification.builder().title(&push.title).body(body).show() {
        warn!(%error, "the desktop notification could not be shown");
    }
}
