//! The desktop app on Tauri's mock runtime: the same commands and capability file as the real
//! window, invoked the way the UI invokes them.

#![allow(dead_code)]

use std::sync::Arc;

use moderno_ambient::{Clock, Entropy};
use moderno_customer_server::PasswordCost;
use moderno_desktop::{with_commands, AdminAccess, Backend, EmbeddedStack, Shell, ShellConfig};
use moderno_device::{KeyStore, MemoryKeyStore};
use moderno_stack::StackConfig;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{App, Manager as _, WebviewWindow, WebviewWindowBuilder};

pub const PASSWORD: &str = "moderno-demo";

/// One app instance (one window) of one profile.
pub struct TestApp {
    _app: App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
}

/// Runs the embedded stack (cheap password hashing, free ports) under `data_dir`.
pub fn embedded(profile: &str, data_dir: &std::path::Path, store: Arc<dyn KeyStore>) -> TestApp {
    let mut stack = StackConfig::loopback(data_dir.to_path_buf());
    stack.password_cost = PasswordCost::TestOnlyCheap;
    launch(profile, None, stack, store)
}

/// Like [`embedded`], with the admin API and the flow inspector's recording on, as in the app.
pub fn embedded_with_admin(profile: &str, data_dir: &std::path::Path, store: Arc<dyn KeyStore>) -> TestApp {
    let mut stack = StackConfig::loopback(data_dir.to_path_buf());
    stack.password_cost = PasswordCost::TestOnlyCheap;
    stack.admin_listen = Some(([127, 0, 0, 1], 0).into());
    stack.inspector = true;
    launch(profile, None, stack, store)
}

/// Like [`embedded`], signing in through PingFederate with PingOne MFA; `demo_devices` gives carol
/// and dave their SMS and e-mail devices as the app's own embedded stack does, and the admin API
/// is on (the demo outbox reads through it), as in the app.
pub fn embedded_pingfederate(
    profile: &str,
    data_dir: &std::path::Path,
    store: Arc<dyn KeyStore>,
    demo_devices: bool,
) -> TestApp {
    let mut stack = StackConfig::loopback(data_dir.to_path_buf());
    stack.password_cost = PasswordCost::TestOnlyCheap;
    stack.demo_devices = demo_devices;
    stack.admin_listen = Some(([127, 0, 0, 1], 0).into());
    launch_on(profile, Backend::PingfederatePingoneMfa, None, stack, store)
}

/// Talks to the server at `url` (another app's embedded stack).
pub fn remote(profile: &str, url: &str, store: Arc<dyn KeyStore>) -> TestApp {
    let unused = StackConfig::loopback(std::env::temp_dir().join("moderno-unused"));
    launch(profile, Some(url.to_string()), unused, store)
}

pub fn memory() -> Arc<dyn KeyStore> {
    Arc::new(MemoryKeyStore::new())
}

pub fn launch(profile: &str, server_url: Option<String>, stack: StackConfig, store: Arc<dyn KeyStore>) -> TestApp {
    launch_on(profile, Backend::ModernoPingidSdk, server_url, stack, store)
}

pub fn launch_on(
    profile: &str,
    backend: Backend,
    server_url: Option<String>,
    stack: StackConfig,
    store: Arc<dyn KeyStore>,
) -> TestApp {
    launch_shared(profile, backend, server_url, None, stack, store)
}

/// A window on a shared server (`server_url`) whose admin API it was given, as `--admin-url`
/// with MODERNO_ADMIN_TOKEN would.
pub fn launch_shared(
    profile: &str,
    backend: Backend,
    server_url: Option<String>,
    admin: Option<AdminAccess>,
    stack: StackConfig,
    store: Arc<dyn KeyStore>,
) -> TestApp {
    let shell = Shell::new(ShellConfig {
        profile: profile.to_string(),
        backend,
        server_url,
        admin,
        embedded: EmbeddedStack::new(stack),
        key_store: store,
        clock: Clock::system(),
        entropy: Entropy::from_os(),
    });
    let app = with_commands(mock_builder()).manage(shell).build(tauri::generate_context!()).expect("the app builds");
    let window = WebviewWindowBuilder::new(&app, "main", Default::default()).build().expect("the main window opens");
    TestApp { _app: app, window }
}

