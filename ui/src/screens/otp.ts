import { api } from "../api";
import { alertBox, busy, field, h, screen } from "../dom";
import type { DeviceSummaryView } from "../generated/DeviceSummaryView";
import { connection } from "../main";
import { passcodeSource, trustAfterPasscodeText } from "../words";
import { cancelButton, step } from "./flow";

/** The person's "trust this device" answer, kept across a wrong passcode's redraw. */
let trustAfter = true;

/**
 * A passcode: from a trusted device (PingID SDK's offline passcode), or from the SMS, e-mail or
 * authenticator device PingOne MFA chose (`device`). With the PingID SDK's offline passcode the
 * person also says whether this device is trusted once the passcode passes (Ping's sample apps
 * always fold TRUSTED into their payload; here it is a choice, on by default).
 */
export function showOtp(attemptsLeft: number | null, retry: boolean, device: DeviceSummaryView | null = null): void {
  if (!retry) trustAfter = true;
  const source = passcodeSource(device);
  const offline = device === null && connection()?.backend !== "PINGFEDERATE_PINGONE_MFA";
  const trust = offline ? trustBox() : null;
  const code = field("Passcode", { name: "otp", inputmode: "numeric", autocomplete: "one-time-code", maxlength: "9" }, source.hint);
  const alert = alertBox();
  if (retry) {
    const left = attemptsLeft === null ? "" : ` ${attemptsLeft} ${attemptsLeft === 1 ? "try" : "tries"} left.`;
    alert.show(`That passcode is wrong${device ? "" : " (status 1025)"}.${left}`);
  }
  const cancel = cancelButton();
  const buttons = h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Verify"), cancel);
  const form = h("form", { novalidate: true }, code.el, trust?.el, alert.el, buttons);
  const delivered = device && ["SMS", "EMAIL", "Email"].includes(device.deviceType);
  const inbox = delivered && connection()?.adminUrl ? messages() : null;
  if (inbox) buttons.append(inbox.button);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    alert.clear();
    void busy(form, () => step(() => api.submitOtp(code.input.value, trust ? trust.input.checked : true), alert.show));
  });
  screen("Enter your passcode", h("p", { class: "lead" }, source.lead), form, inbox?.list);
  code.input.focus();
}

/** "Trust this device after the passcode": on unless the person unticks it. */
function trustBox(): { el: HTMLElement; input: HTMLInputElement } {
  const input = h("input", { type: "checkbox", id: "otp-trust", name: "trust", checked: trustAfter });
  input.addEventListener("change", () => (trustAfter = input.checked));
  const text = trustAfterPasscodeText;
  const el = h("div", { class: "choice" }, input,
    h("label", { for: "otp-trust" }, h("strong", {}, text.title), h("span", {}, text.detail)));
  return { el, input };
}

/**
 * The built-in servers have no phone network: "Show messages" opens the demo's outbox, where
 * PingOne MFA put the text or e-mail a phone would have received.
 */
function messages(): { button: HTMLButtonElement; list: HTMLElement } {
  const button = h("button", { type: "button", class: "link" }, "Show messages");
  const list = h("section", { class: "messages", "aria-label": "Messages", hidden: true });
  button.addEventListener("click", async () => {
    try {
      const received = await api.demoMessages();
      list.replaceChildren(
        h("h2", {}, "Messages (demo phone and mailbox)"),
        ...(received.length === 0 ? [h("p", { class: "hint" }, "No message yet.")] : []),
        ...received.map((m) => h("article", { class: "message" },
          h("p", { class: "hint" }, `${m.channel === "SMS" ? "Text message" : "E-mail"} to ${m.to} · ${new Date(m.sentAt).toLocaleTimeString()}`),
          h("p", {}, m.text))));
    } catch {
      list.replaceChildren(h("p", { class: "alert", role: "alert" }, "The messages could not be read."));
    }
    list.hidden = false;
  });
  return { button, list };
}
