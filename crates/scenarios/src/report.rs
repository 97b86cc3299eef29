//! The pass/fail report a scenario run prints: one line per step, the screen it led to, and why
//! a failed step failed.

use crate::runner::Report;

/// The report as text.
pub fn text(report: &Report) -> String {
    let mut out = format!("{} {}\n", if report.passed() { "PASS" } else { "FAIL" }, report.scenario);
    if !report.about.is_empty() {
        out.push_str(&format!("     {}\n", report.about));
    }
    for step in &report.steps {
        let mark = if step.problem.is_none() { "ok " } else { "XX " };
        let screen = step.shown.get("screen").and_then(|s| s.as_str()).unwrap_or("-");
        out.push_str(&format!("  {mark}{:>2}. {:<52} -> {screen}\n", step.number, step.what));
        if let Some(problem) = &step.problem {
            out.push_str(&format!("         {problem}\n         shown: {}\n", step.shown));
        }
    }
    out
}
