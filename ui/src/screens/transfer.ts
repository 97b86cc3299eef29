// "Send money": the signed-in user's transfer, approved on the primary device. The device crate
// runs the transfer (its TransferSession); these screens show where it stands.
import { api, asCommandError } from "../api";
import { alertBox, busy, field, h, screen } from "../dom";
import type { DeviceSummaryView } from "../generated/DeviceSummaryView";
import type { TransferSummary } from "../generated/TransferSummary";
import type { TransferView } from "../generated/TransferView";
import { deviceKind, deviceName, roleName, sentence, transferWords as words } from "../words";
import { showError } from "./error";

/** The welcome screen to go back to, and what was typed (sent again after choosing a device). */
let back: () => void = () => undefined;
let typed = { amount: "", recipient: "" };
let polling = 0;

/** The form: amount and recipient. `welcome` goes back to the signed-in screen. */
export function showTransferForm(username: string, welcome: () => void = back): void {
  back = welcome;
  polling++;
  const amount = field("Amount (€)", { name: "amount", inputmode: "decimal", autocomplete: "off", value: typed.amount }, words.amountHint);
  const recipient = field("Recipient", { name: "recipient", autocomplete: "off", maxlength: "64", value: typed.recipient }, words.recipientHint);
  const alert = alertBox();
  const backButton = h("button", { type: "button" }, "Back");
  backButton.addEventListener("click", () => leave());
  const form = h("form", { novalidate: true }, amount.el, recipient.el, alert.el,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Send"), backButton));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    alert.clear();
    typed = { amount: amount.input.value, recipient: recipient.input.value };
    void busy(form, () => run(() => api.sendTransfer(typed.amount, typed.recipient), alert.show, username));
  });
  screen(words.formTitle, h("p", { class: "lead" }, words.formLead(username)), form);
  amount.input.focus();
}

/** Runs a transfer step; wrong input (or a refusal to start) stays on its form. */
async function run(work: () => Promise<TransferView>, inline: (message: string) => void, username: string): Promise<void> {
  try {
    next(await work(), username);
  } catch (e) {
    const error = asCommandError(e);
    if (error.code === "invalid_input") return inline(error.message);
    showError(error, { retry: () => showTransferForm(username) });
  }
}

function next(view: TransferView, username: string): void {
  switch (view.screen) {
    case "WAITING":
      return showWaiting(view, username);
    case "APPROVED":
      return showApproved(view, username);
    case "DENIED":
      return showEnded(words.deniedTitle, words.denied, view.description, username);
    case "TIMED_OUT":
      return showPasscode(view.transfer, words.timedOut, null, username);
    case "ENTER_PASSCODE":
      return showPasscode(view.transfer, words.offline, view.wrong ? words.wrongPasscode(view.attemptsLeft) : null, username);
    case "CHOOSE_DEVICE":
      return showChooseApprover(view.devices, username);
    case "REFUSED":
      return showEnded(words.refusedTitle, sentence(view.description), `Status ${view.status}`, username);
  }
}

/** The transfer, as facts: amount and recipient (and who approves). */
function facts(transfer: TransferSummary, ...more: (HTMLElement | null)[]): HTMLElement {
  return h("dl", { class: "facts" },
    h("dt", {}, "Amount"), h("dd", {}, transfer.amount),
    h("dt", {}, "To"), h("dd", {}, transfer.recipient),
    ...more);
}

function approverFacts(label: string, approver: DeviceSummaryView | null): HTMLElement[] {
  return approver ? [h("dt", {}, label), h("dd", {}, deviceName(approver))] : [];
}

/** Waiting for the approving device: a countdown, a look once a second, and Cancel. */
function showWaiting(view: Extract<TransferView, { screen: "WAITING" }>, username: string): void {
  const run = ++polling;
  const deadline = Date.now() + view.expiresIn * 1000;
  const count = h("span", { class: "count" }, String(view.expiresIn));
  const cancel = h("button", { type: "button" }, "Cancel");
  cancel.addEventListener("click", () => leave());
  const where = view.approver ? `your ${deviceName(view.approver)}` : words.someDevice;
  const number = view.matchNumber === null ? null : h("p", { class: "match-number", "aria-label": "Number to pick" }, String(view.matchNumber));
  screen(words.waitingTitle,
    number ?? h("div", { class: "pulse", "aria-hidden": "true" }),
    h("p", { class: "lead" }, words.waitingLead(where)),
    facts(view.transfer, ...approverFacts("Approving device", view.approver)),
    h("p", { class: "countdown", role: "timer", "aria-live": "off" }, count, " seconds left"),
    h("div", { class: "actions" }, cancel));
  const tick = async () => {
    if (run !== polling) return;
    count.textContent = String(Math.max(0, Math.ceil((deadline - Date.now()) / 1000)));
    try {
      const answer = await api.pollTransfer();
      if (run !== polling) return;
      if (answer.screen === "WAITING") {
        setTimeout(tick, 1000);
      } else {
        polling++;
        next(answer, username);
      }
    } catch (e) {
      if (run !== polling) return;
      polling++;
      showError(asCommandError(e), { retry: () => showTransferForm(username) });
    }
  };
  setTimeout(tick, 1000);
}

