// Shows the screen a login asks for next.
import { api, asCommandError } from "../api";
import { h } from "../dom";
import type { LoginView } from "../generated/LoginView";
import { showChooseDevice } from "./choose-device";
import { showError } from "./error";
import { showLogin } from "./login";
import { showOtp } from "./otp";
import { showPairDevice } from "./pair-device";
import { showPairingKey } from "./pairing-key";
import { showResult } from "./result";
import { showRefused } from "./refused";
import { showTrustLevels } from "./trust";
import { showPushDenied, showPushTimedOut, showWaitForPush } from "./wait-push";

export function next(view: LoginView): void {
  switch (view.screen) {
    case "CHOOSE_TRUST_LEVEL":
      return showTrustLevels(view);
    case "PAIRING_KEY":
      return showPairingKey(view.invalid);
    case "PAIR_THIS_DEVICE":
      return showPairDevice(view);
    case "WAIT_FOR_PUSH":
      return showWaitForPush(view.expiresIn ?? 40, view.device, view.matchNumber);
    case "ENTER_OTP":
      return showOtp(view.attemptsLeft, view.retry, view.device);
    case "PUSH_TIMED_OUT":
      return showPushTimedOut(view.passcode, view.devices);
    case "PUSH_DENIED":
      return showPushDenied(view.devices);
    case "CHOOSE_DEVICE":
      return showChooseDevice(view.devices);
    case "SIGNED_IN":
      return showResult(view);
    case "REFUSED":
      return showRefused(view);
  }
}

/** Runs a login step; a failure goes to the error screen with a way back to sign-in. */
export async function step(work: () => Promise<LoginView>, inline?: (message: string) => void): Promise<void> {
  try {
    next(await work());
  } catch (e) {
    fail(e, inline);
  }
}

/** Wrong input stays on its form (`inline`); anything else is the error screen. */
export function fail(e: unknown, inline?: (message: string) => void): void {
  const error = asCommandError(e);
  if (inline && error.code === "invalid_input") return inline(error.message);
  showError(error, { back: showLogin });
}

/** "Cancel": withdraws the login at the server, then back to sign-in. */
export function cancelButton(notice?: string): HTMLButtonElement {
  const cancel = h("button", { type: "button" }, "Cancel");
  cancel.addEventListener("click", async () => {
    await api.cancelLogin().catch(() => null);
    showLogin(notice);
  });
  return cancel;
}
