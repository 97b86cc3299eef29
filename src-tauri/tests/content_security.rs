//! The window's Content Security Policy (tauri.conf.json), directive by directive: the page
//! loads only the app's own files, talks only to the Rust side, and cannot be framed, post a
//! form elsewhere or change its base URL.

use std::collections::HashMap;

fn csp() -> HashMap<String, String> {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tauri.conf.json")).expect("tauri.conf.json");
    let conf: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let csp = conf["app"]["security"]["csp"].as_str().expect("a CSP string").to_owned();
    csp.split(';')
        .filter_map(|d| {
            let mut words = d.split_whitespace();
            Some((words.next()?.to_owned(), words.collect::<Vec<_>>().join(" ")))
        })
        .collect()
}

#[test]
fn the_window_loads_only_its_own_files_and_cannot_be_framed_or_redirected() {
    let csp = csp();
    let expect = [
        ("default-src", "'self'"),
        ("connect-src", "ipc: http://ipc.localhost"),
        ("object-src", "'none'"),
        ("base-uri", "'none'"),
        ("form-action", "'none'"),
        ("frame-ancestors", "'none'"),
    ];
    for (directive, value) in expect {
        assert_eq!(csp.get(directive).map(String::as_str), Some(value), "{directive} in {csp:?}");
    }
    assert!(!csp.values().any(|v| v.contains("unsafe-eval") || v.contains('*')), "{csp:?}");
}
