//! Scenarios in the app, step by step for a live demo: the shipped scenario files (compiled in),
//! each played on a stack of its own (fixed seed, virtual clock), one step per click, every step's
//! screen and verdict shown. The app's own servers and keys are not touched.

use moderno_scenarios::{shipped, ScenarioRun, StepOutcome, SHIPPED};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{CommandError, ShellCode};
use moderno_device::DeviceCode;

/// One shipped scenario, for the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, export_to = "../../ui/src/generated/")]
pub struct ScenarioSummaryView {
    pub file: String,
    pub name: String,
    pub about: String,
    pub steps: u32,
}

/// The scenario being played: every step in words, the ones run so far with what they showed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, export_to = "../../ui/src/generated/")]
pub struct ScenarioRunView {
    pub name: String,
    pub about: String,
    pub steps: Vec<String>,
    pub outcomes: Vec<StepOutcomeView>,
    pub finished: bool,
    pub passed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, export_to = "../../ui/src/generated/")]
pub struct StepOutcomeView {
    pub number: u32,
    pub what: String,
    /// The screen the step led to (`SIGNED_IN`, `ENTER_OTP`, …).
    pub screen: String,
    /// The step's whole summary, JSON.
    pub shown: String,
    /// Why it failed; absent when it passed.
    pub problem: Option<String>,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export, export_to = "../../ui/src/generated/")]
pub struct ScenarioRequest {
    /// The file stem, like `pf-first-device-paired`.
    pub file: String,
}

impl From<&StepOutcome> for StepOutcomeView {
    fn from(o: &StepOutcome) -> Self {
        Self {
            number: u32::try_from(o.number).unwrap_or(u32::MAX),
            what: o.what.clone(),
            screen: o.shown.get("screen").and_then(|s| s.as_str()).unwrap_or("-").to_string(),
            shown: o.shown.to_string(),
            problem: o.problem.clone(),
        }
    }
}

pub fn view(run: &ScenarioRun) -> ScenarioRunView {
    let outcomes: Vec<StepOutcomeView> = run.outcomes().iter().map(StepOutcomeView::from).collect();
    let steps = run.step_descriptions();
    let passed = outcomes.len() == steps.len() && outcomes.iter().all(|o| o.problem.is_none());
    ScenarioRunView {
        name: run.name().to_string(),
        about: run.about().to_string(),
        steps,
        outcomes,
        finished: run.finished(),
        passed,
    }
}

/// The shipped scenarios.
pub fn list() -> Vec<ScenarioSummaryView> {
    SHIPPED
        .iter()
        .filter_map(|(file, _)| {
            let scenario = shipped(file)?.ok()?;
            Some(ScenarioSummaryView {
                file: (*file).to_string(),
                name: scenario.name,
                about: scenario.about,
                steps: u32::try_from(scenario.steps.len()).unwrap_or(u32::MAX),
            })
        })
        .collect()
}

/// A fresh run of the shipped scenario `file` (its stack started, no step run yet).
pub async fn start(file: &str) -> Result<ScenarioRun, CommandError> {
    let scenario = shipped(file)
        .ok_or_else(|| CommandError::new(DeviceCode::InvalidInput, format!("there is no scenario called {file:?}")))?
        .map_err(|e| CommandError::new(ShellCode::InvalidScenario, format!("{e:#}")))?;
    ScenarioRun::start(&scenario).await.map_err(|e| CommandError::new(ShellCode::ScenarioFailed, format!("{e:#}")))
}
