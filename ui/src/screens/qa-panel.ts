// The QA panel: the servers' virtual clock and fault switches (the built-in servers', or a
// shared server's through its admin API), MFA on or off for the
// PingID application, and a user's status. Everything is off until switched here, and while
// anything is on every screen shows "QA mode on" in the header.
import { api, asCommandError } from "../api";
import { alertBox, busy, field, h, screen } from "../dom";
import type { QaChange } from "../generated/QaChange";
import type { QaStateView } from "../generated/QaStateView";
import { beyondPing, durationText, numberMatchingSwitchText } from "../words";
import { showError } from "./error";
import { connection } from "../main";
import { showLogin } from "./login";

/** Shows or hides the header's "QA mode on" chip. */
export function markTampered(tampered: boolean): void {
  const chip = document.getElementById("qa-chip");
  if (chip) chip.hidden = !tampered;
}

const faultTitles: Record<string, string> = {
  "approver-offline": "Approving device offline",
  "push-times-out": "Push times out",
  "push-denied": "Push is denied",
  "pairing-fails": "Pairing fails",
  "pairing-key-used": "Pairing key already used",
  "rooted-device": "Rooted device",
  "signature-out-of-window": "Request signature out of its time window",
  "wrong-passcodes": "Every passcode is wrong",
  "no-number-matching": "No number matching",
};

const steps: [string, number][] = [["+1 minute", 60], ["+10 minutes", 600], ["+1 hour", 3600], ["+1 day", 86400]];

export async function showQaPanel(): Promise<void> {
  try {
    draw(await api.qaState());
  } catch (e) {
    showError(asCommandError(e), { back: showLogin, retry: showQaPanel });
  }
}

function draw(state: QaStateView, notice?: string): void {
  markTampered(state.tampered);
  const alert = alertBox();
  const apply = (box: HTMLElement, change: QaChange, done: string) =>
    void busy(box, async () => {
      try {
        draw(await api.qaChange(change), done);
      } catch (e) {
        alert.show(asCommandError(e).message);
      }
    });

  const clock = h("div", { class: "actions" }, ...steps.map(([label, seconds]) => {
    const b = h("button", { type: "button" }, label);
    b.addEventListener("click", () => apply(clock, { change: "ADVANCE_CLOCK", seconds }, `The clock moved ${label.slice(1)}.`));
    return b;
  }));

  const switches = h("fieldset", { class: "choices" }, h("legend", {}, "Fault switches"),
    ...state.faults.map((f) => {
      const id = `fault-${f.name}`;
      const box = h("input", { type: "checkbox", id, checked: f.on });
      box.addEventListener("change", () =>
        apply(switches, { change: "SWITCH_FAULT", name: f.name, on: box.checked },
          `${faultTitles[f.name] ?? f.name}: ${box.checked ? "on" : "off"}.`));
      return h("div", { class: "choice" }, box,
        h("label", { for: id }, h("strong", {}, faultTitles[f.name] ?? f.name), h("span", {}, f.description)));
    }));

  const mfaOff = h("button", { type: "button" }, "Switch MFA off for the app");
  const mfaOn = h("button", { type: "button" }, "Switch MFA on");
  const mfa = h("div", { class: "actions" }, mfaOff, mfaOn);
  mfaOff.addEventListener("click", () => apply(mfa, { change: "APPLICATION", mfaEnabled: false }, "MFA is off for the PingID application (APPLICATION_DISABLED)."));
  mfaOn.addEventListener("click", () => apply(mfa, { change: "APPLICATION", mfaEnabled: true }, "MFA is on for the PingID application."));

  // Beyond Ping: number matching at the PingID SDK (an application setting, off as Ping has it).
  const matching = h("input", { type: "checkbox", id: "qa-number-matching", checked: state.numberMatching === true, disabled: state.numberMatching === null });
  const matchingText = numberMatchingSwitchText;
  const matchingBox = h("fieldset", { class: "choices" }, h("div", { class: "choice" }, matching,
    h("label", { for: "qa-number-matching" },
      h("strong", {}, matchingText.title),
      h("span", {}, h("span", { class: "tag" }, beyondPing), " ", state.numberMatching === null ? matchingText.unknown : matchingText.detail))));
  matching.addEventListener("change", () =>
    apply(matchingBox, { change: "NUMBER_MATCHING", on: matching.checked },
      `${matchingText.title}: ${matching.checked ? "on" : "off"}.`));

  const user = field("Username", { name: "qaUser", autocomplete: "off", autocapitalize: "off" });
  const status = h("select", { id: "qa-status", "aria-label": "Status" },
    ...["ACTIVE", "SUSPENDED", "BYPASS"].map((s) => h("option", { value: s }, s)));
  const setStatus = h("button", { type: "button" }, "Set status");
  const userBox = h("div", {}, user.el, h("div", { class: "actions" }, status, setStatus));
  setStatus.addEventListener("click", () => {
    const name = user.input.value.trim();
    if (!name) return alert.show("Type the username whose PingID status to set.");
    apply(userBox, { change: "USER_STATUS", username: name, status: status.value }, `${name} is now ${status.value}.`);
  });

  const reset = h("button", { type: "button", class: "danger" }, "Reset everything");
  const back = h("button", { type: "button", class: "primary" }, "Back to sign in");
  const bottom = h("div", { class: "actions" }, back, reset);
  reset.addEventListener("click", () => apply(bottom, { change: "RESET" }, "All switches are off and the clock is back to now."));
  back.addEventListener("click", () => showLogin());

  const advanced = state.advancedSeconds === 0 ? "the real time" : `${durationText(state.advancedSeconds)} ahead of the real time`;
  screen("QA panel",
    h("p", { class: state.tampered ? "notice warn" : "notice", role: "status" },
      state.tampered ? `QA mode is on: ${connection()?.embedded === false ? "the shared server misbehaves" : "the built-in servers misbehave"} on purpose.` : "Everything is off: the servers behave as Ping's do."),
    notice ? h("p", { class: "notice", role: "status" }, notice) : null,
    alert.el,
    h("h2", {}, "Virtual clock"),
    h("dl", { class: "facts" },
      h("dt", {}, "Servers' time"), h("dd", { id: "qa-now" }, new Date(state.now).toLocaleString()),
      h("dt", {}, "Offset"), h("dd", {}, advanced)),
    h("p", { class: "hint" }, "Move time forward to expire pairing keys, pushes, sessions, tokens and ignore intervals without waiting."),
    clock,
    switches,
    h("h2", {}, "PingID application and users"),
    matchingBox,
    mfa,
    userBox,
    bottom);
}
