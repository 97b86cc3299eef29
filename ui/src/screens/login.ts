import { api } from "../api";
import { busy, h, screen } from "../dom";
import { backend, connection } from "../main";
import { statusText } from "../words";
import { fail, next } from "./flow";
import { showQaPanel } from "./qa-panel";
import { showScenarios } from "./scenarios";

// The sign-in card is in index.html, so the form is on the page before any script or command has
// run; `startSignIn` makes that one work, `showLogin` draws a fresh copy of it later. The copy is
// taken before anyone could type into the page's (inputs cleared all the same).
const pattern = document.getElementById("sign-in")?.closest("section")?.cloneNode(true) as HTMLElement | undefined;
pattern?.querySelectorAll("input").forEach((input) => (input.value = ""));

/** The sign-in form index.html drew, working at once; what the connection decides comes later. */
export function startSignIn(): void {
  const card = document.getElementById("sign-in")?.closest("section");
  if (card) wire(card);
}

/** Fills in the sign-in form drawn at start once the connection answers, if it is still shown. */
export function fillSignIn(): void {
  const card = document.getElementById("sign-in")?.closest("section");
  if (card) fill(card);
}

/** Username and password; optionally a pairing key brought from the web page. */
export function showLogin(notice?: string): void {
  const card = pattern!.cloneNode(true) as HTMLElement;
  const [, ...parts] = Array.from(card.children);
  screen("Sign in to Moderno", notice ? h("p", { class: "notice", role: "status" }, notice) : null, ...parts);
  const shown = document.getElementById("sign-in")!.closest("section")!;
  wire(shown);
  fill(shown);
  document.querySelector<HTMLInputElement>("#sign-in-username")!.focus();
}

/** The form's submit and the links that need no connection. */
function wire(card: HTMLElement): void {
  const form = card.querySelector<HTMLFormElement>("#sign-in")!;
  const username = form.querySelector<HTMLInputElement>("#sign-in-username")!;
  const password = form.querySelector<HTMLInputElement>("#sign-in-password")!;
  const key = form.querySelector<HTMLInputElement>("#sign-in-pairing-key")!;
  const alertEl = form.querySelector<HTMLElement>(".alert")!;
  const alert = (text: string) => {
    alertEl.textContent = text;
    alertEl.hidden = false;
  };
  // PingFederate with PingOne MFA pairs without keys; the PingID SDK's manual pairing uses one.
  if (backend() === "MODERNO_PINGID_SDK") {
    const showKey = h("button", { type: "button", class: "link" }, "I have a pairing key");
    showKey.addEventListener("click", () => {
      form.querySelector<HTMLElement>("#sign-in-key")!.hidden = false;
      showKey.remove();
      key.focus();
    });
    form.querySelector(".actions")!.append(showKey);
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    alertEl.hidden = true;
    alertEl.textContent = "";
    const user = username.value.trim();
    if (!user || !password.value) return alert("Type your username and password.");
    void busy(form, async () => {
      try {
        const view = await api.login(user, password.value, key.value.trim() || null);
        if (view.screen === "REFUSED" && view.code === "CREDENTIAL_VALIDATION_FAILED") {
          // A wrong password stays on this form (PingFederate's words).
          alert(`${view.description} (${view.code})`);
          password.value = "";
          password.focus();
        } else if (view.screen === "REFUSED" && view.status === 1010) {
          // A wrong password stays on this form.
          alert(`${statusText(view.status, view.description)} (status ${view.status})`);
          password.value = "";
          password.focus();
        } else {
          next(view);
        }
      } catch (e) {
        fail(e, alert);
      }
    });
  });
  card.querySelector("#sign-in-qa button")!.addEventListener("click", () => void showQaPanel());
  card.querySelector("#sign-in-scenarios")!.addEventListener("click", () => void showScenarios());
  form.querySelector<HTMLButtonElement>("button[type=submit]")!.disabled = false;
  const backendLine = card.querySelector<HTMLElement>("#sign-in-backend")!;
  backendLine.textContent = backend() === "PINGFEDERATE_PINGONE_MFA"
    ? "Signing in through PingFederate with PingOne MFA."
    : "Signing in with the PingID SDK.";
  backendLine.hidden = false;
}

/** What the connection decides: the QA panel (with an admin API), where to sign in on the web. */
function fill(card: HTMLElement): void {
  const current = connection();
  const qa = card.querySelector<HTMLElement>("#sign-in-qa")!;
  qa.hidden = !current?.adminUrl;
  qa.querySelector("span")!.textContent = current?.embedded ? "the built-in servers'" : "the shared server's";
  const web = card.querySelector<HTMLElement>("#sign-in-web")!;
  const url = current?.webSignInUrl;
  web.hidden = !url || !current?.paired;
  if (url && current?.paired) {
    const page = current.backend === "PINGFEDERATE_PINGONE_MFA" ? "Ping's sign-in widget" : "the bank's web sign-in";
    web.replaceChildren(`On the web: ${page} at `, h("code", {}, url), ", approved on this device.");
  }
}
