//! A run as one self-contained HTML page: the hops as an SVG sequence diagram (one lane per
//! party, in the order the requests arrived), then every exchange with its bodies and what was
//! decoded. Everything shown is escaped; secrets were hidden when the hops were recorded.

use std::fmt::Write as _;

use moderno_wire::admin::Hop;

use super::diagram::{diagram, escape, Layout};

/// The report page for `hops`, titled `title`.
pub fn html(title: &str, hops: &[Hop]) -> String {
    let svg = diagram(hops, Layout::PAGE);
    let mut hops: Vec<&Hop> = hops.iter().collect();
    hops.sort_by_key(|h| h.order);
    let mut page = String::new();
    let _ = write!(
        page,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title><style>{STYLE}</style></head><body>\
<h1>{t}</h1><p class=\"muted\">{n} exchanges. Secrets (passwords, passcodes, keys, tokens, signatures) are shown as •••.</p>{svg}<h2>Exchanges</h2>",
        t = escape(title),
        n = hops.len(),
    );
    for hop in &hops {
        let _ = write!(
            page,
            "<details id=\"hop-{order}\"><summary><b>{order}.</b> {from} → {to}: <code>{method} {path}</code> <span class=\"s{class}\">{status}</span> <span class=\"muted\">{ms} ms · {at}</span>",
            order = hop.order,
            from = escape(&hop.from),
            to = escape(&hop.to),
            method = escape(&hop.method),
            path = escape(&hop.path),
            class = hop.status / 100,
            status = hop.status,
            ms = hop.millis,
            at = escape(&hop.at),
        );
        if let Some(step) = &hop.step {
            let _ = write!(page, "<br><span class=\"step\">{}</span>", escape(step));
        }
        if hop.beyond_ping {
            page.push_str(" <span class=\"beyond\">beyond Ping</span>");
        }
        page.push_str("</summary>");
        if let Some(step) = &hop.step {
            let _ = write!(page, "<p class=\"step\">Ping's step: {}", escape(step));
            if let Some(source) = &hop.step_source {
                let _ = write!(page, "<br><span class=\"muted\">from {}</span>", cite(source));
            }
            page.push_str("</p>");
        }
        if let Some(reason) = hop.beyond_ping_reason.as_deref().filter(|_| hop.beyond_ping) {
            let _ = write!(page, "<p><span class=\"beyond\">beyond Ping</span> {}</p>", escape(reason));
        }
        for (label, value) in [("Request", &hop.request), ("Response", &hop.response)] {
            if let Some(value) = value {
                let _ = write!(page, "<h4>{label}</h4><pre>{}</pre>", escape(&pretty(value)));
            }
        }
        for decoded in &hop.decoded {
            let _ = write!(page, "<h4>{}</h4><pre>{}</pre>", escape(&decoded.label), escape(&pretty(&decoded.value)));
        }
        page.push_str("</details>");
    }
    page.push_str("</body></html>\n");
    page
}

/// A document's citation with its address as a link.
fn cite(source: &str) -> String {
    let text = escape(source);
    match text.find("https://") {
        Some(at) => {
            let end = text[at..].find(char::is_whitespace).map_or(text.len(), |n| at + n);
            let url = &text[at..end];
            format!("{}<a href=\"{url}\">{url}</a>{}", &text[..at], &text[end..])
        }
        None => text,
    }
}

fn pretty(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:24px;color:#14213d}h1{font-size:22px}\
.muted{color:#5b6478;font-size:13px}details{border:1px solid #dfe4ee;border-radius:8px;padding:6px 10px;margin:6px 0}\
summary{cursor:pointer}pre{background:#f3f6fb;padding:8px;border-radius:6px;overflow:auto;font-size:12px}\
.s2{color:#137a4b}.s4,.s5{color:#b3261e}svg{max-width:100%;height:auto;border:1px solid #dfe4ee;border-radius:8px;background:#fff}\
.step{color:#3d4b66;font-size:13px}p.step{margin:8px 0}\
.beyond{display:inline-block;font-size:11px;font-weight:600;color:#9a5b00;background:#fff8e6;border:1px solid #f2a900;border-radius:999px;padding:0 7px}";

#[cfg(test)]
mod tests {
    use super::*;
    use moderno_wire::admin::Decoded;
    use serde_json::json;

    /// A hop with a request body and something decoded (the report lists both).
    fn hop(order: u64, from: &str, to: &str, path: &str, status: u16) -> Hop {
        Hop {
            request: Some(json!({"username": "<alice>"})),
            decoded: vec![Decoded { label: "PingFederate flow".into(), value: json!({"status": "COMPLETED"}) }],
            ..super::super::diagram::tests::hop(order, from, to, path, status)
        }
    }

    #[test]
    fn the_report_draws_one_arrow_per_hop_between_the_lanes_that_took_part_and_escapes_everything() {
        let hops = [
            hop(2, "Customer server", "PingID SDK", "/pingid/v1/accounts/a/users/alice", 200),
            hop(1, "App", "Customer server", "/pingidsdk", 401),
        ];
        let page = html("Run <1>", &hops);
        assert!(page.contains("<svg") && page.contains("Run &lt;1&gt;"));
        assert_eq!(page.matches("marker-end").count(), 2);
        assert!(
            page.contains(">App<") && page.contains(">PingID SDK<") && !page.contains(">PingOne MFA<"),
            "only the lanes used"
        );
        assert!(
            page.find("1. POST /pingidsdk").expect("first") < page.find("2. POST /users/alice").expect("second"),
            "in arrival order"
        );
        assert!(page.contains("&lt;alice&gt;") && !page.contains("<alice>"));
        assert!(page.contains("#b3261e"), "a refused hop is drawn red");
    }

    #[test]
    fn the_report_shows_each_hops_step_under_its_arrow_and_tags_what_is_beyond_ping() {
        let mut checks =
            hop(2, "Customer server", "PingID SDK", "/pingid/v1/accounts/a/applications/p/users/alice", 200);
        checks.step =
            Some("4a. The customer server checks if the user exists in the PingID SDK server <for real>".into());
        checks.step_source = Some("PingID SDK guide, “Pair first device”: https://apidocs.pingidentity.com/x".into());
        let mut polls = hop(1, "App", "Customer server", "/pingidsdk", 200);
        polls.beyond_ping = true;
        polls.beyond_ping_reason = Some("auth_status: the waiting screen polls".into());
        let page = html("Run", &[checks, polls]);
        assert!(page.contains("<tspan") && page.contains("4a. The customer server checks"), "the step under the arrow");
        assert!(page.contains("&lt;for real&gt;") && !page.contains("<for real>"), "escaped");
        assert!(page.contains("<a href=\"https://apidocs.pingidentity.com/x\">"), "the document linked");
        assert_eq!(page.matches(">beyond Ping</text>").count(), 1, "one tag in the diagram");
        assert!(
            page.contains("<span class=\"beyond\">beyond Ping</span> auth_status: the waiting screen polls"),
            "the reason in the exchange"
        );
    }
}
