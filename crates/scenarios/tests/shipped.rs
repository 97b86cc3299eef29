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
    let scenario = Scenario::parse(text).expect("parses");
    let report = run(&scenario).await.expect("runs");
    assert!(!report.passed());
    assert_eq!(report.steps.len(), 1, "the steps after a failure are not run");
    let problem = report.steps[0].problem.as_deref().expect("a problem");
    assert!(problem.contains(r#"screen: expected "SIGNED_IN", shown "CHOOSE_TRUST_LEVEL""#), "{problem}");
    assert!(report_text(&report).starts_with("FAIL wrong on purpose"));
}

#[test]
fn a_step_that_is_not_right_is_refused_when_the_file_is_read_with_its_line() {
    let file = |step: &str| {
        format!(
            "name = \"x\"\nbackend = \"pingid-sdk\"\n\n[[step]]\ndo = \"listen\"\ndevice = \"a\"\n\n[[step]]\n{step}"
        )
    };
    let refused = [
        ("do = \"login\"\ndevice = \"a\"\nusr = \"alice\"\n", "unknown field `usr`"),
        ("do = \"login\"\ndevice = \"a\"\n", "missing field `user`"),
        ("do = \"choose\"\ndevice = \"a\"\nlevel = \"PRIMRY\"\n", "PRIMRY"),
        ("do = \"choose\"\ndevice = \"a\"\nlevel = \"IGNORE\"\n", "IGNORE needs ignore_for"),
        ("do = \"choose\"\ndevice = \"a\"\nlevel = \"IGNORE\"\nignore_for = \"2 FORTNIGHTS\"\n", "no interval unit"),
        ("do = \"otp\"\ndevice = \"a\"\n", "otp needs a code"),
        ("do = \"answer\"\ndevice = \"a\"\nnumber = \"right\"\n", "right"),
        ("do = \"advance\"\n", "missing field `seconds`"),
        ("do = \"jump\"\ndevice = \"a\"\n", "jump"),
        ("do = \"poll\"\ndevice = \"a\"\nexpect = \"SIGNED_IN\"\n", "expect is a table"),
    ];
    for (step, why) in refused {
        let error = format!("{:#}", Scenario::parse(&file(step)).expect_err(step));
        assert!(error.contains("step 2 (line 8)") && error.contains(why), "{step:?}: {error}");
    }
    assert!(Scenario::parse("name = \"x\"\nbackend = \"ldap\"\nstep = []").is_err(), "unknown backend");
    let fine =
        Scenario::parse(&file("do = \"poll\"\ndevice = \"a\"\nexpect = { screen = \"SIGNED_IN\" }\n")).expect("parses");
    assert_eq!(fine.steps[1].line, 8);
    assert_eq!(fine.steps[1].expect["screen"].as_str(), Some("SIGNED_IN"));
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
