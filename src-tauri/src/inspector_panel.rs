//! The flow inspector's side of the shell: the hops the embedded stack's services recorded
//! (`GET /admin/hops`) with their sequence diagram drawn by the stack's one renderer
//! (`moderno_stack::inspector::diagram`, the exported report's too), and a run exported as a self-contained HTML page and as JSON into the
//! app's data folder. Secrets were hidden by the services when they recorded.

use std::path::{Path, PathBuf};

use moderno_wire::admin::{Hop, Hops};
use serde::Serialize;
use ts_rs::TS;

use crate::admin_client;
use crate::error::{CommandError, ShellCode};
use crate::state::Connection;

/// One exchange as the inspector draws it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "../../ui/src/generated/")]
pub struct HopView {
    #[ts(type = "number")]
    pub seq: u64,
    /// The order requests arrived in: a call before the calls it made.
    #[ts(type = "number")]
    pub order: u64,
    pub at: String,
    pub from: String,
    pub to: String,
    pub method: String,
    pub path: String,
    pub status: u16,
    #[ts(type = "number")]
    pub millis: u64,
    /// The bodies and what was decoded, pretty-printed JSON (secrets shown as •••).
    pub request: Option<String>,
    pub response: Option<String>,
    pub decoded: Vec<DecodedView>,
    /// The step of Ping's flow document this exchange implements ("4a. The customer server
    /// checks if the user exists in the PingID SDK server"); null when no document has it.
    pub step: Option<String>,
    /// The document the step is from (its title and address).
    pub step_source: Option<String>,
    /// Only an extension makes this exchange, or it carries an extension's fields.
    pub beyond_ping: bool,
    /// Why it is beyond Ping, in a few words.
    pub beyond_ping_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, export_to = "../../ui/src/generated/")]
pub struct DecodedView {
    pub label: String,
    pub json: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "../../ui/src/generated/")]
pub struct HopsView {
    pub hops: Vec<HopView>,
    #[ts(type = "number")]
    pub last: u64,
    /// Every hop kept (not only these) as the sequence diagram, SVG markup with every text
    /// escaped: each arrow `<a class="hop" data-order="N">`, focusable and labelled. Null when
    /// nothing came after `after` (the diagram drawn before still holds).
    pub diagram: Option<String>,
}

/// Where an export was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "../../ui/src/generated/")]
pub struct ExportView {
    pub html_path: String,
    pub json_path: String,
    pub hops: u32,
}

fn pretty(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

impl From<Hop> for HopView {
    fn from(h: Hop) -> Self {
        Self {
            seq: h.seq,
            order: h.order,
            at: h.at,
            from: h.from,
            to: h.to,
            method: h.method,
            path: h.path,
            status: h.status,
            millis: h.millis,
            request: h.request.as_ref().map(pretty),
            response: h.response.as_ref().map(pretty),
            decoded: h.decoded.iter().map(|d| DecodedView { label: d.label.clone(), json: pretty(&d.value) }).collect(),
            step: h.step,
            step_source: h.step_source,
            beyond_ping: h.beyond_ping,
            beyond_ping_reason: h.beyond_ping_reason,
        }
    }
}

/// The hops after `after`, and the diagram of all of them when there are any.
pub async fn hops(conn: &Connection, after: u64) -> Result<HopsView, CommandError> {
    let newer: Hops =
        admin_client::call(conn, reqwest::Method::GET, &format!("/admin/hops?after={after}"), None).await?;
    if newer.hops.is_empty() && after > 0 {
        return Ok(HopsView { last: newer.last, hops: vec![], diagram: None });
    }
    // The diagram and the new hops from one read of them all.
    let all = if after == 0 {
        newer
    } else {
        admin_client::call::<Hops>(conn, reqwest::Method::GET, "/admin/hops", None).await?
    };
    let diagram = Some(window_diagram(&all.hops));
    let hops = all.hops.into_iter().filter(|h| h.seq > after).map(HopView::from).collect();
    Ok(HopsView { last: all.last, hops, diagram })
}

/// Forgets the hops so far (a new run).
pub async fn clear(conn: &Connection) -> Result<HopsView, CommandError> {
    let hops: Hops = admin_client::call(conn, reqwest::Method::POST, "/admin/hops/clear", None).await?;
    Ok(HopsView { last: hops.last, hops: vec![], diagram: Some(window_diagram(&[])) })
}

fn window_diagram(hops: &[Hop]) -> String {
    moderno_stack::inspector::diagram(hops, moderno_stack::inspector::Layout::WINDOW)
}

/// The inspector window's label (its capability allows only the inspector's commands).
pub const WINDOW: &str = "inspector";

/// Opens the inspector in its own wide window (the page in inspector mode), or focuses it.
pub fn open_window<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> Result<(), CommandError> {
    use tauri::Manager as _;
    let failed = |e: tauri::Error| {
        CommandError::new(ShellCode::WindowFailed, format!("the inspector window could not open: {e}"))
    };
    if let Some(window) = app.get_webview_window(WINDOW) {
        return window.set_focus().map_err(failed);
    }
    tauri::WebviewWindowBuilder::new(app, WINDOW, tauri::WebviewUrl::App("index.html?view=inspector".into()))
        .title("Moderno — flow inspector")
        .inner_size(1000.0, 760.0)
        .min_inner_size(640.0, 480.0)
        .build()
        .map_err(failed)?;
    tracing::info!("inspector window opened");
    Ok(())
}

/// Writes `moderno-run-<time>.html` and `.json` into `dir`.
pub async fn export(conn: &Connection, dir: &Path) -> Result<ExportView, CommandError> {
    // One read of the record; the page is drawn here the way the admin API's report.html draws it.
    let hops: Hops = admin_client::call(conn, reqwest::Method::GET, "/admin/hops", None).await?;
    let html = moderno_stack::inspector::html(moderno_stack::inspector::REPORT_TITLE, &hops.hops);
    let stem = format!("moderno-run-{}", conn.clock.now().format("%Y%m%d-%H%M%S"));
    let write = |path: &PathBuf, text: &str| {
        std::fs::create_dir_all(dir)
            .and_then(|()| std::fs::write(path, text))
            .map_err(|e| CommandError::new(ShellCode::ExportFailed, format!("could not write {}: {e}", path.display())))
    };
    let html_path = dir.join(format!("{stem}.html"));
    let json_path = dir.join(format!("{stem}.json"));
    write(&html_path, &html)?;
    write(&json_path, &serde_json::to_string_pretty(&hops).unwrap_or_default())?;
    Ok(ExportView {
        html_path: html_path.display().to_string(),
        json_path: json_path.display().to_string(),
        hops: u32::try_from(hops.hops.len()).unwrap_or(u32::MAX),
    })
}
