//! A run as one self-contained HTML page: the hops as an SVG sequence diagram (one lane per
//! party, in the order the requests arrived), then every exchange with its bodies and what was
//! decoded. Everything shown is escaped; secrets were hidden when the hops were recorded.

use std::fmt::Write as _;

use moderno_wire::admin::Hop;

const LANES: [&str; 6] = ["Web browser", "App", "Customer server", "PingID SDK", "PingFederate", "PingOne MFA"];
const LANE_WIDTH: usize = 170;
const ROW: usize = 34;
const TOP: usize = 60;
/// A line of a hop's step under its arrow, and the width of a character of it (11 px text).
const NOTE_LINE: usize = 14;
const NOTE_CHAR: f64 = 6.0;
/// The "beyond Ping" tag before a step (or alone), with its gap.
const TAG_WIDTH: usize = 76;
/// Longer steps end in "…" (the whole step is in the exchange below and in the arrow's title).
const NOTE_LINES: usize = 3;

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

/// The sequence diagram: lanes as columns, each hop a labelled arrow from caller to callee, with
/// the step of Ping's flow it implements (and a "beyond Ping" tag) under it.
fn diagram(lanes: &[&str], hops: &[&Hop]) -> String {
    let width = lanes.len().max(1) * LANE_WIDTH;
    let notes: Vec<Vec<String>> = hops.iter().map(|h| note_lines(h, width)).collect();
    let height = TOP + notes.iter().map(|lines| ROW + lines.len() * NOTE_LINE).sum::<usize>() + 20;
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
    let mut top = TOP;
    for (hop, lines) in hops.iter().zip(&notes) {
        let y = top + 14;
        let (from, to) = (x(&hop.from), x(&hop.to));
        let colour = if hop.status >= 400 { "#b3261e" } else { "#0b3d91" };
        let label = format!("{}. {} {} → {}", hop.order, hop.method, short(&hop.path), hop.status);
        let _ = write!(
            svg,
            "<a href=\"#hop-{order}\"><title>{title}</title><line x1=\"{from}\" y1=\"{y}\" x2=\"{to}\" y2=\"{y}\" stroke=\"{colour}\" stroke-width=\"1.6\" marker-end=\"url(#arrow)\"/>\
<text x=\"{mid}\" y=\"{ty}\" text-anchor=\"middle\" font-size=\"11\" fill=\"{colour}\">{label}</text>{note}</a>",
            order = hop.order,
            title = escape(&title(hop)),
            mid = (from + to) / 2,
            ty = y - 5,
            label = escape(&label),
            note = note(hop, lines, (from + to) / 2, y + 14, width),
        );
        top += ROW + lines.len() * NOTE_LINE;
    }
    svg.push_str("</svg>");
    svg
}

/// The hop's step wrapped to the diagram's width, beside the tag when there is one; one empty
/// line for a tag alone.
fn note_lines(hop: &Hop, width: usize) -> Vec<String> {
    let tag = if hop.beyond_ping { TAG_WIDTH } else { 0 };
    match &hop.step {
        Some(step) => wrap(step, width.saturating_sub(12 + tag).max(72) as f64, NOTE_LINES),
        None if hop.beyond_ping => vec![String::new()],
        None => Vec::new(),
    }
}

/// The note under an arrow: centred on it, kept inside the diagram.
fn note(hop: &Hop, lines: &[String], mid: usize, y: usize, width: usize) -> String {
    if lines.is_empty() {
        return String::new();
    }
    let tag = if hop.beyond_ping { TAG_WIDTH } else { 0 };
    let block = tag as f64 + lines.iter().map(|l| text_width(l)).fold(0.0, f64::max);
    let left = (mid as f64 - block / 2.0).min(width as f64 - block - 6.0).max(6.0);
    let mut note = String::new();
    if hop.beyond_ping {
        let _ = write!(
            note,
            "<rect x=\"{left:.1}\" y=\"{}\" width=\"{}\" height=\"14\" rx=\"7\" fill=\"#fff8e6\" stroke=\"#f2a900\"/>\
<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\" font-size=\"10\" font-weight=\"600\" fill=\"#9a5b00\">beyond Ping</text>",
            y - 11,
            TAG_WIDTH - 6,
            left + (TAG_WIDTH - 6) as f64 / 2.0,
            y,
        );
    }
    let _ = write!(note, "<text font-size=\"11\" fill=\"#3d4b66\">");
    for (i, line) in lines.iter().enumerate().filter(|(_, l)| !l.is_empty()) {
        let _ =
            write!(note, "<tspan x=\"{:.1}\" y=\"{}\">{}</tspan>", left + tag as f64, y + i * NOTE_LINE, escape(line));
    }
    note.push_str("</text>");
    note
}

