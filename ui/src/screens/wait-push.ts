import { api } from "../api";
import { busy, h, screen } from "../dom";
import type { DeviceSummaryView } from "../generated/DeviceSummaryView";
import { connection } from "../main";
import { beyondPing, deviceName, pushWords } from "../words";
import { showChooseDevice } from "./choose-device";
import { cancelButton, fail, next, step } from "./flow";
import { showOtp } from "./otp";

let polling = 0;

/**
 * Waiting for another device to approve: under number matching the number to pick there, a
 * countdown, polling once a second, and Cancel.
 */
export function showWaitForPush(expiresIn: number, device: DeviceSummaryView | null = null, matchNumber: number | null = null): void {
  const run = ++polling;
  const deadline = Date.now() + expiresIn * 1000;
  const count = h("span", { class: "count" }, String(expiresIn));
  const timer = h("p", { class: "countdown", role: "timer", "aria-live": "off" }, count, " seconds left");
  const cancel = cancelButton("Sign-in cancelled.");
  cancel.addEventListener("click", () => polling++);
  const where = device ? deviceName(device) : "your other device";
  const lead = matchNumber === null
    ? `We sent a request to ${where}. Open Moderno there and approve this sign-in.`
    : `We sent a request to ${where}. Open Moderno there and pick this number:`;
  const number = matchNumber === null ? null : h("p", { class: "match-number", "aria-label": "Number to pick" }, String(matchNumber));
  const why = matchNumber === null ? null
    : h("p", { class: "hint" }, "Number matching: only someone who sees this screen can approve it, so a request you did not start cannot be approved by mistake.",
      connection()?.backend === "PINGFEDERATE_PINGONE_MFA" ? null : h("span", { class: "tag", title: pushWords.beyondPingTitle }, beyondPing));
  screen("Approve on your other device",
    number ? null : h("div", { class: "pulse", "aria-hidden": "true" }),
    h("p", { class: "lead" }, lead),
    number, why, timer, h("div", { class: "actions" }, cancel));
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

/** Nobody answered: send another request, type a trusted device's passcode, or choose another device. */
export function showPushTimedOut(passcode = true, devices: DeviceSummaryView[] = []): void {
  showPushAgain("No answer yet",
    passcode ? "Your other device did not answer in time (status 1016)." : "Your device did not answer in time (PUSH_CONFIRMATION_TIMED_OUT).",
    passcode ? "Send the request again, or type the passcode your trusted device shows." : "Send the request again, or choose another device.",
    passcode, devices);
}

/** PingFederate's PUSH_CONFIRMATION_REJECTED: the paired device said no; the user may try again. */
export function showPushDenied(devices: DeviceSummaryView[]): void {
  showPushAgain("Request denied", "The sign-in was denied on your device (PUSH_CONFIRMATION_REJECTED).",
    "If that was you by mistake, send the request again or choose another device.", false, devices);
}

function showPushAgain(title: string, why: string, lead: string, passcode: boolean, devices: DeviceSummaryView[]): void {
  const again = h("button", { type: "button", class: "primary" }, "Send another request");
  const otp = passcode ? h("button", { type: "button" }, "Use a passcode instead") : null;
  const other = devices.length > 1 ? h("button", { type: "button" }, "Choose another device") : null;
  const cancel = cancelButton("Sign-in cancelled.");
  const box = h("div", { class: "actions" }, again, otp, other, cancel);
  again.addEventListener("click", () => void busy(box, () => step(() => api.retryPush())));
  otp?.addEventListener("click", () => showOtp(null, false));
  other?.addEventListener("click", () => showChooseDevice(devices));
  screen(title, h("p", { class: "alert", role: "alert" }, why), h("p", { class: "lead" }, lead), box);
  again.focus();
}
