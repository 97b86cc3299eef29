import { api } from "../api";
import { h, screen } from "../dom";
import type { LoginView } from "../generated/LoginView";
import { connected } from "../main";
import { approverOutcome, mfaText, pfPairingText, pingOneStatusText, roleName } from "../words";
import { showDevice } from "./device";
import { showLogin } from "./login";
import { showTransferForm } from "./transfer";

type SignedIn = Extract<LoginView, { screen: "SIGNED_IN" }>;

/** Who signed in, this device's role, and how the second factor was satisfied — or that it was not. */
export function showResult(view: SignedIn): void {
  if (view.pingone) return showPingFederateResult(view, view.pingone);
  const mfa = mfaText(view.mfa);
  const pairing = view.pairing;
  let pairingLine: string | null = null;
  if (pairing?.outcome === "IGNORED") {
    pairingLine = pairing.ignoredUntil
      ? `Not paired: this device is ignored until ${new Date(pairing.ignoredUntil).toLocaleString()}.`
      : "Not paired: this device is ignored for good.";
  } else if (pairing) {
    pairingLine = `Paired just now as ${roleName(pairing.role).toLowerCase()}.`;
  }
  // What the approving device decided about this device (trusted, once, ignored).
  const outcome = approverOutcome(view);
  const role = h("dd", { id: "result-role" }, view.role ? roleName(view.role) : view.granted ? roleName(null) : "…");
  const signOut = h("button", { type: "button", class: "primary" }, "Sign out");
  signOut.addEventListener("click", () => showLogin("You are signed out."));
  const device = h("button", { type: "button" }, "This device");
  device.addEventListener("click", () => showDevice());
  // Transfers go through the customer server (PingID SDK); PingFederate signs in only.
  const send = h("button", { type: "button" }, "Send money");
  send.addEventListener("click", () => showTransferForm(view.username, () => showResult(view)));
  screen(`Welcome, ${view.username}`,
    h("p", { class: "lead" }, "You are signed in to Moderno."),
    h("dl", { class: "facts" },
      h("dt", {}, "Signed in as"), h("dd", {}, view.username),
      h("dt", {}, "This device"), role,
      outcome ? h("dt", {}, "Your other device") : null,
      outcome ? h("dd", { id: "result-outcome", class: view.granted ? "warn" : "ok" }, outcome.title) : null,
      h("dt", {}, "Second factor"), h("dd", { class: mfa.skipped ? "warn" : "ok" }, mfa.label)),
    h("p", { class: mfa.skipped ? "notice warn" : "notice" }, mfa.detail),
    outcome ? h("p", { class: "notice", role: "status" }, outcome.detail) : null,
    pairingLine ? h("p", { class: "notice", role: "status" }, pairingLine) : null,
    h("div", { class: "actions" }, signOut, send, device));
  void refresh(role, view.role === null && !view.granted);
}

type PingOne = NonNullable<SignedIn["pingone"]>;

/** After PingFederate: the contract attribute `pingone.mfa.status`, the pairing, the token's claims. */
function showPingFederateResult(view: SignedIn, pingone: PingOne): void {
  const signOut = h("button", { type: "button", class: "primary" }, "Sign out");
  signOut.addEventListener("click", () => showLogin("You are signed out."));
  const device = h("button", { type: "button" }, "This device");
  device.addEventListener("click", () => showDevice());
  const pairing = pingone.pairing === "FAILED" ? `${pfPairingText.FAILED}: ${pingone.pairingError ?? "PingOne refused"}.` : pfPairingText[pingone.pairing];
  const failed = pingone.mfaStatus === "com.pingidentity.pingone.pairing_error";
  const rows = pingone.claims.map((c) => h("tr", {}, h("th", { scope: "row" }, c.name), h("td", {}, ...claimValue(c.name, c.value))));
  screen(`Welcome, ${view.username}`,
    h("p", { class: "lead" }, "You are signed in through PingFederate."),
    h("dl", { class: "facts" },
      h("dt", {}, "Signed in as"), h("dd", {}, view.username),
      h("dt", {}, "This device"), h("dd", { id: "result-role" }, pingone.pairing === "PAIRED" ? "Paired" : "…"),
      h("dt", {}, "pingone.mfa.status"), h("dd", { class: failed ? "warn" : "ok" }, ...breakable(pingone.mfaStatus ?? "(not set)"))),
    h("p", { class: failed ? "notice warn" : "notice" }, pingOneStatusText(pingone.mfaStatus)),
    h("p", { class: "notice", role: "status" }, pairing),
    h("h2", {}, "Access token claims"),
    h("p", { class: "hint" }, "Verified against PingFederate's published key (JWKS). The token itself never leaves the app's Rust side."),
    h("table", { class: "claims" }, h("tbody", {}, ...rows)),
    h("div", { class: "actions" }, signOut, device));
  // PingOne devices have no role (no PRIMARY/TRUSTED): only paired or not.
  void refresh(document.getElementById("result-role")!, pingone.pairing === "NOT_OFFERED");
}

/** Times as times (the date on a line of its own); everything else as the token says. */
function claimValue(name: string, value: string): Node[] {
  const seconds = Number(value);
  if (["exp", "iat", "nbf", "auth_time"].includes(name) && Number.isFinite(seconds)) {
    return [document.createTextNode(value), h("span", { class: "claim-time" }, `(${new Date(seconds * 1000).toLocaleString()})`)];
  }
  return breakable(value);
}

/** `text` with a line-break opportunity after each dot, slash and underscore, so dotted names wrap between words. */
function breakable(text: string): Node[] {
  return text.split(/(?<=[./_])/).flatMap((part, i) => (i === 0 ? [document.createTextNode(part)] : [h("wbr"), document.createTextNode(part)]));
}

/** The role comes from the server when the answer did not carry it; pairing also starts the push watch. */
async function refresh(role: HTMLElement, lookUp: boolean): Promise<void> {
  const connection = await api.connection().catch(() => null);
  if (connection) connected(connection);
  if (!lookUp) return;
  const state = await api.deviceState().catch(() => null);
  role.textContent = state?.device ? (state.device.role ? roleName(state.device.role) : "Paired") : "Not paired";
}
