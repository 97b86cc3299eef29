//! Every scenario shipped in `scenarios/` passes, twice the same; a wrong expectation fails and
//! says what it saw; a malformed file is refused before anything runs.

use std::path::{Path, PathBuf};

use moderno_scenarios::{report_text, run, shipped as shipped_scenario, Scenario, ScenarioRun, SHIPPED};

fn shipped() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("the scenarios folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

#[tokio::test]
async fn every_shipped_scenario_passes_and_repeats_exactly() {
    let files = shipped();
    assert!(files.len() >= 14, "a scenario for every flow of both seeds: {files:?}");
    let mut backends = std::collections::BTreeSet::new();
    for file in files {
        let scenario = Scenario::read(&file).expect("the file parses");
        backends.insert(format!("{:?}", scenario.backend));
        let first = run(&scenario).await.expect("it runs");
        assert!(first.passed(), "{}", report_text(&first));
        let again = run(&scenario).await.expect("it runs again");
        let shown = |r: &moderno_scenarios::Report| r.steps.iter().map(|s| s.shown.clone()).collect::<Vec<_>>();
        assert_eq!(shown(&first), shown(&again), "{}: the same seed shows the same screens", file.display());
    }
    assert_eq!(backends.len(), 2, "both seeds: {backends:?}");
}

#[tokio::test]
async fn a_wrong_expectation_fails_names_the_difference_and_stops_there() {
    let text = r#"
name = "wrong on purpose"
backend = "pingid-sdk"

[[step]]
do = "login"
device = "laptop"
user = "alice"
expect = { screen = "SIGNED_IN" }

[[step]]
do = "choose"
device = "laptop"
level = "PRIMARY"
"#;
    let scenario: Scenario = toml::from_str(text).expect("parses");
    let report = run(&scenario).await.expect("runs");
    assert!(!report.passed());
    assert_eq!(report.steps.len(), 1, "the steps after a failure are not run");
    let problem = report.steps[0].problem.as_deref().expect("a problem");
    assert!(problem.contains(r#"screen: expected "SIGNED_IN", shown "CHOOSE_TRUST_LEVEL""#), "{problem}");
    assert!(report_text(&report).starts_with("FAIL wrong on purpose"));
}

#[test]
fn a_typo_in_a_scenario_is_refused() {
    let typo = "name = \"x\"\nbackend = \"pingid-sdk\"\n[[step]]\ndo = \"login\"\nusr = \"alice\"\n";
    let error = toml::from_str::<Scenario>(typo).expect_err("unknown key");
    assert!(error.to_string().contains("usr"), "{error}");
    assert!(toml::from_str::<Scenario>("name = \"x\"\nbackend = \"ldap\"\nstep = []").is_err(), "unknown backend");
}

#[test]
fn the_compiled_in_list_is_the_scenarios_folder() {
    let on_disk: Vec<String> = shipped().iter().filter_map(|p| p.file_stem()?.to_str().map(str::to_string)).collect();
    let compiled: Vec<String> = SHIPPED.iter().map(|(stem, _)| (*stem).to_string()).collect();
    assert_eq!(compiled, on_disk, "list every file of scenarios/ in SHIPPED (lib.rs)");
    assert!(shipped_scenario("pf-pairing-error").is_some_and(|s| s.is_ok()));
    assert!(shipped_scenario("nope").is_none());
}

#[tokio::test]
async fn a_scenario_plays_one_step_at_a_time() {
    let scenario = shipped_scenario("pf-first-device-paired").expect("shipped").expect("parses");
    let mut run = ScenarioRun::start(&scenario).await.expect("starts");
    assert_eq!(run.step_descriptions().len(), 3);
    assert!(run.outcomes().is_empty() && !run.finished());
    let first = run.step().await.expect("a first step").clone();
    assert_eq!((first.number, first.shown["screen"].as_str()), (1, Some("PAIR_THIS_DEVICE")));
    while run.step().await.is_some() {}
    assert!(run.finished() && run.outcomes().iter().all(|o| o.problem.is_none()));
    assert!(run.step().await.is_none(), "nothing after the end");
    let report = run.finish().await;
    assert!(report.passed() && !report.hops.is_empty(), "the inspector recorded the run");
}