function showApproved(view: Extract<TransferView, { screen: "APPROVED" }>, username: string): void {
  typed = { amount: "", recipient: "" };
  const done = h("button", { type: "button", class: "primary" }, "Done");
  done.addEventListener("click", () => leave());
  const more = h("button", { type: "button" }, "Send more money");
  more.addEventListener("click", () => showTransferForm(username));
  screen(words.approvedTitle,
    h("p", { class: "lead" }, words.approvedLead),
    facts(view.transfer, ...approverFacts("Approved on", view.approver),
      h("dt", {}, "Second factor"), h("dd", { class: "ok" }, view.mfa === "OFFLINE_OTP" ? "Passcode" : "Approved on another device")),
    h("p", { class: "notice", role: "status" }, words.approvedBy(view.mfa)),
    h("div", { class: "actions" }, done, more));
  done.focus();
}

/** Denied or refused: the reason, the server's words, a way to try again. */
function showEnded(title: string, why: string, code: string, username: string): void {
  const again = h("button", { type: "button", class: "primary" }, "Try again");
  again.addEventListener("click", () => showTransferForm(username));
  const done = h("button", { type: "button" }, "Back");
  done.addEventListener("click", () => leave());
  screen(title, h("p", { class: "alert", role: "alert" }, why), h("p", { class: "code" }, code), h("div", { class: "actions" }, again, done));
  again.focus();
}

/** The approving device's passcode (it is offline, or did not answer in time). */
function showPasscode(transfer: TransferSummary, lead: string, wrong: string | null, username: string): void {
  polling++;
  const code = field("Passcode", { name: "otp", inputmode: "numeric", autocomplete: "one-time-code", maxlength: "9" }, "6 digits.");
  const alert = alertBox();
  if (wrong) alert.show(wrong);
  const again = h("button", { type: "button" }, "Send again");
  again.addEventListener("click", () => showTransferForm(username));
  const cancel = h("button", { type: "button" }, "Cancel");
  cancel.addEventListener("click", () => leave());
  const form = h("form", { novalidate: true }, code.el, alert.el,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Approve transfer"), again, cancel));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    alert.clear();
    void busy(form, () => run(() => api.transferPasscode(code.input.value), alert.show, username));
  });
  screen(words.passcodeTitle, h("p", { class: "lead" }, lead), facts(transfer), form);
  code.input.focus();
}

/** Several devices and no default: the transfer is sent again to the one chosen. */
function showChooseApprover(devices: DeviceSummaryView[], username: string): void {
  const alert = alertBox();
  const buttons = devices.map((d) => {
    const b = h("button", { type: "button" }, d.nickname || d.name);
    b.setAttribute("aria-describedby", `approver-${d.id}`);
    b.addEventListener("click", () => void busy(box, () => run(() => api.sendTransfer(typed.amount, typed.recipient, d.id), alert.show, username)));
    return h("div", { class: "push-choice" }, b,
      h("p", { class: "hint", id: `approver-${d.id}` }, [deviceKind(d.deviceType), d.role ? roleName(d.role) : null].filter(Boolean).join(" · ")));
  });
  const cancel = h("button", { type: "button" }, "Cancel");
  cancel.addEventListener("click", () => leave());
  const box = h("div", { class: "push-choices" }, ...buttons);
  screen(words.chooseTitle, h("p", { class: "lead" }, words.chooseLead), box, alert.el, h("div", { class: "actions" }, cancel));
}

/** Back to the signed-in screen; a transfer still waiting is dropped here. */
function leave(): void {
  polling++;
  void api.cancelTransfer().catch(() => null);
  back();
}
