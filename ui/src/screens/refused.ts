import { h, screen } from "../dom";
import { statusText } from "../words";
import { showLogin } from "./login";

/** A sign-in that ended without success: plain words, the status code, a way back. */
export function showRefused(status: number, description: string): void {
  const back = h("button", { type: "button", class: "primary" }, "Back to sign in");
  back.addEventListener("click", () => showLogin());
  screen("Not signed in",
    h("p", { class: "alert", role: "alert" }, statusText(status, description)),
    h("p", { class: "code" }, `Status ${status}${description ? ` — ${description}` : ""}`),
    h("div", { class: "actions" }, back));
  back.focus();
}
