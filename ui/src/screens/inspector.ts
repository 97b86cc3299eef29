// The flow inspector: every hop the built-in servers saw, drawn as a sequence diagram while it
// happens (polled once a second), each arrow with the step of Ping's flow document it implements
// (and a "beyond Ping" tag where only an extension makes it), each exchange one click away, and
// the run exported as an HTML report and JSON. Secrets were hidden by the servers when they recorded.
// The diagram is drawn by the shell (the stack's one renderer, the exported report's too) and
// comes with the hops; this screen shows it and opens the exchange of the arrow clicked.
import { api, asCommandError } from "../api";
import { h, screen } from "../dom";
import type { HopView } from "../generated/HopView";
import { beyondPing } from "../words";
import { showError } from "./error";
import { showLogin } from "./login";

let watching = 0;

/** `standalone`: the inspector's own window, which has no sign-in to go back to. */
export async function showInspector({ standalone = false } = {}): Promise<void> {
  const run = ++watching;
  let hops: HopView[] = [];
  let last = 0;
  let drawn = "";
  try {
    const first = await api.inspectorHops(0);
    hops = first.hops;
    last = first.last;
    drawn = first.diagram ?? "";
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
    // Keyboard users keep their place: the arrow focused before is focused again.
    const focused = diagram.querySelector("a.hop:focus")?.getAttribute("data-order");
    // The shell's renderer escaped every text it drew.
    diagram.innerHTML = drawn;
    if (focused) diagram.querySelector<SVGElement>(`a.hop[data-order="${focused}"]`)?.focus();
  };
  // Each arrow is a link to its exchange: a click or Enter opens it below.
  const open = (event: Event) => {
    const arrow = (event.target as Element).closest?.("a.hop");
    const hop = hops.find((hop) => String(hop.order) === arrow?.getAttribute("data-order"));
    if (!arrow || !hop) return;
    event.preventDefault();
    showHop(details, hop);
  };
  diagram.addEventListener("click", open);
  diagram.addEventListener("keydown", (event) => event.key === "Enter" && open(event));
  clear.addEventListener("click", async () => {
    const cleared = await api.inspectorClear().catch(() => null);
    hops = [];
    if (cleared) drawn = cleared.diagram ?? "";
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
  // The buttons above the diagram: it grows as hops arrive, and would move them under the pointer.
  screen("Flow inspector",
    h("p", { class: "lead" }, "Every hop between the app and the servers, and between the servers, as it happens, under the step of Ping's flow it implements. Secrets show as •••."),
    h("div", { class: "actions" }, exportButton, clear, beside, back), exported, count, diagram, details);
  redraw();
  const poll = async () => {
    if (run !== watching || !diagram.isConnected) return;
    const newer = await api.inspectorHops(last).catch(() => null);
    if (newer && newer.hops.length > 0) {
      hops = hops.concat(newer.hops);
      last = newer.last;
      drawn = newer.diagram ?? drawn;
      redraw();
    }
    setTimeout(poll, 1000);
  };
  setTimeout(poll, 1000);
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
