//! Moderno Desktop: the Tauri shell. Thin by design — commands delegate to `moderno-device`,
//! the embedded server stack is `moderno-stack`; this crate wires them to a window.
//!
//! [`with_commands`] is generic over the runtime so tests build the same app on Tauri's mock
//! runtime; [`run`] is the real app.

mod admin_client;
mod commands;
mod config;
mod demo_outbox;
mod device_views;
mod embedded;
mod error;
mod inspector_panel;
mod login;
mod models;
mod qa_panel;
mod scenario_panel;
mod state;
mod transfer_views;

use std::sync::Arc;

use moderno_ambient::{Clock, Entropy};
use moderno_device::KeyringStore;
use moderno_stack::StackConfig;
use tauri::{Manager, Runtime};

pub use admin_client::AdminAccess;
pub use config::{ShellArgs, DEFAULT_PROFILE};
pub use embedded::EmbeddedStack;
pub use error::CommandError;
pub use models::Backend;
pub use state::{Shell, ShellConfig};

/// Where the app reads a shared server's admin token (never a flag: a flag shows in `ps`).
pub const ADMIN_TOKEN_ENV: &str = "MODERNO_ADMIN_TOKEN";

/// Registers every command the UI may call (the capability file allows exactly these).
pub fn with_commands<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.invoke_handler(tauri::generate_handler![
        commands::connection,
        commands::connect,
        commands::login,
        commands::submit_pairing_key,
        commands::choose_trust_level,
        commands::pair_device,
        commands::poll_push,
        commands::retry_push,
        commands::cancel_login,
        commands::submit_otp,
        commands::select_device,
        commands::demo_messages,
        commands::incoming_pushes,
        commands::device_notices,
        commands::answer_push,
        commands::device_state,
        commands::offline_code,
        commands::unpair,
        commands::manage_device,
        commands::remove_device,
        commands::send_transfer,
        commands::poll_transfer,
        commands::transfer_passcode,
        commands::cancel_transfer,
        commands::qa_state,
        commands::qa_change,
        commands::inspector_hops,
        commands::inspector_clear,
        commands::inspector_export,
        commands::open_inspector_window,
        commands::scenarios_list,
        commands::scenario_start,
        commands::scenario_step,
        commands::scenario_stop,
    ])
}

/// The desktop app: flags, logging, the device key in the OS keyring, the embedded stack unless
/// a server URL is given.
pub fn run() {
    let args = ShellArgs::from_process();
    let app = with_commands(tauri::Builder::default().plugin(tauri_plugin_notification::init()))
        .setup(move |app| {
            open_main_window(app, args.backend)?;
            let guard = config::init_logging(&app.path().app_log_dir()?)?;
            app.manage(guard);
            let data_dir = match &args.data_dir {
                Some(dir) => dir.clone(),
                None => app.path().app_data_dir()?.join("stack"),
            };
            let mut stack = StackConfig::loopback(data_dir);
            stack.sdk_listen = args.embedded_sdk_listen;
            stack.customer_listen = args.embedded_customer_listen;
            stack.pingone_listen = args.embedded_pingone_listen;
            stack.pingfederate_listen = args.embedded_pingfederate_listen;
            stack.demo_devices = true;
            stack.admin_listen = Some(args.embedded_admin_listen);
            stack.inspector = true;
            stack.pairing_mode = args.pairing_mode.map(Into::into);
            app.manage(Shell::new(ShellConfig {
                profile: args.profile.clone(),
                backend: args.backend,
                server_url: args.server_url.clone(),
                admin: args.admin_url.as_deref().map(|url| AdminAccess::new(url, std::env::var(ADMIN_TOKEN_ENV).ok())),
                embedded: EmbeddedStack::new(stack),
                key_store: Arc::new(KeyringStore::new()),
                clock: Clock::system(),
                entropy: Entropy::from_os(),
            }));
            // Connect while the window loads; the UI's first call waits for this.
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                if let Err(error) = handle.state::<Shell>().connection().await {
                    tracing::warn!(code = %error.code, "start-up connection failed; the UI will say why");
                }
            });
            Ok(())
        })
        .build(tauri::generate_context!())
        .expect("the Moderno window could not be created");
    app.run(|handle, event| {
        if let tauri::RunEvent::Exit = event {
            tauri::async_runtime::block_on(handle.state::<Shell>().stop_embedded());
        }
    });
}

/// The main window (as `tauri.conf.json` describes it, which leaves its creation to this), told
/// in its address which backend signs in: the sign-in form in `index.html` is right before the
/// first command answers (`ui/src/main.ts`).
fn open_main_window(app: &tauri::App, backend: Backend) -> Result<(), Box<dyn std::error::Error>> {
    let mut window = app.config().app.windows.first().ok_or("tauri.conf.json names no main window")?.clone();
    window.url = tauri::WebviewUrl::App(main_window_address(backend)?.into());
    tauri::WebviewWindowBuilder::from_config(app.handle(), &window)?.build()?;
    Ok(())
}

/// `index.html?backend=…` with the backend as the UI names it (`ui/src/main.ts` reads it).
fn main_window_address(backend: Backend) -> Result<String, Box<dyn std::error::Error>> {
    let backend = serde_json::to_value(backend)?;
    let backend = backend.as_str().ok_or("a backend is named by a string")?;
    Ok(format!("index.html?backend={backend}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_main_window_is_left_to_the_shell_which_names_the_backend_in_its_address() {
        let config: serde_json::Value = serde_json::from_str(include_str!("../tauri.conf.json")).unwrap();
        let main = &config["app"]["windows"][0];
        assert_eq!(main["label"], "main");
        // Created by `run()` with the address below; a second window labelled main would fail.
        assert_eq!(main["create"], false);
        assert_eq!(main_window_address(Backend::ModernoPingidSdk).unwrap(), "index.html?backend=MODERNO_PINGID_SDK");
        assert_eq!(
            main_window_address(Backend::PingfederatePingoneMfa).unwrap(),
            "index.html?backend=PINGFEDERATE_PINGONE_MFA"
        );
    }
}
