//! A native desktop notification for an incoming push, so the person sees it with the window in
//! the background. Best effort: no notification daemon (a headless test) is not an error.

use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_notification::Notification;
use tracing::{debug, warn};

use crate::device_views::PushView;

pub fn announce<R: Runtime>(app: &AppHandle<R>, push: &PushView) {
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
