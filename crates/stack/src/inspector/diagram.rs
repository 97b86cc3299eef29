//! The one drawing of a run's sequence diagram, as SVG markup: lanes for the parties in the order a
//! flow travels, each hop a numbered arrow from caller to callee (red when refused) with the step
//! of Ping's flow it implements under it, after a "beyond Ping" tag when only an extension makes
//! it. The exported report (and `docs/inspector/`) and the desktop app's inspector both show this
//! markup, at their own [`Layout`]. Everything shown is escaped.
//!
//! Each arrow is a link to its exchange (`<a href="#hop-N">`, focusable, `data-order="N"`),
//! classed `hop` (and `beyond-ping`), spoken by its `aria-label`; the step under it is classed
//! `hop-step`, the tag `beyond-ping-tag` and `beyond-ping-text`, so a page may restyle them.

use std::fmt::Write as _;

use moderno_wire::admin::Hop;

/// The parties in the order a flow travels; a party not listed gets a lane after them.
const LANES: [&str; 6] = ["Web browser", "App", "Customer server", "PingID SDK", "PingFederate", "PingOne MFA"];
/// Longer steps end in "…" (the whole step is in the exchange and in the arrow's title).
const NOTE_LINES: usize = 3;
const BLUE: &str = "#0b3d91";
const RED: &str = "#b3261e";

/// How large the diagram draws.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Layout {
    /// A lane's width, and the gap either side of its name's box.
    lane: usize,
    inset: usize,
    /// The names' boxes: top, height, text size.
    head_top: usize,
    head_height: usize,
    head_font: f64,
    /// Where the first arrow's row starts, a row's height without its step, and the arrow below
    /// the row's top.
    top: usize,
    row: usize,
    arrow: usize,
    /// The arrow's label and the step's text size, and where the step starts below the arrow.
    font: f64,
    note_drop: usize,
    /// A line of a step (also the tag's height), and the width of a character of it.
    note_line: usize,
    note_char: f64,
    /// The "beyond Ping" tag before a step (or alone), with its gap, and its text size.
    tag: usize,
    tag_font: f64,
    /// Room below the last row.
    bottom: usize,
    /// A path label longer than this shows its end after "…".
    path_chars: usize,
}

impl Layout {
    /// The exported page, read in a browser.
    pub const PAGE: Layout = Layout {
        lane: 170,
        inset: 8,
        head_top: 8,
        head_height: 30,
        head_font: 13.0,
        top: 60,
        row: 34,
        arrow: 14,
        font: 11.0,
        note_drop: 14,
        note_line: 14,
        note_char: 6.0,
        tag: 76,
        tag_font: 10.0,
        bottom: 20,
        path_chars: 30,
    };

    /// The app's inspector, which fits the window's narrow lanes (scrolled sideways at 360 px).
    pub const WINDOW: Layout = Layout {
        lane: 120,
        inset: 4,
        head_top: 6,
        head_height: 26,
        head_font: 11.0,
        top: 48,
        row: 30,
        arrow: 10,
        font: 9.5,
        note_drop: 13,
        note_line: 12,
        note_char: 5.2,
        tag: 64,
        tag_font: 8.5,
        bottom: 12,
        path_chars: 24,
    };
}

