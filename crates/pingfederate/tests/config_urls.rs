//! URL settings are read once, at start: a bad one stops the server there, naming the setting,
//! instead of failing the first request that uses it.

use moderno_ambient::{Clock, Entropy};
use pingfederate_server::{Config, State};

fn opened(change: impl FnOnce(&mut Config)) -> Result<State, String> {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = Config::demo(dir.path().join("pf.sqlite3"), "http://127.0.0.1:9031", "http://127.0.0.1:7003");
    change(&mut config);
    State::open(config, Clock::system(), Entropy::seeded(1)).map_err(|e| format!("{e:#}"))
}

#[test]
fn the_demo_urls_open() {
    assert!(opened(|_| {}).is_ok());
}

/// A change to the demo configuration.
type Change = fn(&mut Config);

#[test]
fn a_bad_url_setting_stops_the_start_and_names_the_setting() {
    let cases: [(&str, Change); 4] = [
        ("public_url", |c| c.public_url = "127.0.0.1:9031".into()),
        ("pingone_url", |c| c.pingone_url = "not a url".into()),
        ("pingone_url", |c| c.pingone_url = "ftp://127.0.0.1:7003".into()),
        ("authentication_application_url", |c| c.authentication_application_url = Some("/pf-ws/authn/app".into())),
    ];
    for (setting, change) in cases {
        let refusal = opened(change).err().unwrap_or_else(|| panic!("{setting}: opened"));
        assert!(refusal.contains(setting), "{setting}: {refusal}");
    }
}
