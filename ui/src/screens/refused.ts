import { h, screen } from "../dom";
import type { LoginView } from "../generated/LoginView";
import { sentence, statusText } from "../words";
import { showLogin } from "./login";

type Refused = Extract<LoginView, { screen: "REFUSED" }>;

/** A sign-in that ended without success: plain words, the status or Ping's code, a way back. */
export function showRefused(view: Refused): void {
  const back = h("button", { type: "button", class: "primary" }, "Back to sign in");
  back.addEventListener("click", () => showLogin());
  const words = view.status !== null && view.code === null ? statusText(view.status, view.description) : view.description;
  const code = view.code !== null ? `PingFederate: ${view.code}` : `Status ${view.status}`;
  screen("Not signed in",
    h("p", { class: "alert", role: "alert" }, words),
    h("p", { class: "code" }, `${code}${view.description && words !== view.description && words !== sentence(view.description) ? ` — ${view.description}` : ""}`),
    h("div", { class: "actions" }, back));
  back.focus();
}