/// The sequence diagram of `hops` (drawn in the order their requests arrived).
pub fn diagram(hops: &[Hop], layout: Layout) -> String {
    let mut hops: Vec<&Hop> = hops.iter().collect();
    hops.sort_by_key(|h| h.order);
    let lanes = lanes(&hops);
    let l = layout;
    let width = lanes.len().max(1) * l.lane;
    let notes: Vec<Vec<String>> = hops.iter().map(|h| note_lines(h, width, l)).collect();
    let height = l.top + notes.iter().map(|lines| l.row + lines.len() * l.note_line).sum::<usize>() + l.bottom;
    let x = |lane: &str| lanes.iter().position(|p| p == lane).unwrap_or(0) * l.lane + l.lane / 2;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"sequence diagram\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\">\
<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"{BLUE}\"/></marker></defs>"
    );
    for lane in &lanes {
        let cx = x(lane);
        let _ = write!(
            svg,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"6\" fill=\"{BLUE}\"/><text x=\"{cx}\" y=\"{:.0}\" text-anchor=\"middle\" fill=\"#fff\" font-size=\"{}\">{}</text>\
<line x1=\"{cx}\" y1=\"{}\" x2=\"{cx}\" y2=\"{}\" stroke=\"#c5cdd9\" stroke-dasharray=\"4 4\"/>",
            cx - l.lane / 2 + l.inset,
            l.head_top,
            l.lane - 2 * l.inset,
            l.head_height,
            (l.head_top as f64 + (l.head_height as f64 + l.head_font) / 2.0 - 1.0).floor(),
            l.head_font,
            escape(lane),
            l.head_top + l.head_height,
            height - l.bottom / 2,
        );
    }
    let mut top = l.top;
    for (hop, lines) in hops.iter().zip(&notes) {
        let y = top + l.arrow;
        let (from, to) = (x(&hop.from), x(&hop.to));
        let colour = if hop.status >= 400 { RED } else { BLUE };
        let label = format!("{}. {} {} → {}", hop.order, hop.method, short(&hop.path, l.path_chars), hop.status);
        let _ = write!(
            svg,
            "<a href=\"#hop-{order}\" class=\"hop{beyond}\" data-order=\"{order}\" tabindex=\"0\" aria-label=\"{spoken}\"><title>{title}</title>\
<line x1=\"{from}\" y1=\"{y}\" x2=\"{to}\" y2=\"{y}\" stroke=\"{colour}\" stroke-width=\"1.6\" marker-end=\"url(#arrow)\"/>\
<text x=\"{mid}\" y=\"{ty}\" text-anchor=\"middle\" font-size=\"{font}\" fill=\"{colour}\">{label}</text>{note}</a>",
            order = hop.order,
            beyond = if hop.beyond_ping { " beyond-ping" } else { "" },
            spoken = escape(&spoken(hop)),
            title = escape(&title(hop)),
            mid = (from + to) / 2,
            ty = y - 5,
            font = l.font,
            label = escape(&label),
            note = note(hop, lines, (from + to) / 2, y + l.note_drop, width, l),
        );
        top += l.row + lines.len() * l.note_line;
    }
    svg.push_str("</svg>");
    svg
}

/// The lanes of the parties that took part, in the order a flow travels; others after them, as
/// they first appear.
fn lanes(hops: &[&Hop]) -> Vec<String> {
    let parties: Vec<&str> = hops.iter().flat_map(|h| [h.from.as_str(), h.to.as_str()]).collect();
    let mut lanes: Vec<String> = LANES.iter().filter(|l| parties.contains(l)).map(|l| (*l).to_owned()).collect();
    for party in parties {
        if !lanes.iter().any(|l| l == party) {
            lanes.push(party.to_owned());
        }
    }
    lanes
}

/// The hop's step wrapped to the diagram's width, beside the tag when there is one; one empty
/// line for a tag alone.
fn note_lines(hop: &Hop, width: usize, l: Layout) -> Vec<String> {
    let tag = if hop.beyond_ping { l.tag } else { 0 };
    match &hop.step {
        Some(step) => wrap(step, width.saturating_sub(12 + tag).max(72) as f64, NOTE_LINES, l.note_char),
        None if hop.beyond_ping => vec![String::new()],
        None => Vec::new(),
    }
}

/// The note under an arrow: centred on it, kept inside the diagram.
fn note(hop: &Hop, lines: &[String], mid: usize, y: usize, width: usize, l: Layout) -> String {
    if lines.is_empty() {
        return String::new();
    }
    let tag = if hop.beyond_ping { l.tag } else { 0 };
    let block = tag as f64 + lines.iter().map(|line| text_width(line, l.note_char)).fold(0.0, f64::max);
    let left = (mid as f64 - block / 2.0).min(width as f64 - block - 6.0).max(6.0);
    let mut note = String::new();
    if hop.beyond_ping {
        let _ = write!(
            note,
            "<rect class=\"beyond-ping-tag\" x=\"{left:.1}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"{}\" fill=\"#fff8e6\" stroke=\"#f2a900\"/>\
<text class=\"beyond-ping-text\" x=\"{:.1}\" y=\"{y}\" text-anchor=\"middle\" font-size=\"{}\" font-weight=\"600\" fill=\"#9a5b00\">beyond Ping</text>",
            y - (l.note_line - 3),
            l.tag - 6,
            l.note_line,
            l.note_line / 2,
            left + (l.tag - 6) as f64 / 2.0,
            l.tag_font,
        );
    }
    let _ = write!(note, "<text class=\"hop-step\" font-size=\"{}\" fill=\"#3d4b66\">", l.font);
    for (i, line) in lines.iter().enumerate().filter(|(_, line)| !line.is_empty()) {
        let _ = write!(
            note,
            "<tspan x=\"{:.1}\" y=\"{}\">{}</tspan>",
            left + tag as f64,
            y + i * l.note_line,
            escape(line)
        );
    }
    note.push_str("</text>");
    note
}

