//! A run as one self-contained HTML page: the hops as an SVG sequence diagram (one lane per
//! party, in the order the requests arrived), then every exchange with its bodies and what was
//! decoded. Everything shown is escaped; secrets were hidden when the hops were recorded.

use std::fmt::Write as _;

use moderno_wire::admin::Hop;

const LANES: [&str; 6] = ["Web browser", "App", "Customer server", "PingID SDK", "PingFederate", "PingOne MFA"];
const LANE_WIDTH: usize = 170;
const ROW: usize = 34;
const TOP: usize = 60;

/// The report page for `hops`, titled `title`.
pub fn html(title: &str, hops: &[Hop]) -> String {
    let mut hops: Vec<&Hop> = hops.iter().collect();
    hops.sort_by_key(|h| h.order);
    let lanes: Vec<&str> = LANES.iter().copied().filter(|l| hops.iter().any(|h| h.from == *l || h.to == *l)).collect();
    let mut page = String::new();
    let _ = write!(
        page,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title><style>{STYLE}</style></head><body>\
<h1>{t}</h1><p class=\"muted\">{n} exchanges. Secrets (passwords, passcodes, keys, tokens, signatures) are shown as •••.</p>{svg}<h2>Exchanges</h2>",
        t = escape(title),
        n = hops.len(),
        svg = diagram(&lanes, &hops),
    );
    for hop in &hops {
        let _ = write!(
            page,
            "<details id=\"hop-{order}\"><summary><b>{order}.</b> {from} → {to}: <code>{method} {path}</code> <span class=\"s{class}\">{status}</span> <span class=\"muted\">{ms} ms · {at}</span></summary>",
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

/// The sequence diagram: lanes as columns, each hop a labelled arrow from caller to callee.
fn diagram(lanes: &[&str], hops: &[&Hop]) -> String {
    let width = lanes.len().max(1) * LANE_WIDTH;
    let height = TOP + hops.len() * ROW + 20;
    let x = |lane: &str| lanes.iter().position(|l| *l == lane).unwrap_or(0) * LANE_WIDTH + LANE_WIDTH / 2;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"sequence diagram\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\">\
<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#0b3d91\"/></marker></defs>"
    );
    for lane in lanes {
        let cx = x(lane);
        let _ = write!(
            svg,
            "<rect x=\"{}\" y=\"8\" width=\"{}\" height=\"30\" rx=\"6\" fill=\"#0b3d91\"/><text x=\"{cx}\" y=\"28\" text-anchor=\"middle\" fill=\"#fff\" font-size=\"13\">{}</text>\
<line x1=\"{cx}\" y1=\"38\" x2=\"{cx}\" y2=\"{}\" stroke=\"#c5cdd9\" stroke-dasharray=\"4 4\"/>",
            cx - LANE_WIDTH / 2 + 8,
            LANE_WIDTH - 16,
            escape(lane),
            height - 10,
        );
    }
    for (row, hop) in hops.iter().enumerate() {
        let y = TOP + row * ROW + 14;
        let (from, to) = (x(&hop.from), x(&hop.to));
        let colour = if hop.status >= 400 { "#b3261e" } else { "#0b3d91" };
        let label = format!("{}. {} {} → {}", hop.order, hop.method, short(&hop.path), hop.status);
        let _ = write!(
            svg,
            "<a href=\"#hop-{order}\"><line x1=\"{from}\" y1=\"{y}\" x2=\"{to}\" y2=\"{y}\" stroke=\"{colour}\" stroke-width=\"1.6\" marker-end=\"url(#arrow)\"/>\
<text x=\"{mid}\" y=\"{ty}\" text-anchor=\"middle\" font-size=\"11\" fill=\"{colour}\">{label}</text></a>",
            order = hop.order,
            mid = (from + to) / 2,
            ty = y - 5,
            label = escape(&label),
        );
    }
    svg.push_str("</svg>");
    svg
}

/// The path's last meaningful segments, so a label fits between two lanes.
fn short(path: &str) -> String {
    let path = path.split('?').next().unwrap_or(path);
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let tail = &segments[segments.len().saturating_sub(2)..];
    let text = format!("/{}", tail.join("/"));
    if text.chars().count() > 30 { format!("…{}", text.chars().rev().take(29).collect::<Vec<_>>().into_iter().rev().collect::<String>()) } else { text }
}

fn pretty(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:24px;color:#14213d}h1{font-size:22px}\
.muted{color:#5b6478;font-size:13px}details{border:1px solid #dfe4ee;border-radius:8px;padding:6px 10px;margin:6px 0}\
summary{cursor:pointer}pre{background:#f3f6fb;padding:8px;border-radius:6px;overflow:auto;font-size:12px}\
.s2{color:#137a4b}.s4,.s5{color:#b3261e}svg{max-width:100%;height:auto;border:1px solid #dfe4ee;border-radius:8px;background:#fff}";

#[cfg(test)]
mod tests {
    use super::*;
    use moderno_wire::admin::Decoded;
    use serde_json::json;

    fn hop(order: u64, from: &str, to: &str, path: &str, status: u16) -> Hop {
        Hop {
            seq: order,
            order,
            at: "2027-01-15T08:00:00Z".into(),
            from: from.into(),
            to: to.into(),
            method: "POST".into(),
            path: path.into(),
            status,
            millis: 3,
            request: Some(json!({"username": "<alice>"})),
            response: None,
            decoded: vec![Decoded { label: "PingFederate flow".into(), value: json!({"status": "COMPLETED"}) }],
        }
    }

    #[test]
    fn the_report_draws_one_arrow_per_hop_between_the_lanes_that_took_part_and_escapes_everything() {
        let hops = [hop(2, "Customer server", "PingID SDK", "/pingid/v1/accounts/a/users/alice", 200), hop(1, "App", "Customer server", "/pingidsdk", 401)];
        let page = html("Run <1>", &hops);
        assert!(page.contains("<svg") && page.contains("Run &lt;1&gt;"));
        assert_eq!(page.matches("marker-end").count(), 2);
        assert!(page.contains(">App<") && page.contains(">PingID SDK<") && !page.contains(">PingOne MFA<"), "only the lanes used");
        assert!(page.find("1. POST /pingidsdk").expect("first") < page.find("2. POST /users/alice").expect("second"), "in arrival order");
        assert!(page.contains("&lt;alice&gt;") && !page.contains("<alice>"));
        assert!(page.contains("#b3261e"), "a refused hop is drawn red");
    }
}
