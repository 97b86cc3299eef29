//! Named pairing scenarios (`scenarios/*.toml` at the top of the repository): each a backend, a
//! seed and steps — log in, choose a trust level, answer a push, type a passcode, move the
//! virtual clock, switch a fault — with what the screen must then show. [`run`] plays one
//! against a fresh in-process stack (real loopback HTTP, SQLite, a manual clock, seeded
//! randomness), so every run is the same; `moderno-scenario` runs files and prints a pass/fail
//! report. The step vocabulary is documented in `docs/scenarios.md`.

mod report;
mod runner;
mod screen;
mod script;

pub use report::text as report_text;
pub use runner::{epoch, run, Report, ScenarioRun, StepOutcome};
pub use script::{Action, Backend, Scenario, Step};

/// The scenarios shipped in `scenarios/`, compiled in (the desktop app offers them): file stem
/// and text. A test checks the list against the folder.
pub const SHIPPED: [(&str, &str); 18] = [
    ("pf-additional-device-push", include_str!("../../../scenarios/pf-additional-device-push.toml")),
    ("pf-additional-device-sms", include_str!("../../../scenarios/pf-additional-device-sms.toml")),
    ("pf-device-selection", include_str!("../../../scenarios/pf-device-selection.toml")),
    ("pf-first-device-not-paired", include_str!("../../../scenarios/pf-first-device-not-paired.toml")),
    ("pf-first-device-paired", include_str!("../../../scenarios/pf-first-device-paired.toml")),
    ("pf-pairing-error", include_str!("../../../scenarios/pf-pairing-error.toml")),
    ("pf-push-timed-out", include_str!("../../../scenarios/pf-push-timed-out.toml")),
    ("pf-wrong-number", include_str!("../../../scenarios/pf-wrong-number.toml")),
    (
        "pingid-additional-device-push-approved",
        include_str!("../../../scenarios/pingid-additional-device-push-approved.toml"),
    ),
    ("pingid-approver-ignores-device", include_str!("../../../scenarios/pingid-approver-ignores-device.toml")),
    ("pingid-approver-offline-otp", include_str!("../../../scenarios/pingid-approver-offline-otp.toml")),
    ("pingid-device-selection", include_str!("../../../scenarios/pingid-device-selection.toml")),
    ("pingid-first-device-ignored", include_str!("../../../scenarios/pingid-first-device-ignored.toml")),
    ("pingid-first-device-primary", include_str!("../../../scenarios/pingid-first-device-primary.toml")),
    ("pingid-manual-pairing", include_str!("../../../scenarios/pingid-manual-pairing.toml")),
    ("pingid-push-denied", include_str!("../../../scenarios/pingid-push-denied.toml")),
    ("pingid-push-timed-out", include_str!("../../../scenarios/pingid-push-timed-out.toml")),
    ("pingid-wrong-number", include_str!("../../../scenarios/pingid-wrong-number.toml")),
];

/// A shipped scenario by its file stem.
pub fn shipped(stem: &str) -> Option<anyhow::Result<Scenario>> {
    SHIPPED.iter().find(|(name, _)| *name == stem).map(|(_, text)| Scenario::parse(text))
}