/// What a screen reader says of an arrow: the exchange, its step, why it is beyond Ping.
fn spoken(hop: &Hop) -> String {
    let mut parts =
        vec![format!("{}. {} to {}: {} {}, {}", hop.order, hop.from, hop.to, hop.method, hop.path, hop.status)];
    parts.extend(hop.step.clone());
    if hop.beyond_ping {
        parts.push(match &hop.beyond_ping_reason {
            Some(reason) => format!("beyond Ping: {reason}"),
            None => "beyond Ping".to_owned(),
        });
    }
    parts.join(". ")
}

/// What hovering an arrow says: the exchange, the step, and why it is beyond Ping.
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

/// About how wide `text` draws, a character being `char` wide (capitals are wider).
fn text_width(text: &str, char: f64) -> f64 {
    text.chars().map(|c| if c.is_uppercase() { 1.35 } else { 1.0 }).sum::<f64>() * char
}

/// `text` in lines at most `width` pixels wide (words kept whole unless one is wider), at most
/// `lines` of them, the last ending in "…" when the text goes on.
fn wrap(text: &str, width: f64, lines: usize, char: f64) -> Vec<String> {
    let mut out: Vec<String> = vec![String::new()];
    for word in text.split_whitespace() {
        let last = out.last().map_or("", String::as_str);
        if !last.is_empty() && text_width(&format!("{last} {word}"), char) > width {
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
        if (cut && i == last) || text_width(line, char) > width {
            *line = ellipsized(line, width, char);
        }
    }
    out
}

/// `line` cut to end in "…" within `width`.
fn ellipsized(line: &str, width: f64, char: f64) -> String {
    let mut kept = line.trim_end().to_owned();
    while !kept.is_empty() && text_width(&kept, char) + char > width {
        kept.pop();
    }
    format!("{}…", kept.trim_end())
}

/// The path's last two segments, so a label fits between two lanes; its end after "…" when
/// longer than `chars`.
fn short(path: &str, chars: usize) -> String {
    let path = path.split('?').next().unwrap_or(path);
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let tail = &segments[segments.len().saturating_sub(2)..];
    let text = format!("/{}", tail.join("/"));
    let count = text.chars().count();
    if count > chars {
        format!("…{}", text.chars().skip(count + 1 - chars).collect::<String>())
    } else {
        text
    }
}

/// `text` safe inside markup, in an element or an attribute.
pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// A hop with no body, no step, not beyond Ping.
    pub(in crate::inspector) fn hop(order: u64, from: &str, to: &str, path: &str, status: u16) -> Hop {
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
            request: None,
            response: None,
            decoded: vec![],
            step: None,
            step_source: None,
            beyond_ping: false,
            beyond_ping_reason: None,
        }
    }

    #[test]
    fn each_arrow_is_a_focusable_link_to_its_exchange_spoken_by_its_label_and_escaped() {
        let mut polls = hop(2, "App", "Customer server", "/pingidsdk?x=<y>", 200);
        polls.step = Some("3. The app <polls>".into());
        polls.beyond_ping = true;
        polls.beyond_ping_reason = Some("auth_status: the waiting screen \"polls\"".into());
        let svg = diagram(&[polls, hop(1, "Customer server", "PingID SDK", "/users/alice", 401)], Layout::WINDOW);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        let first = svg.find("data-order=\"1\"").expect("the first arrow");
        let second = svg.find("data-order=\"2\"").expect("the second arrow");
        assert!(first < second, "in arrival order");
        assert!(svg.contains(
            "<a href=\"#hop-1\" class=\"hop\" data-order=\"1\" tabindex=\"0\" aria-label=\"1. Customer server to PingID SDK: POST /users/alice, 401\">"
        ));
        assert!(svg.contains(
            "<a href=\"#hop-2\" class=\"hop beyond-ping\" data-order=\"2\" tabindex=\"0\" aria-label=\"2. App to Customer server: POST /pingidsdk?x=&lt;y&gt;, 200. 3. The app &lt;polls&gt;. beyond Ping: auth_status: the waiting screen &quot;polls&quot;\">"
        ));
        assert!(svg.contains(">1. POST /users/alice → 401</text>"), "the arrow's label: the path's end and the status");
        assert!(!svg.contains("<polls>") && !svg.contains("<y>"), "escaped everywhere");
        assert_eq!(svg.matches("class=\"beyond-ping-tag\"").count(), 1, "one tag");
        assert!(svg.contains("<text class=\"hop-step\""), "the step under its arrow");
        assert_eq!(svg.matches(&format!("stroke=\"{RED}\"")).count(), 1, "the refused hop is drawn red");
    }

    #[test]
    fn lanes_follow_the_flow_keep_only_the_parties_present_and_put_a_stranger_last() {
        let hops = [hop(1, "PingOne MFA", "Somebody", "/a", 200), hop(2, "App", "PingFederate", "/b", 200)];
        let refs: Vec<&Hop> = hops.iter().collect();
        assert_eq!(lanes(&refs), ["App", "PingFederate", "PingOne MFA", "Somebody"]);
        let svg = diagram(&hops, Layout::PAGE);
        assert_eq!(svg.matches("stroke-dasharray").count(), 4, "one lifeline a lane");
        assert!(svg.contains("width=\"680\""), "four lanes of the page's width");
        assert!(diagram(&hops, Layout::WINDOW).contains("width=\"480\""), "four of the window's");
    }

    #[test]
    fn no_hop_draws_an_empty_diagram_one_lane_wide() {
        let svg = diagram(&[], Layout::WINDOW);
        assert!(svg.contains("width=\"120\"") && !svg.contains("<a ") && !svg.contains("<line"));
    }

    #[test]
    fn a_long_path_shows_its_end_after_an_ellipsis() {
        assert_eq!(short("/pingid/v1/accounts/a/users/alice?x=1", 30), "/users/alice");
        let long = "/pingid/v1/accounts/a/applications/moderno-app/settings-of-the-application";
        assert_eq!(short(long, 24), "…ings-of-the-application");
        assert_eq!(short(long, 40), "/moderno-app/settings-of-the-application");
    }

    #[test]
    fn a_long_step_wraps_to_the_width_and_ends_in_an_ellipsis_past_the_last_line() {
        let char = Layout::PAGE.note_char;
        assert_eq!(
            wrap("4b. The customer server creates a registration token", 120.0, 3, char),
            ["4b. The customer", "server creates a", "registration token"]
        );
        assert_eq!(wrap("one two three four five six seven", 54.0, 2, char), ["one two", "three…"]);
        assert_eq!(wrap("a-very-long-single-word", 48.0, 3, char), ["a-very-…"]);
        assert_eq!(
            wrap("MOBILE_PAIRING_REQUIRED with", 200.0, 3, char),
            ["MOBILE_PAIRING_REQUIRED", "with"],
            "capitals are wider"
        );
        let step = "5. PingOne MFA starts the pairing: the serverPayload for MOBILE_PAIRING_REQUIRED";
        for layout in [Layout::PAGE, Layout::WINDOW] {
            for line in wrap(step, 300.0, 3, layout.note_char) {
                assert!(text_width(&line, layout.note_char) <= 300.0, "{line}");
            }
        }
    }

    #[test]
    fn a_step_gets_its_lines_at_the_diagrams_width_a_lone_tag_one_and_nothing_else_none() {
        let l = Layout::WINDOW;
        let mut plain = hop(1, "App", "PingFederate", "/x", 200);
        plain.step = Some("5. PingOne MFA starts the pairing: the serverPayload for MOBILE_PAIRING_REQUIRED".into());
        let wide = note_lines(&plain, 360, l);
        assert_eq!(wide.join(" "), plain.step.clone().unwrap_or_default());
        assert!(wide.iter().all(|line| text_width(line, l.note_char) <= (360 - 12) as f64));
        let mut tagged = plain.clone();
        tagged.beyond_ping = true;
        assert!(note_lines(&tagged, 360, l).iter().all(|line| (l.tag as f64) + text_width(line, l.note_char) <= 348.0));
        tagged.step = None;
        assert_eq!(note_lines(&tagged, 360, l), [""]);
        assert!(note_lines(&hop(1, "App", "PingFederate", "/x", 200), 360, l).is_empty());
    }

    #[test]
    fn a_note_is_centred_on_its_arrow_but_kept_inside_the_diagram() {
        let l = Layout::WINDOW;
        let lefts = |svg: &str| -> Vec<f64> {
            svg.split("<tspan x=\"").skip(1).filter_map(|rest| rest.split('"').next()?.parse().ok()).collect()
        };
        let stepped = |order, from, to, step: &str| {
            let mut hop = hop(order, from, to, "/x", 200);
            hop.step = Some(step.into());
            hop
        };
        // App at 60, Customer server at 180: "abcd" centred on 120.
        let centred = diagram(&[stepped(1, "App", "Customer server", "abcd")], l);
        assert!((lefts(&centred)[0] - (120.0 - 2.0 * l.note_char)).abs() < 0.06, "{centred}");
        // Three lanes (360 wide): a note 208 wide under the first lane and under the last.
        let wide = "x".repeat(40);
        let edges = diagram(
            &[
                hop(1, "App", "Customer server", "/x", 200),
                hop(2, "Customer server", "PingID SDK", "/x", 200),
                stepped(3, "App", "App", &wide),
                stepped(4, "PingID SDK", "PingID SDK", &wide),
            ],
            l,
        );
        assert_eq!(lefts(&edges), [6.0, 360.0 - 6.0 - 40.0 * l.note_char], "kept off both edges");
    }
}
