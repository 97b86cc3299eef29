import { api } from "../api";
import { alertBox, busy, field, h, screen } from "../dom";
import { cancelButton, step } from "./flow";

/** The passcode shown on a trusted device (its "Offline passcode"). */
export function showOtp(attemptsLeft: number | null, retry: boolean): void {
  const code = field("Passcode", { name: "otp", inputmode: "numeric", autocomplete: "one-time-code", maxlength: "7" },
    "6 digits, shown under “Offline passcode” on your trusted device.");
  const alert = alertBox();
  if (retry) {
    const left = attemptsLeft === null ? "" : ` ${attemptsLeft} ${attemptsLeft === 1 ? "try" : "tries"} left.`;
    alert.show(`That passcode is wrong (status 1025).${left}`);
  }
  const cancel = cancelButton();
  const form = h("form", { novalidate: true }, code.el, alert.el,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Verify"), cancel));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    alert.clear();
    void busy(form, () => step(() => api.submitOtp(code.input.value), alert.show));
  });
  screen("Enter your passcode",
    h("p", { class: "lead" }, "Your other device cannot be reached right now. Open Moderno there and type the passcode it shows."), form);
  code.input.focus();
}
