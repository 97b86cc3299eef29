import { api } from "../api";
import { alertBox, busy, field, h, screen } from "../dom";
import { cancelButton, step } from "./flow";

/** The manual pairing key from the web page: typed or pasted, any case, spaces or dashes. */
export function showPairingKey(invalid: boolean): void {
  const key = field("Pairing key", { name: "pairingKey", autocomplete: "off", spellcheck: "false", placeholder: "XXXX-XXXX-XXXX" },
    "12 letters from the Moderno web page. Case, spaces and dashes do not matter.");
  const alert = alertBox();
  if (invalid) alert.show("That pairing key was not accepted: it may be mistyped, used or expired. Get a new one from the web page.");
  const cancel = cancelButton();
  const form = h("form", { novalidate: true }, key.el, alert.el,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Pair with this key"), cancel));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    alert.clear();
    if (!key.input.value.trim()) return alert.show("Type the pairing key shown on the web page.");
    void busy(form, () => step(() => api.submitPairingKey(key.input.value), alert.show));
  });
  screen("Enter your pairing key",
    h("p", { class: "lead" }, "Your account pairs its first device with a key. Sign in on the Moderno web page to get one."), form);
  key.input.focus();
}
