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
pub use runner::{epoch, run, Report, StepOutcome};
pub use script::{Action, Backend, Scenario, Step};
