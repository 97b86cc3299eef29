// Watches for approval requests addressed to this device (long poll) and shows each in a dialog.
import { api, asCommandError } from "./api";
import { h } from "./dom";
import type { PushAction } from "./generated/PushAction";
import type { PushView } from "./generated/PushView";
import { sleep, watcher } from "./watch";

const shown = new Map<string, HTMLElement>();
/** Pushes answered here: a long poll that left before the answer may still list them. */
const answered = new Set<string>();

/** One push: PingOne sends another push of the same authentication after a denial, with a new expiry. */
const pushKey = (push: PushView) => `${push.authenticationId}@${push.expiresAt}`;

/** Starts (or keeps) the watch while the device is paired; it stops by itself when it is not. */
export const watchPushes = watcher(() => api.incomingPushes(20), async (pushes) => {
  const fresh = pushes.filter((p) => !shown.has(pushKey(p)) && !answered.has(pushKey(p)));
  fresh.forEach(showPush);
  // The long poll answers at once while a push waits: with nothing new, wait before asking
  // again instead of asking in a tight loop.
  if (pushes.length > 0 && fresh.length === 0) await sleep(2000);
});

/** Number matching: approving is picking the number the signing-in device shows. */
function numberChoices(choices: number[], pick: (n: number) => () => Promise<void>): HTMLElement {
  return h(
    "fieldset",
    { class: "number-choices" },
    h("legend", {}, "To approve, pick the number the signing-in device shows. Not you? Deny."),
    ...choices.map((n) => h("button", { type: "button", class: "number-choice", "aria-label": `Approve with ${n}`, onclick: pick(n) }, String(n))),
  );
}

function showPush(push: PushView): void {
  if (shown.has(pushKey(push)) || answered.has(pushKey(push))) return;
  const status = h("p", { class: "alert", role: "alert", hidden: true });
  const answer = (action: PushAction, number: number | null = null) => async () => {
    try {
      const result = await api.answerPush(push.authenticationId, action, number);
      answered.add(pushKey(push));
      if (action === "APPROVE" && !result.approved) return refusedHere(number);
      close();
    } catch (e) {
      status.textContent = asCommandError(e).message;
      status.hidden = false;
    }
  };
  const titleId = `push-${push.authenticationId}`;
  const dialog = h(
    "section",
    { class: "dialog", role: "dialog", "aria-modal": "true", "aria-labelledby": titleId },
    h("h2", { id: titleId }, "Approve sign-in?"),
    h("p", { class: "lead" }, push.body || `${push.username} is signing in.`),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "Account"),
      h("dd", {}, push.username),
      push.requestingDevice ? h("dt", {}, "New device") : null,
      push.requestingDevice ? h("dd", {}, push.requestingDevice) : null,
      push.ipAddress ? h("dt", {}, "From address") : null,
      push.ipAddress ? h("dd", {}, push.ipAddress) : null,
      push.clientContext ? h("dt", {}, "Context") : null,
      push.clientContext ? h("dd", {}, push.clientContext) : null,
      h("dt", {}, "Expires"),
      h("dd", {}, new Date(push.expiresAt).toLocaleTimeString()),
    ),
    status,
    push.numberChoices.length > 0 ? numberChoices(push.numberChoices, (n) => answer("APPROVE", n)) : null,
    h(
      "div",
      { class: "actions" },
      push.numberChoices.length > 0 ? null : h("button", { type: "button", class: "primary", onclick: answer("APPROVE") }, "Approve"),
      h("button", { type: "button", onclick: answer("DENY") }, "Deny"),
      h("button", { type: "button", class: "danger", onclick: answer("BLOCK") }, "Block device"),
    ),
  );
  const close = () => {
    dialog.remove();
    shown.delete(pushKey(push));
  };
  /** Number matching: a wrong pick refused the sign-in; say so before the dialog goes. */
  const refusedHere = (picked: number | null) => {
    const ok = h("button", { type: "button", class: "primary" }, "Close");
    ok.addEventListener("click", close);
    dialog.replaceChildren(
      h("h2", { id: titleId }, "Sign-in refused"),
      h("p", { class: "alert", role: "alert" },
        `${picked ?? "That"} was not the number the signing-in device shows, so that sign-in was refused. If it was you, start it again and pick the number on its screen.`),
      h("div", { class: "actions" }, ok));
    ok.focus();
  };
  shown.set(pushKey(push), dialog);
  document.getElementById("pushes")!.append(dialog);
  // Gone unanswered when it expires.
  const ttl = new Date(push.expiresAt).getTime() - Date.now();
  setTimeout(close, Math.max(ttl, 1000));
}