/// What hovering an arrow says: the step, and why it is beyond Ping.
fn title(hop: &Hop) -> String {
    let mut title = format!("{}. {} → {}: {} {}", hop.order, hop.from, hop.to, hop.method, hop.path);
    if let Some(step) = &hop.step {
        let _ = write!(title, "\n{step}");
    }
    if let Some(reason) = hop.beyond_ping_reason.as_deref().filter(|_| hop.beyond_ping) {
        let _ = write!(title, "\nbeyond Ping: {reason}");
    }
    title
}

/// About how wide `text` draws at 11 px (capitals are wider than the rest).
fn text_width(text: &str) -> f64 {
    text.chars().map(|c| if c.is_uppercase() { 1.35 } else { 1.0 }).sum::<f64>() * NOTE_CHAR
}

/// `text` in lines at most `width` pixels wide (words kept whole unless one is wider), at most
/// `lines` of them, the last ending in "…" when the text goes on.
fn wrap(text: &str, width: f64, lines: usize) -> Vec<String> {
    let mut out: Vec<String> = vec![String::new()];
    for word in text.split_whitespace() {
        let last = out.last().map_or("", String::as_str);
        if !last.is_empty() && text_width(&format!("{last} {word}")) > width {
            out.push(String::new());
        }
        if let Some(line) = out.last_mut() {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    let cut = out.len() > lines;
    out.truncate(lines);
    let last = out.len() - 1;
    for (i, line) in out.iter_mut().enumerate() {
        if (cut && i == last) || text_width(line) > width {
            *line = ellipsized(line, width);
        }
    }
    out
}

/// `line` cut to end in "…" within `width`.
fn ellipsized(line: &str, width: f64) -> String {
    let mut kept = line.trim_end().to_owned();
    while !kept.is_empty() && text_width(&kept) + NOTE_CHAR > width {
        kept.pop();
    }
    format!("{}…", kept.trim_end())
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

/// The path's last meaningful segments, so a label fits between two lanes.
fn short(path: &str) -> String {
    let path = path.split('?').next().unwrap_or(path);
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let tail = &segments[segments.len().saturating_sub(2)..];
    let text = format!("/{}", tail.join("/"));
    if text.chars().count() > 30 {
        format!("…{}", text.chars().rev().take(29).collect::<Vec<_>>().into_iter().rev().collect::<String>())
    } else {
        text
    }
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
.s2{color:#137a4b}.s4,.s5{color:#b3261e}svg{max-width:100%;height:auto;border:1px solid #dfe4ee;border-radius:8px;background:#fff}\
.step{color:#3d4b66;font-size:13px}p.step{margin:8px 0}\
.beyond{display:inline-block;font-size:11px;font-weight:600;color:#9a5b00;background:#fff8e6;border:1px solid #f2a900;border-radius:999px;padding:0 7px}";

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
            step: None,
            step_source: None,
            beyond_ping: false,
            beyond_ping_reason: None,
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

    #[test]
    fn a_long_step_wraps_to_the_width_and_ends_in_an_ellipsis_past_the_last_line() {
        assert_eq!(
            wrap("4b. The customer server creates a registration token", 120.0, 3),
            ["4b. The customer", "server creates a", "registration token"]
        );
        let cut = wrap("one two three four five six seven", 54.0, 2);
        assert_eq!(cut, ["one two", "three…"]);
        assert_eq!(wrap("a-very-long-single-word", 48.0, 3), ["a-very-…"]);
        assert_eq!(
            wrap("MOBILE_PAIRING_REQUIRED with", 200.0, 3),
            ["MOBILE_PAIRING_REQUIRED", "with"],
            "capitals are wider"
        );
        for line in wrap("5. PingOne MFA starts the pairing: the serverPayload for MOBILE_PAIRING_REQUIRED", 300.0, 3) {
            assert!(text_width(&line) <= 300.0, "{line}");
        }
    }
}
