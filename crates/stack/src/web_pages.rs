//! Where a person signs in on the web, for the app and the start-up banner to say: the customer
//! server's own page (the PingID SDK flow: the trusted device approves) and Ping's widget on
//! PingFederate's origin (the PingOne MFA adapter's flow).

/// On the customer server.
pub const CUSTOMER_SIGN_IN_PATH: &str = "/sign-in";

/// On PingFederate: Ping's pf-authn-js-widget (`docs/web-widget.md`).
pub const PF_WIDGET_PATH: &str = "/widget/";

/// `base` (a server's URL) with `path`.
pub fn at(base: &str, path: &str) -> String {
    format!("{}{path}", base.trim_end_matches('/'))
}
