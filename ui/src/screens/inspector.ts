// The flow inspector: every hop the built-in servers saw, drawn as a sequence diagram while it
// happens (polled once a second), each arrow with the step of Ping's flow document it implements
// (and a "beyond Ping" tag where only an extension makes it), each exchange one click away, and
// the run exported as an HTML report and JSON. Secrets were hidden by the servers when they recorded.
import { api, asCommandError } from "../api";
import { h, screen } from "../dom";
import type { HopView } from "../generated/HopView";
import { beyondPing, laneOrder } from "../words";
import { NOTE_LINE, TAG, noteLeft, noteLines } from "./inspector-steps";
import { showError } from "./error";
import { showLogin } from "./login";

const SVG = "http://www.w3.org/2000/svg";
const LANE = 120;
const ROW = 30;
const TOP = 48;

let watching = 0;

/** `standalone`: the inspector's own window, which has no sign-in to go back to. */
export async function showInspector({ standalone = false } = {}): Promise<void> {
  const run = ++watching;
  let hops: HopView[] = [];
  let last = 0;
  try {
    const first = await api.inspectorHops(0);
    hops = first.hops;
    last = first.last;
  } catch (e) {
    return showError(asCommandError(e), { back: standalone ? undefined : showLogin, retry: () => showInspector({ standalone }) });
  }
  const count = h("p", { class: "hint", role: "status", id: "inspector-count" });
  const diagram = h("div", { class: "diagram", id: "inspector-diagram" });
  const details = h("section", { class: "hop-details", id: "hop-details", "aria-live": "polite" },
    h("p", { class: "hint" }, "Click an arrow to see the whole exchange."));
  const exported = h("p", { class: "notice", role: "status", hidden: true });
  const clear = h("button", { type: "button" }, "Clear");
  const exportButton = h("button", { type: "button", class: "primary" }, "Export report");
  const back = standalone ? null : h("button", { type: "button" }, "Back to sign in");
  back?.addEventListener("click", () => {
    watching++;
    showLogin();
  });
  const beside = standalone ? null : h("button", { type: "button" }, "Open beside the flow");
  beside?.addEventListener("click", async () => {
    try {
      await api.openInspectorWindow();
      watching++;
      showLogin("The flow inspector is open in its own window.");
    } catch (e) {
      exported.textContent = asCommandError(e).message;
      exported.hidden = false;
    }
  });
  const redraw = () => {
    count.textContent = `${hops.length} ${hops.length === 1 ? "exchange" : "exchanges"}, newest last.`;
    diagram.replaceChildren(draw(hops, (hop) => showHop(details, hop)));
  };
  clear.addEventListener("click", async () => {
    await api.inspectorClear().catch(() => null);
    hops = [];
    details.replaceChildren(h("p", { class: "hint" }, "Cleared. New exchanges appear as they happen."));
    redraw();
  });
  exportButton.addEventListener("click", async () => {
    try {
      const done = await api.inspectorExport();
      exported.textContent = `Exported ${done.hops} exchanges: ${done.htmlPath} and ${done.jsonPath}`;
    } catch (e) {
      exported.textContent = asCommandError(e).message;
    }
    exported.hidden = false;
  });
  screen("Flow inspector",
    h("p", { class: "lead" }, "Every hop between the app and the servers, and between the servers, as it happens, under the step of Ping's flow it implements. Secrets show as •••."),
    count, diagram, exported, h("div", { class: "actions" }, exportButton, clear, beside, back), details);
  redraw();
  const poll = async () => {
    if (run !== watching || !diagram.isConnected) return;
    const newer = await api.inspectorHops(last).catch(() => null);
    if (newer && newer.hops.length > 0) {
      hops = hops.concat(newer.hops);
      last = newer.last;
      redraw();
    }
    setTimeout(poll, 1000);
  };
  setTimeout(poll, 1000);
}

/** Lanes as columns, each hop a numbered arrow from caller to callee (red when refused), with
 * its step of Ping's flow under it. */
