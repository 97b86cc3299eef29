// Watches for approval requests addressed to this device (long poll) and shows each in a dialog:
// for a new device, Ping's network-of-trusted-devices choices (trust it, make it the primary while
// the user has none, this sign-in only, ignore it for a while, deny, block); for a sign-in from no
// device (a web sign-in, PingOne MFA), approve or deny. A transfer or a web sign-in is summed up
// in one line ("Transfer €250.00 to Bob").
import { api, asCommandError } from "./api";
import { busy, h } from "./dom";
import type { IgnoreFor } from "./generated/IgnoreFor";
import type { PushChoice } from "./generated/PushChoice";
import type { PushView } from "./generated/PushView";
import { connection } from "./main";
import { beyondPing, deviceKind, ignoreIntervals, pushChoiceText, pushSummary, pushWords } from "./words";
import { sleep, watcher } from "./watch";

const shown = new Map<string, HTMLElement>();
/** Pushes answered here: a long poll that left before the answer may still list them. */
const answered = new Set<string>();

/** One push: PingOne sends another push of the same authentication after a denial, with a new expiry. */
const pushKey = (push: PushView) => `${push.authenticationId}@${push.expiresAt}`;
let pickers = 0;

/** Starts (or keeps) the watch while the device is paired; it stops by itself when it is not. */
export const watchPushes = watcher(() => api.incomingPushes(20), async (pushes) => {
  const fresh = pushes.filter((p) => !shown.has(pushKey(p)) && !answered.has(pushKey(p)));
  fresh.forEach(showPush);
  // The long poll answers at once while a push waits: with nothing new, wait before asking
  // again instead of asking in a tight loop.
  if (pushes.length > 0 && fresh.length === 0) await sleep(2000);
});

/** The choices that let the sign-in in: under number matching they wait for the number. */
const letsIn = (choice: PushChoice) => choice === "TRUST" || choice === "PRIMARY" || choice === "APPROVE" || choice === "IGNORE";

/**
 * Number matching: the numbers to pick from, one of them shown on the signing-in device. Picking
 * one selects it; the approving choices then send it. At the PingID SDK this is beyond Ping (an
 * application setting, off by default); PingOne MFA has it.
 */
function numberPicker(choices: number[], picked: (n: number) => void): HTMLElement {
  const buttons = choices.map((n) => {
    const b = h("button", { type: "button", class: "number-choice", "aria-pressed": "false", "aria-label": `Pick ${n}` }, String(n));
    b.addEventListener("click", () => {
      buttons.forEach((other) => other.setAttribute("aria-pressed", String(other === b)));
      picked(n);
    });
    return b;
  });
  const pingIdSdk = connection()?.backend !== "PINGFEDERATE_PINGONE_MFA";
  const captionId = `numbers-${++pickers}`;
  return h(
    "div",
    { class: "number-choices", role: "group", "aria-labelledby": captionId },
    h("p", { class: "number-caption", id: captionId }, pushWords.pickCaption,
      pingIdSdk ? h("span", { class: "tag", title: pushWords.beyondPingTitle }, beyondPing) : null),
    h("div", { class: "number-buttons" }, ...buttons),
  );
}

/** The new device, as it describes itself: its name, then its type and system. */
function newDeviceFacts(push: PushView): (HTMLElement | null)[] {
  const device = push.requestingDevice;
  if (!device) return [];
  const kind = [deviceKind(device.deviceType), device.os].filter(Boolean).join(" · ");
  return [
    h("dt", {}, "New device"),
    h("dd", { class: "new-device" }, h("span", { class: "device-name" }, device.name), h("span", { class: "device-kind" }, kind)),
  ];
}

