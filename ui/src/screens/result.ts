import { api } from "../api";
import { h, screen } from "../dom";
import type { LoginView } from "../generated/LoginView";
import { connected } from "../main";
import { mfaText, roleName } from "../words";
import { showDevice } from "./device";
import { showLogin } from "./login";

type SignedIn = Extract<LoginView, { screen: "SIGNED_IN" }>;

/** Who signed in, this device's role, and how the second factor was satisfied — or that it was not. */
export function showResult(view: SignedIn): void {
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
  const role = h("dd", { id: "result-role" }, view.role ? roleName(view.role) : "…");
  const signOut = h("button", { type: "button", class: "primary" }, "Sign out");
  signOut.addEventListener("click", () => showLogin("You are signed out."));
  const device = h("button", { type: "button" }, "This device");
  device.addEventListener("click", () => showDevice());
  screen(`Welcome, ${view.username}`,
    h("p", { class: "lead" }, "You are signed in to Moderno."),
    h("dl", { class: "facts" },
      h("dt", {}, "Signed in as"), h("dd", {}, view.username),
      h("dt", {}, "This device"), role,
      h("dt", {}, "Second factor"), h("dd", { class: mfa.skipped ? "warn" : "ok" }, mfa.label)),
    h("p", { class: mfa.skipped ? "notice warn" : "notice" }, mfa.detail),
    pairingLine ? h("p", { class: "notice", role: "status" }, pairingLine) : null,
    h("div", { class: "actions" }, signOut, device));
  void refresh(role, view.role === null);
}

/** The role comes from the server when the answer did not carry it; pairing also starts the push watch. */
async function refresh(role: HTMLElement, lookUp: boolean): Promise<void> {
  const connection = await api.connection().catch(() => null);
  if (connection) connected(connection);
  if (!lookUp) return;
  const state = await api.deviceState().catch(() => null);
  role.textContent = state?.device ? roleName(state.device.role) : "Not paired";
}
