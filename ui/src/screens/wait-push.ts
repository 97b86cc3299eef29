import { api } from "../api";
import { busy, h, screen } from "../dom";
import { cancelButton, fail, next, step } from "./flow";
import { showOtp } from "./otp";

let polling = 0;

/** Waiting for another device to approve: a countdown, polling once a second, and Cancel. */
export function showWaitForPush(expiresIn: number): void {
  const run = ++polling;
  const deadline = Date.now() + expiresIn * 1000;
  const count = h("span", { class: "count" }, String(expiresIn));
  const timer = h("p", { class: "countdown", role: "timer", "aria-live": "off" }, count, " seconds left");
  const cancel = cancelButton("Sign-in cancelled.");
  cancel.addEventListener("click", () => polling++);
  screen("Approve on your other device",
    h("div", { class: "pulse", "aria-hidden": "true" }),
    h("p", { class: "lead" }, "We sent a request to your other device. Open Moderno there and choose Approve."),
    timer, h("div", { class: "actions" }, cancel));
  const tick = async () => {
    if (run !== polling) return;
    count.textContent = String(Math.max(0, Math.ceil((deadline - Date.now()) / 1000)));
    try {
      const view = await api.pollPush();
      if (run !== polling) return;
      if (view.screen === "WAIT_FOR_PUSH") {
        setTimeout(tick, 1000);
      } else {
        polling++;
        next(view);
      }
    } catch (e) {
      if (run === polling) {
        polling++;
        fail(e);
      }
    }
  };
  setTimeout(tick, 1000);
}

/** Nobody answered: send another request, or type a passcode from a trusted device. */
export function showPushTimedOut(): void {
  const again = h("button", { type: "button", class: "primary" }, "Send another request");
  const otp = h("button", { type: "button" }, "Use a passcode instead");
  const cancel = cancelButton("Sign-in cancelled.");
  const box = h("div", { class: "actions" }, again, otp, cancel);
  again.addEventListener("click", () => void busy(box, () => step(() => api.retryPush())));
  otp.addEventListener("click", () => showOtp(null, false));
  screen("No answer yet",
    h("p", { class: "alert", role: "alert" }, "Your other device did not answer in time (status 1016)."),
    h("p", { class: "lead" }, "Send the request again, or type the passcode your trusted device shows."), box);
  again.focus();
}
