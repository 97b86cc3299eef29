import { api } from "../api";
import { alertBox, busy, h, screen } from "../dom";
import type { DeviceSummaryView } from "../generated/DeviceSummaryView";
import { deviceKind, roleName } from "../words";
import { cancelButton, step } from "./flow";

/** Which of the user's devices should approve this sign-in. */
export function showChooseDevice(devices: DeviceSummaryView[]): void {
  const alert = alertBox();
  const options = devices.map((d, i) => {
    const id = `device-${i}`;
    const title = d.nickname || d.name || deviceKind(d.deviceType);
    return h("div", { class: "choice" },
      h("input", { type: "radio", name: "device", id, value: d.id }),
      h("label", { for: id }, h("strong", {}, title),
        h("span", {}, [deviceKind(d.deviceType), d.role ? roleName(d.role) : null, d.isDefault ? "default" : null,
          d.nickname ? d.name : null].filter(Boolean).join(" · "))));
  });
  const cancel = cancelButton();
  const form = h("form", { novalidate: true }, h("fieldset", { class: "choices" }, h("legend", {}, "Your devices"), ...options),
    alert.el, h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Send request"), cancel));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    alert.clear();
    const chosen = form.querySelector<HTMLInputElement>("input[name=device]:checked");
    if (!chosen) return alert.show("Choose the device that should approve.");
    void busy(form, () => step(() => api.selectDevice(chosen.value), alert.show));
  });
  screen("Choose a device", h("p", { class: "lead" }, "Which device should approve this sign-in?"), form);
}