function showPush(push: PushView): void {
  if (shown.has(pushKey(push)) || answered.has(pushKey(push))) return;
  const idBase = `push-${push.authenticationId}`;
  const titleId = `${idBase}-title`;
  const status = h("p", { class: "alert", role: "alert", hidden: true });
  let number: number | null = null;
  // One answer at a time: the dialog's buttons wait while it is sent.
  const answer = (choice: PushChoice, ignoreFor: () => IgnoreFor | null = () => null) => () => busy(dialog, async () => {
    if (letsIn(choice) && push.numberChoices.length > 0 && number === null) {
      status.textContent = pushWords.pickFirst;
      status.hidden = false;
      return;
    }
    const sent = letsIn(choice) ? number : null;
    try {
      const result = await api.answerPush(push.authenticationId, choice, ignoreFor(), sent);
      answered.add(pushKey(push));
      if (letsIn(choice) && !result.approved) return refusedHere(sent);
      close();
    } catch (e) {
      status.textContent = asCommandError(e).message;
      status.hidden = false;
    }
  });
  const choiceButton = (choice: PushChoice, cls: string | undefined, hintId: string, ignoreFor?: () => IgnoreFor | null) => {
    const b = h("button", { type: "button", class: cls, "aria-describedby": hintId }, pushChoiceText[choice].button);
    b.addEventListener("click", answer(choice, ignoreFor));
    return b;
  };
  /** One row: the choice's button (and its control), and what it does. */
  const row = (choice: PushChoice, cls?: string, ignoreFor?: () => IgnoreFor | null, control: HTMLElement | null = null) => {
    const hintId = `${idBase}-${choice.toLowerCase()}`;
    return h("div", { class: "push-choice" }, h("div", { class: "push-choice-controls" }, choiceButton(choice, cls, hintId, ignoreFor), control),
      h("p", { class: "hint", id: hintId }, pushChoiceText[choice].detail));
  };

  const newDevice = push.trustLevels.length > 0;
  let choices: HTMLElement;
  if (newDevice) {
    const interval = h("select", { "aria-label": "How long to ignore it", class: "ignore-interval" },
      ...ignoreIntervals.map((i, n) => h("option", { value: String(n), selected: i.label === "1 day" }, i.label)));
    const ignoreFor = () => ignoreIntervals[Number(interval.value)].interval;
    // Deny and Block share a row: both refuse, Block for good.
    const refuseId = `${idBase}-refuse`;
    choices = h("div", { class: "push-choices", role: "group", "aria-label": "What to do about this device" },
      push.trustLevels.includes("TRUSTED") ? row("TRUST", "primary") : null,
      // Offered only while the user has no primary; trusting stays the dialog's main action.
      push.trustLevels.includes("PRIMARY") ? row("PRIMARY") : null,
      row("APPROVE"),
      push.trustLevels.includes("IGNORE") ? row("IGNORE", undefined, ignoreFor, interval) : null,
      h("div", { class: "push-choice" },
        h("div", { class: "push-choice-controls refuse" }, choiceButton("DENY", undefined, refuseId), choiceButton("BLOCK", "danger", refuseId)),
        h("p", { class: "hint", id: refuseId }, `${pushChoiceText.DENY.detail} ${pushChoiceText.BLOCK.detail}`)));
  } else {
    const approve = h("button", { type: "button", class: "primary" }, pushWords.approve);
    approve.addEventListener("click", answer("APPROVE"));
    const deny = h("button", { type: "button" }, pushChoiceText.DENY.button);
    deny.addEventListener("click", answer("DENY"));
    // PingOne MFA's SDK denies with a reason: "Report fraud" says the user did not start it.
    const pingOne = connection()?.backend === "PINGFEDERATE_PINGONE_MFA";
    const fraud = pingOne ? h("button", { type: "button", class: "danger", title: pushChoiceText.REPORT_FRAUD.detail }, pushChoiceText.REPORT_FRAUD.button) : null;
    fraud?.addEventListener("click", answer("REPORT_FRAUD"));
    choices = h("div", { class: "actions" }, approve, deny, fraud);
  }
  // What it approves, when the app reads the push's context; else the push's own words.
  const summary = pushSummary(push.context);
  const title = push.context?.kind === "TRANSFER" ? pushWords.transferTitle : pushWords.title;
  const dialog = h(
    "section",
    { class: "dialog", role: "dialog", "aria-modal": "true", "aria-labelledby": titleId },
    h("h2", { id: titleId }, title),
    summary ? h("p", { class: "push-summary" }, summary) : h("p", { class: "lead" }, push.body || `${push.username} is signing in.`),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "Account"),
      h("dd", {}, push.username),
      ...newDeviceFacts(push),
      push.ipAddress ? h("dt", {}, "From address") : null,
      push.ipAddress ? h("dd", {}, push.ipAddress) : null,
      push.clientContext && !summary ? h("dt", {}, "Context") : null,
      push.clientContext && !summary ? h("dd", {}, push.clientContext) : null,
      h("dt", {}, "Expires"),
      h("dd", {}, new Date(push.expiresAt).toLocaleTimeString()),
    ),
    push.numberChoices.length > 0 ? numberPicker(push.numberChoices, (n) => {
      number = n;
      status.hidden = true;
    }) : null,
    status,
    choices,
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
      h("h2", { id: titleId }, pushWords.refusedTitle),
      h("p", { class: "alert", role: "alert" }, pushWords.wrongNumber(picked)),
      h("div", { class: "actions" }, ok));
    ok.focus();
  };
  shown.set(pushKey(push), dialog);
  document.getElementById("pushes")!.append(dialog);
  // Gone unanswered when it expires.
  const ttl = new Date(push.expiresAt).getTime() - Date.now();
  setTimeout(close, Math.max(ttl, 1000));
}
