//! The smallest Tauri app with a sign-in form: the baseline `scripts/bench-desktop.sh` measures
//! Moderno's start-up time, idle memory and binary size against, built in the same run.

fn main() {
    tauri::Builder::default()
        .run(tauri::generate_context!("bench/minimal/tauri.conf.json"))
        .expect("the minimal app could not start");
}