function draw(hops: HopView[], open: (hop: HopView) => void): SVGElement {
  const sorted = [...hops].sort((a, b) => a.order - b.order);
  const lanes = laneOrder(sorted.flatMap((hop) => [hop.from, hop.to]));
  const width = Math.max(1, lanes.length) * LANE;
  const notes = sorted.map((hop) => noteLines(hop, width));
  const height = TOP + notes.reduce((sum, lines) => sum + ROW + lines.length * NOTE_LINE, 0) + 12;
  const svg = el("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "sequence diagram" });
  const marker = el("marker", { id: "arrowhead", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" });
  marker.append(el("path", { d: "M0,0 L10,5 L0,10 z", fill: "#0b3d91" }));
  const defs = el("defs", {});
  defs.append(marker);
  svg.append(defs);
  const x = (lane: string) => lanes.indexOf(lane) * LANE + LANE / 2;
  lanes.forEach((lane) => {
    svg.append(el("rect", { x: x(lane) - LANE / 2 + 4, y: 6, width: LANE - 8, height: 26, rx: 6, fill: "#0b3d91" }));
    svg.append(text(lane, { x: x(lane), y: 23, "text-anchor": "middle", fill: "#fff", "font-size": 11 }));
    svg.append(el("line", { x1: x(lane), y1: 32, x2: x(lane), y2: height - 4, stroke: "#c5cdd9", "stroke-dasharray": "4 4" }));
  });
  let top = TOP;
  sorted.forEach((hop, row) => {
    const y = top + 10;
    const colour = hop.status >= 400 ? "#b3261e" : "#0b3d91";
    const middle = (x(hop.from) + x(hop.to)) / 2;
    const group = el("g", { class: hop.beyondPing ? "hop beyond-ping" : "hop", tabindex: 0, role: "button", "aria-label": spoken(hop) });
    group.append(text(spoken(hop), {}, "title"));
    group.append(el("line", { x1: x(hop.from), y1: y, x2: x(hop.to), y2: y, stroke: colour, "stroke-width": 1.6, "marker-end": "url(#arrowhead)" }));
    group.append(text(`${hop.order}. ${hop.method} ${shortPath(hop.path)} ${hop.status}`, { x: middle, y: y - 5, "text-anchor": "middle", "font-size": 9.5, fill: colour }));
    note(group, hop, notes[row], middle, y + 13, width);
    group.addEventListener("click", () => open(hop));
    group.addEventListener("keydown", (event) => (event as KeyboardEvent).key === "Enter" && open(hop));
    svg.append(group);
    top += ROW + notes[row].length * NOTE_LINE;
  });
  return svg;
}

/** What a screen reader (and a hover) says of an arrow: the exchange, its step, beyond Ping. */
function spoken(hop: HopView): string {
  const parts = [`${hop.order}. ${hop.from} to ${hop.to}: ${hop.method} ${hop.path}, ${hop.status}`];
  if (hop.step) parts.push(hop.step);
  if (hop.beyondPing) parts.push(hop.beyondPingReason ? `${beyondPing}: ${hop.beyondPingReason}` : beyondPing);
  return parts.join(". ");
}

/** The step under an arrow, after a small "beyond Ping" tag when only an extension makes the hop. */
function note(group: SVGElement, hop: HopView, lines: string[], middle: number, y: number, width: number): void {
  if (lines.length === 0) return;
  const left = noteLeft(lines, hop.beyondPing, middle, width);
  if (hop.beyondPing) {
    group.append(el("rect", { class: "beyond-ping-tag", x: left, y: y - 9, width: TAG - 6, height: 12, rx: 6 }));
    group.append(text(beyondPing, { class: "beyond-ping-text", x: left + (TAG - 6) / 2, y: y, "text-anchor": "middle" }));
  }
  const step = el("text", { class: "hop-step", "font-size": 9.5 });
  lines.forEach((line, i) => {
    if (line) step.append(text(line, { x: left + (hop.beyondPing ? TAG : 0), y: y + i * NOTE_LINE }, "tspan"));
  });
  group.append(step);
}

function showHop(details: HTMLElement, hop: HopView): void {
  const block = (title: string, json: string | null) => (json ? [h("h3", {}, title), h("pre", {}, json)] : []);
  const flow: HTMLElement[] = [];
  if (hop.step) flow.push(h("p", { class: "hop-step-detail" }, h("strong", {}, "Ping's step: "), hop.step));
  if (hop.step && hop.stepSource) flow.push(h("p", { class: "hint hop-step-source" }, `From ${hop.stepSource}`));
  if (hop.beyondPing) flow.push(h("p", { class: "hop-beyond-ping" }, h("span", { class: "tag" }, beyondPing), hop.beyondPingReason ?? ""));
  details.replaceChildren(
    h("h2", {}, `${hop.order}. ${hop.from} → ${hop.to}`),
    h("p", { class: "code" }, `${hop.method} ${hop.path} → ${hop.status} · ${hop.millis} ms · ${new Date(hop.at).toLocaleTimeString()}`),
    ...flow,
    ...block("Request", hop.request),
    ...block("Response", hop.response),
    ...hop.decoded.flatMap((d) => block(d.label, d.json)),
  );
}

function shortPath(path: string): string {
  const parts = path.split("?")[0].split("/").filter(Boolean);
  const tail = `/${parts.slice(-2).join("/")}`;
  return tail.length > 24 ? `…${tail.slice(-23)}` : tail;
}

function el(tag: string, attrs: Record<string, string | number>): SVGElement {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

function text(content: string, attrs: Record<string, string | number>, tag = "text"): SVGElement {
  const node = el(tag, attrs);
  node.textContent = content;
  return node;
}
