//! The benchmark runs end to end (tiny sizes; its numbers are not asserted: timing is the
//! benchmark's business, not a test's).

use std::time::Duration;

use moderno_e2e::bench::{run, table, BenchSize};
use moderno_e2e::soak::{self, SoakPlan};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_benchmark_row_runs_and_the_table_names_it() {
    let rows = run(BenchSize::SMOKE).await.expect("the benchmark runs");
    // Three rows run on each store: SQLite, and with PostgreSQL one and two instances.
    let stores = if std::env::var_os("MODERNO_TEST_DATABASE_URL").is_some() { 3 } else { 1 };
    assert_eq!(rows.len(), 4 + 3 * stores, "{rows:?}");
    assert!(rows.iter().all(|r| r.count > 0), "{rows:?}");
    let printed = table(&rows);
    for row in &rows {
        assert!(printed.contains(&row.name), "{printed}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_soak_runs_every_flow_of_its_mix_and_reports_rows() {
    let plan = SoakPlan {
        duration: Duration::from_secs(4),
        rate: 4.0,
        sample_every: Duration::from_secs(1),
        ..SoakPlan::default()
    };
    let mut printed = soak::header();
    let samples = soak::run(plan, |s| printed.push_str(&soak::row(s))).await.expect("the soak runs");
    assert!(samples.len() >= 3, "{printed}");
    assert_eq!(samples.iter().map(|s| s.failures).sum::<usize>(), 0, "{printed}");
    // Four seconds at four flows a second: every flow of the mix (a new pairing, two logins, a
    // PingFederate pairing) ran more than once.
    assert!(samples.iter().map(|s| s.flows).sum::<usize>() >= 8, "{printed}");
    assert!(samples.iter().all(|s| s.rss_mib > 0.0 && s.open_files > 0 && s.db_mib > 0.0), "{printed}");
    if !moderno_e2e::two_instances::two_instances() {
        // On SQLite each service's file: its pages in use and the data in them, which fits.
        let last = &samples.last().expect("rows").tables;
        let count = |name: &str| last.iter().find(|(n, _)| n == name).map(|(_, rows)| *rows);
        for service in ["pingid-sdk", "customer", "pingone-mfa", "pingfederate"] {
            let pages = count(&format!("{service}: pages in use")).expect("pages counted");
            let data = count(&format!("{service}: data KiB in them")).expect("data counted");
            assert!(data > 0 && data <= pages * 4, "{service}: {data} KiB of data in {pages} pages: {last:?}");
        }
    }
}
