//! The benchmark runs end to end (tiny sizes; its numbers are not asserted: timing is the
//! benchmark's business, not a test's).

use moderno_e2e::bench::{run, table, BenchSize};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_benchmark_row_runs_and_the_table_names_it() {
    let rows = run(BenchSize::SMOKE).await.expect("the benchmark runs");
    assert_eq!(rows.len(), 7);
    assert!(rows.iter().all(|r| r.count > 0), "{rows:?}");
    let printed = table(&rows);
    for row in &rows {
        assert!(printed.contains(row.name), "{printed}");
    }
}
