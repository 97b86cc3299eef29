//! The commands the UI invokes: each one a small, instrumented wrapper over the device crate
//! (`Backend` for this device at the connection's backend, `Login` for a sign-in on it). No flow
//! rule and no choice of backend lives here.

use std::time::Duration;

use moderno_device::transfer::parse_amount;
use moderno_device::{DeviceError, Login, OfflinePasscode, Progress, PushResult, TransferOrder, TransferSession};
use moderno_wire::device_api::ManageDevice;
use tauri::{AppHandle, Manager, Runtime, State};
use tauri_plugin_notification::Notification;
use tracing::{debug, instrument, warn};

use crate::demo_outbox::{self, MessageView};
use crate::device_views::{
    CodeRequest, DeviceStateView, HopsRequest, IncomingRequest, ManageDeviceRequest, NoticeView, OfflineCodeView,
    OtpRequest, PairRequest, PushAnswerRequest, PushAnsweredView, PushView, SelectDeviceRequest,
};
use crate::error::{CommandError, ShellCode};
use crate::inspector_panel::{self, ExportView, HopsView};
use crate::models::{ConnectRequest, ConnectionView, LoginRequest, LoginView, TrustChoice};
use crate::qa_panel::{self, QaChange, QaStateView};
use crate::scenario_panel::{self, ScenarioRequest, ScenarioRunView, ScenarioSummaryView};
use crate::state::{Connection, Shell};
use crate::transfer_views::{TransferRequest, TransferView};

type Answer<T> = Result<T, CommandError>;

/// One step of the login in progress: lock it, run the step, forget the login once over.
macro_rules! login_step {
    ($shell:expr, |$session:ident, $conn:ident| $step:expr) => {{
        let $conn = $shell.connection().await?;
        let mut login = $conn.login.lock().await;
        let $session = login.as_mut().ok_or_else(CommandError::no_login)?;
        let progress = $step.await?;
        Ok(finish(&$conn, &mut login, progress))
    }};
}

#[tauri::command]
#[instrument(skip_all)]
pub async fn connection(shell: State<'_, Shell>) -> Answer<ConnectionView> {
    Ok(shell.connection().await?.view())
}

#[tauri::command]
#[instrument(skip(shell))]
pub async fn connect(shell: State<'_, Shell>, request: ConnectRequest) -> Answer<ConnectionView> {
    Ok(shell.connect(request.profile.trim(), request.backend, request.server_url, request.admin_url).await?.view())
}

#[tauri::command]
#[instrument(skip(shell), fields(with_pairing_key = request.pairing_key.is_some()))]
pub async fn login(shell: State<'_, Shell>, request: LoginRequest) -> Answer<LoginView> {
    let conn = shell.connection().await?;
    let mut login = conn.login.lock().await;
    if let Some(mut old) = login.take() {
        let _ = old.cancel().await;
    }
    conn.remember_sign_in(None);
    let (session, progress) = Login::start(
        conn.backend_side(),
        &request.username,
        request.password.expose(),
        request.pairing_key.as_ref().map(|k| k.expose().as_str()),
    )
    .await?;
    *login = session;
    Ok(finish(&conn, &mut login, progress))
}

#[tauri::command]
#[instrument(skip_all)]
pub async fn submit_pairing_key(shell: State<'_, Shell>, request: CodeRequest) -> Answer<LoginView> {
    login_step!(shell, |session, conn| session.pairing_key(conn.backend_side(), request.code.expose()))
}

#[tauri::command]
#[instrument(skip(shell))]
pub async fn choose_trust_level(shell: State<'_, Shell>, request: TrustChoice) -> Answer<LoginView> {
    login_step!(shell, |session, conn| session.choose(conn.backend_side(), request.selection(), request.nickname))
}

