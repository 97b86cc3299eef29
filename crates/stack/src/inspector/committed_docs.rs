//! `docs/inspector/` holds three exported runs: each `<scenario>.html` must be what the report
//! draws today from the record beside it (`<scenario>.json`). After a change to the drawing or to
//! the runs, `scripts/docs/inspector.sh` writes them again.

use std::path::Path;

use moderno_wire::admin::Hop;

#[test]
fn every_committed_inspector_report_is_what_the_renderer_draws_from_its_record() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/inspector");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).expect("docs/inspector") {
        let json = entry.expect("entry").path();
        if json.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let record: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&json).expect("the record")).expect("JSON");
        let hops: Vec<Hop> = serde_json::from_value(record["hops"].clone()).expect("hops");
        let title = record["scenario"].as_str().expect("the scenario's name");
        let html = std::fs::read_to_string(json.with_extension("html")).expect("the report beside the record");
        assert!(
            html == super::html(title, &hops),
            "{} is stale: run scripts/docs/inspector.sh and commit docs/inspector",
            json.with_extension("html").display()
        );
        checked += 1;
    }
    assert_eq!(checked, 3, "the three exported runs");
}
