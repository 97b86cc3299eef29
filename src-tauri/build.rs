//! Tauri's build step, with a permission generated per command so the capability file can allow
//! exactly the commands the UI uses and nothing else.

const COMMANDS: &[&str] = &[
    "connection",
    "connect",
    "login",
    "submit_pairing_key",
    "choose_trust_level",
    "pair_device",
    "poll_push",
    "retry_push",
    "cancel_login",
    "submit_otp",
    "select_device",
    "demo_messages",
    "incoming_pushes",
    "device_notices",
    "answer_push",
    "device_state",
    "offline_code",
    "unpair",
    "manage_device",
    "remove_device",
    "send_transfer",
    "poll_transfer",
    "transfer_passcode",
    "cancel_transfer",
    "qa_state",
    "qa_change",
    "inspector_hops",
    "inspector_clear",
    "inspector_export",
    "open_inspector_window",
    "scenarios_list",
    "scenario_start",
    "scenario_step",
    "scenario_stop",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("the Tauri build step failed");
}