/// PingFederate's MOBILE_PAIRING_REQUIRED answered: pair this device (or not), then continue.
#[tauri::command]
#[instrument(skip(shell))]
pub async fn pair_device(shell: State<'_, Shell>, request: PairRequest) -> Answer<LoginView> {
    login_step!(shell, |session, conn| session.pair(conn.backend_side(), request.pair))
}

#[tauri::command]
#[instrument(skip_all)]
pub async fn poll_push(shell: State<'_, Shell>) -> Answer<LoginView> {
    login_step!(shell, |session, conn| session.poll(conn.backend_side()))
}

#[tauri::command]
#[instrument(skip_all)]
pub async fn retry_push(shell: State<'_, Shell>) -> Answer<LoginView> {
    login_step!(shell, |session, conn| session.retry(conn.backend_side()))
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
pub async fn submit_otp(shell: State<'_, Shell>, request: OtpRequest) -> Answer<LoginView> {
    login_step!(shell, |session, conn| session.otp(
        conn.backend_side(),
        request.code.expose(),
        request.trust.unwrap_or(true)
    ))
}

#[tauri::command]
#[instrument(skip(shell))]
pub async fn select_device(shell: State<'_, Shell>, request: SelectDeviceRequest) -> Answer<LoginView> {
    login_step!(shell, |session, conn| session.select_device(conn.backend_side(), &request.device_id))
}

/// The demo's stand-in for the phone network: the SMS and e-mail passcodes PingOne MFA sent to
/// the user signing in (through the admin API: the built-in servers, or a shared one given `--admin-url`).
#[tauri::command]
#[instrument(skip_all)]
pub async fn demo_messages(shell: State<'_, Shell>) -> Answer<Vec<MessageView>> {
    let conn = shell.connection().await?;
    let username =
        conn.login.lock().await.as_ref().map(|l| l.username().to_string()).ok_or_else(CommandError::no_login)?;
    demo_outbox::read(&conn, &username).await
}

/// Pushes waiting for this device (long poll); each new one is also a desktop notification.
#[tauri::command]
#[instrument(skip(app, shell))]
pub async fn incoming_pushes<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
    request: IncomingRequest,
) -> Answer<Vec<PushView>> {
    let conn = shell.connection().await?;
    let pending = conn.backend_side().pending_pushes(Duration::from_secs(request.wait_seconds.into())).await?;
    let pushes: Vec<PushView> = pending.into_iter().map(PushView::from).collect();
    for push in pushes.iter().filter(|p| conn.first_sight(&p.authentication_id)) {
        announce(&app, push);
    }
    Ok(pushes)
}

/// Devices added to or removed from the user's account since the last call (long poll; PingID
/// SDK pairings — PingOne MFA sends none).
#[tauri::command]
#[instrument(skip(shell))]
pub async fn device_notices(shell: State<'_, Shell>, request: IncomingRequest) -> Answer<Vec<NoticeView>> {
    let conn = shell.connection().await?;
    let backend = conn.backend_side();
    let notices = backend.notices(Duration::from_secs(request.wait_seconds.into())).await?;
    let username = backend.paired_username().unwrap_or_default();
    Ok(notices
        .iter()
        .map(|n| NoticeView { id: n.id.clone(), text: moderno_device::notice_text(&username, n), at: n.at.clone() })
        .collect())
}

/// The approver's choice: trust the new device (or make it the primary while the user has none),
/// this sign-in only, ignore it for a while, deny, or block (PingOne MFA pushes: approve or deny).
#[tauri::command]
#[instrument(skip(shell))]
pub async fn answer_push(shell: State<'_, Shell>, request: PushAnswerRequest) -> Answer<PushAnsweredView> {
    let conn = shell.connection().await?;
    let result = conn.backend_side().reply_to_push(&request.authentication_id, request.reply()?).await?;
    Ok(PushAnsweredView { approved: result == PushResult::Approved })
}

