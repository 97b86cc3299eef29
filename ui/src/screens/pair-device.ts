import { api } from "../api";
import { busy, h, screen } from "../dom";
import type { LoginView } from "../generated/LoginView";
import { cancelButton, step } from "./flow";

type Offer = Extract<LoginView, { screen: "PAIR_THIS_DEVICE" }>;

/**
 * PingFederate's MOBILE_PAIRING_REQUIRED: the SDK component holds the PingOne ID token; pairing
 * approves the pairing it offers (the SDK's processIdToken, then approve), making this computer a
 * device of the user at PingOne MFA. No trust level: PingOne has none. Going on without pairing is
 * allowed (the token then says `device_not_paired`).
 */
export function showPairDevice(offer: Offer): void {
  const pair = h("button", { type: "button", class: "primary" }, "Pair this device");
  const skip = h("button", { type: "button" }, "Continue without pairing");
  const box = h("div", { class: "actions" }, pair, skip, cancelButton("Sign-in cancelled."));
  pair.addEventListener("click", () => void busy(box, () => step(() => api.pairDevice(true))));
  skip.addEventListener("click", () => void busy(box, () => step(() => api.pairDevice(false))));
  screen("Pair this device?",
    h("p", { class: "lead" }, offer.additional
      ? `Your other device approved this sign-in. Pair this computer too, ${offer.username}, so it can sign in with its own key next time.`
      : `You have no device paired yet, ${offer.username}. Pair this computer: it becomes your default device and approves your sign-ins elsewhere.`),
    h("p", { class: "hint" }, "PingOne MFA sent a pairing offer, a PingOne ID token (MOBILE_PAIRING_REQUIRED). Pairing approves it and stores this device's key in your keyring; either way PingFederate then finishes the sign-in (continueAuthentication)."),
    box);
  pair.focus();
}
