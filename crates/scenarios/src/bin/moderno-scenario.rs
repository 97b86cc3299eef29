//! `moderno-scenario [FILE|DIR]...`: runs scenario files (default: every `*.toml` in
//! `scenarios/`) headless and prints a pass/fail report; exits 1 when one fails.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use moderno_scenarios::{report_text, run, Scenario};

#[derive(Debug, Parser)]
#[command(
    name = "moderno-scenario",
    version,
    about = "Runs pairing scenarios against an in-process stack and reports pass or fail"
)]
struct Args {
    /// Scenario files, or folders of them.
    #[arg(default_value = "scenarios")]
    paths: Vec<PathBuf>,
    /// Print each report as JSON (one object per line) instead of text.
    #[arg(long)]
    json: bool,
    /// Also write each run's flow-inspector record here: `<scenario>.html` (the sequence
    /// diagram and every exchange) and `<scenario>.json`.
    #[arg(long, value_name = "DIR")]
    inspector_dir: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let mut files = Vec::new();
    for path in &args.paths {
        match std::fs::read_dir(path) {
            Ok(entries) => {
                let mut found: Vec<PathBuf> = entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                    .collect();
                found.sort();
                files.extend(found);
            }
            Err(_) => files.push(path.clone()),
        }
    }
    if files.is_empty() {
        eprintln!("no scenario files found in {:?}", args.paths);
        return ExitCode::from(2);
    }
    let (mut passed, mut failed) = (0, 0);
    for file in &files {
        let report = match Scenario::read(file) {
            Ok(scenario) => run(&scenario).await,
            Err(e) => Err(e),
        };
        match report {
            Ok(report) => {
                if report.passed() {
                    passed += 1
                } else {
                    failed += 1
                }
                if let Some(dir) = &args.inspector_dir {
                    if let Err(e) = write_inspector(dir, file, &report) {
                        eprintln!("could not write the inspector report for {}: {e}", file.display());
                        failed += 1;
                    }
                }
                if args.json {
                    println!("{}", serde_json::to_string(&report).unwrap_or_default());
                } else {
                    println!("{}", report_text(&report));
                }
            }
            Err(e) => {
                failed += 1;
                println!("FAIL {}\n     {e:#}\n", file.display());
            }
        }
    }
    if !args.json {
        println!("{passed} passed, {failed} failed");
    }
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `<dir>/<stem>.html` and `<dir>/<stem>.json`: the run's hops, secrets already hidden.
fn write_inspector(
    dir: &std::path::Path,
    file: &std::path::Path,
    report: &moderno_scenarios::Report,
) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("scenario");
    std::fs::write(dir.join(format!("{stem}.html")), moderno_stack::inspector::html(&report.scenario, &report.hops))?;
    let json = serde_json::json!({"scenario": report.scenario, "passed": report.passed(), "steps": report.steps, "hops": report.hops});
    std::fs::write(dir.join(format!("{stem}.json")), serde_json::to_string_pretty(&json).unwrap_or_default())
}