#[tauri::command]
#[instrument(skip_all)]
pub async fn device_state(shell: State<'_, Shell>) -> Answer<DeviceStateView> {
    let conn = shell.connection().await?;
    let pairing = conn.backend_side().pairing().await?;
    Ok(DeviceStateView::of(&conn.profile, conn.backend, pairing, conn.device.identity().device_name()))
}

/// Renames one of the user's devices, or makes it the primary (PingID SDK pairings).
#[tauri::command]
#[instrument(skip(shell))]
pub async fn manage_device(shell: State<'_, Shell>, request: ManageDeviceRequest) -> Answer<DeviceStateView> {
    let conn = shell.connection().await?;
    let change = ManageDevice { nickname: request.nickname.clone(), make_primary: request.make_primary };
    let state = conn.device.manage_device(&request.device_id, &change).await?;
    Ok(DeviceStateView::paired(&conn.profile, &state))
}

/// The primary removes another of the user's devices.
#[tauri::command]
#[instrument(skip(shell))]
pub async fn remove_device(shell: State<'_, Shell>, request: SelectDeviceRequest) -> Answer<DeviceStateView> {
    let conn = shell.connection().await?;
    let state = conn.device.remove_device(&request.device_id).await?;
    Ok(DeviceStateView::paired(&conn.profile, &state))
}

#[tauri::command]
#[instrument(skip_all)]
pub async fn offline_code(shell: State<'_, Shell>) -> Answer<OfflineCodeView> {
    let conn = shell.connection().await?;
    let passcode = OfflinePasscode::of(&conn.device, &conn.clock).ok_or_else(|| not_paired(&conn))?;
    Ok(OfflineCodeView { code: passcode.code, seconds_left: passcode.seconds_left })
}

#[tauri::command]
#[instrument(skip_all)]
pub async fn unpair(shell: State<'_, Shell>) -> Answer<()> {
    Ok(shell.connection().await?.backend_side().unpair().await?)
}

/// Sends money for the signed-in user; the user's primary (or chosen) device approves it.
#[tauri::command]
#[instrument(skip(shell))]
pub async fn send_transfer(shell: State<'_, Shell>, request: TransferRequest) -> Answer<TransferView> {
    let conn = shell.connection().await?;
    let (user, client) = (conn.signed_in_user()?, conn.device.moderno_client(&conn.server_url)?);
    let order = TransferOrder::new(parse_amount(&request.amount)?, &request.recipient)?;
    let mut transfer = conn.transfer.lock().await;
    *transfer = None;
    let (session, progress) =
        TransferSession::start(client, &conn.device, user, order, request.approver.as_deref()).await?;
    Ok(TransferView::of(transfer.insert(session), progress))
}

/// One look at the transfer waiting for the approving device.
#[tauri::command]
#[instrument(skip_all)]
pub async fn poll_transfer(shell: State<'_, Shell>) -> Answer<TransferView> {
    let conn = shell.connection().await?;
    let mut transfer = conn.transfer.lock().await;
    let session = transfer.as_mut().ok_or_else(no_transfer)?;
    let progress = session.poll().await?;
    Ok(TransferView::of(session, progress))
}

/// The approving device's passcode, for a transfer that asks for one.
#[tauri::command]
#[instrument(skip_all)]
pub async fn transfer_passcode(shell: State<'_, Shell>, request: CodeRequest) -> Answer<TransferView> {
    let conn = shell.connection().await?;
    let mut transfer = conn.transfer.lock().await;
    let session = transfer.as_mut().ok_or_else(no_transfer)?;
    let progress = session.passcode(request.code.expose()).await?;
    Ok(TransferView::of(session, progress))
}

/// Leaves the transfer screens: a request still held is dropped.
#[tauri::command]
#[instrument(skip_all)]
pub async fn cancel_transfer(shell: State<'_, Shell>) -> Answer<()> {
    shell.connection().await?.transfer.lock().await.take();
    Ok(())
}

