import { api } from "../api";
import { alertBox, busy, field, h, screen } from "../dom";
import { backendName, connection } from "../main";
import { statusText } from "../words";
import { fail, next } from "./flow";
import { showQaPanel } from "./qa-panel";
import { showScenarios } from "./scenarios";

/** Username and password; optionally a pairing key brought from the web page. */
export function showLogin(notice?: string): void {
  const username = field("Username", { name: "username", autocomplete: "username", required: true, autocapitalize: "off" });
  const password = field("Password", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const key = field("Pairing key (optional)", { name: "pairingKey", autocomplete: "off", placeholder: "XXXX-XXXX-XXXX" },
    "Only for your first device, if the Moderno web page gave you a key.");
  key.el.hidden = true;
  // PingFederate with PingOne MFA pairs without keys; the PingID SDK's manual pairing uses one.
  const pingFederate = connection()?.backend === "PINGFEDERATE_PINGONE_MFA";
  const alert = alertBox();
  const showKey = h("button", { type: "button", class: "link" }, "I have a pairing key");
  showKey.addEventListener("click", () => {
    key.el.hidden = false;
    showKey.remove();
    key.input.focus();
  });
  const form = h("form", { novalidate: true }, username.el, password.el, key.el, alert.el,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Sign in"), pingFederate ? null : showKey));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    alert.clear();
    const user = username.input.value.trim();
    if (!user || !password.input.value) return alert.show("Type your username and password.");
    void busy(form, async () => {
      try {
        const view = await api.login(user, password.input.value, key.input.value.trim() || null);
        if (view.screen === "REFUSED" && view.code === "CREDENTIAL_VALIDATION_FAILED") {
          // A wrong password stays on this form (PingFederate's words).
          alert.show(`${view.description} (${view.code})`);
          password.input.value = "";
          password.input.focus();
        } else if (view.screen === "REFUSED" && view.status === 1010) {
          // A wrong password stays on this form.
          alert.show(`${statusText(view.status, view.description)} (status ${view.status})`);
          password.input.value = "";
          password.input.focus();
        } else {
          next(view);
        }
      } catch (e) {
        fail(e, alert.show);
      }
    });
  });
  const qa = connection()?.adminUrl ? h("button", { type: "button", class: "link" }, "QA panel") : null;
  qa?.addEventListener("click", () => void showQaPanel());
  const scenarios = h("button", { type: "button", class: "link" }, "Scenarios");
  scenarios.addEventListener("click", () => void showScenarios());
  screen("Sign in to Moderno", notice ? h("p", { class: "notice", role: "status" }, notice) : null,
    h("p", { class: "lead" }, "Your bank, protected by this device."),
    h("p", { class: "hint" }, pingFederate ? "Signing in through PingFederate with PingOne MFA." : `Signing in with the ${backendName(connection())}.`), form,
    webSignIn(pingFederate),
    h("p", { class: "hint" }, "For testing: ", qa, qa ? ` (${connection()?.embedded ? "the built-in servers'" : "the shared server's"} clock and fault switches) · ` : null, scenarios,
      " (replay a flow step by step)."));
  username.input.focus();
}

/** Where to sign in on the web and approve on this device, when this device can approve. */
function webSignIn(pingFederate: boolean): HTMLElement | null {
  const url = connection()?.webSignInUrl;
  if (!url || !connection()?.paired) return null;
  const page = pingFederate ? "Ping's sign-in widget" : "the bank's web sign-in";
  return h("p", { class: "hint" }, `On the web: ${page} at `, h("code", {}, url), ", approved on this device.");
}