impl TestApp {
    /// Invokes `command` as the UI does; `Err` is the `{code, message, status}` the UI would get.
    pub fn invoke<T: DeserializeOwned>(&self, command: &str, args: Value) -> Result<T, Value> {
        // The capability applies to the app's own origin; on Linux that is tauri://localhost.
        self.invoke_from("tauri://localhost", command, args)
    }

    /// Invokes as the page in another of the app's windows (by label) would.
    pub fn invoke_in<T: DeserializeOwned>(&self, label: &str, command: &str, args: Value) -> Result<T, Value> {
        let window = self.window.get_webview_window(label).unwrap_or_else(|| panic!("no window {label:?}"));
        invoke_on(&window, "tauri://localhost", command, args)
    }

    /// Invokes as a page loaded from `origin` would.
    pub fn invoke_from<T: DeserializeOwned>(&self, origin: &str, command: &str, args: Value) -> Result<T, Value> {
        invoke_on(&self.window, origin, command, args)
    }

    pub fn ok(&self, command: &str, args: Value) -> Value {
        self.invoke::<Value>(command, args).unwrap_or_else(|e| panic!("{command} failed: {e}"))
    }

    /// The `code` of the error `command` fails with.
    pub fn error_code(&self, command: &str, args: Value) -> String {
        match self.invoke::<Value>(command, args) {
            Ok(v) => panic!("{command} was expected to fail but answered {v}"),
            Err(e) => e["code"].as_str().unwrap_or_else(|| panic!("an error without code: {e}")).to_string(),
        }
    }

    pub fn login(&self, user: &str) -> Value {
        self.ok("login", json!({"request": {"username": user, "password": PASSWORD, "pairingKey": null}}))
    }

    pub fn choose(&self, level: &str) -> Value {
        self.ok("choose_trust_level", json!({"request": {"level": level, "ignoreFor": null, "nickname": null}}))
    }

    pub fn server_url(&self) -> String {
        self.ok("connection", json!({}))["serverUrl"].as_str().expect("serverUrl").to_string()
    }

    /// The push waiting for this window (long poll of up to 5 s), as the approval dialog gets it.
    pub fn next_push(&self) -> Value {
        let pushes = self.ok("incoming_pushes", json!({"request": {"waitSeconds": 5}}));
        pushes.get(0).cloned().unwrap_or_else(|| panic!("a push was expected: {pushes}"))
    }

    /// Answers `push` with the approver's `choice` (TRUST, APPROVE, IGNORE, DENY, BLOCK); `more`
    /// adds `ignoreFor` or `number`.
    pub fn answer(&self, push: &Value, choice: &str, more: Value) -> Result<Value, Value> {
        let mut request = json!({"authenticationId": push["authenticationId"], "choice": choice});
        if let (Some(request), Some(more)) = (request.as_object_mut(), more.as_object()) {
            request.extend(more.clone());
        }
        self.invoke("answer_push", json!({"request": request}))
    }
}

/// The "laptop" window on its embedded stack (`admin`: with the admin API, as in the app), paired
/// as `user`'s PRIMARY and listening for pushes (so the server counts it as online).
pub fn online_primary_on(dir: &std::path::Path, user: &str, admin: bool) -> TestApp {
    let laptop = if admin { embedded_with_admin("laptop", dir, memory()) } else { embedded("laptop", dir, memory()) };
    laptop.login(user);
    laptop.choose("PRIMARY");
    assert_eq!(laptop.ok("incoming_pushes", json!({"request": {"waitSeconds": 0}})), json!([]), "nothing waits yet");
    laptop
}

pub fn online_primary(dir: &std::path::Path, user: &str) -> TestApp {
    online_primary_on(dir, user, false)
}

fn invoke_on<T: DeserializeOwned>(
    window: &WebviewWindow<MockRuntime>,
    origin: &str,
    command: &str,
    args: Value,
) -> Result<T, Value> {
    let request = InvokeRequest {
        cmd: command.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: origin.parse().expect("url"),
        body: InvokeBody::Json(args),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    get_ipc_response(window, request)
        .map(|body| body.deserialize::<T>().unwrap_or_else(|e| panic!("{command} answered an unexpected shape: {e}")))
}