/// The QA panel: the built-in stack's clock and fault switches.
#[tauri::command]
#[instrument(skip_all)]
pub async fn qa_state(shell: State<'_, Shell>) -> Answer<QaStateView> {
    qa_panel::state(&*shell.connection().await?).await
}

/// One change on the QA panel (the clock, a fault, MFA on or off, a user's status, reset).
#[tauri::command]
#[instrument(skip(shell))]
pub async fn qa_change(shell: State<'_, Shell>, request: QaChange) -> Answer<QaStateView> {
    qa_panel::change(&*shell.connection().await?, &request).await
}

/// The flow inspector: the hops recorded after `after`.
#[tauri::command]
#[instrument(skip(shell))]
pub async fn inspector_hops(shell: State<'_, Shell>, request: HopsRequest) -> Answer<HopsView> {
    inspector_panel::hops(&*shell.connection().await?, request.after).await
}

#[tauri::command]
#[instrument(skip_all)]
pub async fn inspector_clear(shell: State<'_, Shell>) -> Answer<HopsView> {
    inspector_panel::clear(&*shell.connection().await?).await
}

/// Writes the run as an HTML report and JSON into the app's data folder (`reports/`).
#[tauri::command]
#[instrument(skip_all)]
pub async fn inspector_export<R: Runtime>(app: AppHandle<R>, shell: State<'_, Shell>) -> Answer<ExportView> {
    let dir = app
        .path()
        .app_data_dir()
        .map_err(|e| CommandError::new(ShellCode::ExportFailed, format!("the app has no data folder: {e}")))?
        .join("reports");
    inspector_panel::export(&*shell.connection().await?, &dir).await
}

/// Opens the flow inspector in a window of its own, beside the flow (or brings it forward).
#[tauri::command]
#[instrument(skip_all)]
pub async fn open_inspector_window<R: Runtime>(app: AppHandle<R>) -> Answer<()> {
    inspector_panel::open_window(&app)
}

/// The shipped scenarios.
#[tauri::command]
#[instrument(skip_all)]
pub async fn scenarios_list() -> Answer<Vec<ScenarioSummaryView>> {
    Ok(scenario_panel::list())
}

/// Starts playing a scenario (one already playing is stopped).
#[tauri::command]
#[instrument(skip(shell))]
pub async fn scenario_start(shell: State<'_, Shell>, request: ScenarioRequest) -> Answer<ScenarioRunView> {
    let mut playing = shell.scenario.lock().await;
    if let Some(old) = playing.take() {
        old.finish().await;
    }
    let run = scenario_panel::start(&request.file).await?;
    let view = scenario_panel::view(&run);
    *playing = Some(run);
    Ok(view)
}

/// Plays the next step of the scenario being played.
#[tauri::command]
#[instrument(skip_all)]
pub async fn scenario_step(shell: State<'_, Shell>) -> Answer<ScenarioRunView> {
    let mut playing = shell.scenario.lock().await;
    let run = playing
        .as_mut()
        .ok_or_else(|| CommandError::new(ShellCode::NoScenario, "no scenario is playing: start one"))?;
    run.step().await;
    Ok(scenario_panel::view(run))
}

#[tauri::command]
#[instrument(skip_all)]
pub async fn scenario_stop(shell: State<'_, Shell>) -> Answer<()> {
    if let Some(run) = shell.scenario.lock().await.take() {
        run.finish().await;
    }
    Ok(())
}

/// A login that ended (signed in or refused) is forgotten; the user it signed in is kept.
fn finish(conn: &Connection, login: &mut Option<Login>, progress: Progress) -> LoginView {
    if progress.is_signed_in() {
        conn.remember_sign_in(login.as_ref().and_then(Login::signed_in_user));
    }
    if progress.is_over() {
        *login = None;
    }
    progress.into()
}

fn no_transfer() -> CommandError {
    CommandError::new(ShellCode::NoTransfer, "no transfer is in progress here: send it again")
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
