import { api } from "../api";
import { alertBox, busy, field, h, screen } from "../dom";
import type { IntervalUnit } from "../generated/IntervalUnit";
import type { LoginView } from "../generated/LoginView";
import type { TrustLevel } from "../generated/TrustLevel";
import { trustLevelText, unitNames } from "../words";
import { step } from "./flow";

type Offer = Extract<LoginView, { screen: "CHOOSE_TRUST_LEVEL" }>;

/** The seed's trust-level dialog: PRIMARY only when offered, TRUSTED, IGNORE for an interval. */
export function showTrustLevels(offer: Offer): void {
  const alert = alertBox();
  const options = offer.levels.map((level, i) => {
    const id = `level-${level.toLowerCase()}`;
    const radio = h("input", { type: "radio", name: "level", id, value: level, checked: i === 0 });
    const text = trustLevelText[level];
    return h("div", { class: "choice" }, radio,
      h("label", { for: id }, h("strong", {}, text.title), h("span", {}, text.detail)));
  });
  const amount = field("Ignore for", { type: "number", min: "1", max: "999", value: "1", inputmode: "numeric", name: "ignoreValue" });
  const unitId = "ignore-unit";
  const unit = h("select", { id: unitId, name: "ignoreUnit" },
    ...(Object.keys(unitNames) as IntervalUnit[]).map((u) => h("option", { value: u, selected: u === "DAYS" }, unitNames[u])));
  const ignoreBox = h("fieldset", { class: "ignore", hidden: true }, h("legend", {}, "How long"),
    amount.el, h("div", { class: "field" }, h("label", { for: unitId }, "Unit"), unit));
  const nickname = field("Device nickname (optional)", { name: "nickname", maxlength: "100", autocomplete: "off" },
    "How this device appears in your device list.");
  const chosen = (): TrustLevel => (document.querySelector<HTMLInputElement>("input[name=level]:checked")?.value ?? "") as TrustLevel;
  const refresh = () => {
    ignoreBox.hidden = chosen() !== "IGNORE";
    nickname.el.hidden = chosen() === "IGNORE";
    amount.input.disabled = unit.value === "ALWAYS";
  };
  const group = h("fieldset", { class: "choices" }, h("legend", {}, "Trust level"), ...options);
  group.addEventListener("change", refresh);
  unit.addEventListener("change", refresh);
  const form = h("form", { novalidate: true }, group, ignoreBox, nickname.el, alert.el,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Continue")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    alert.clear();
    const level = chosen();
    const value = Number(amount.input.value);
    const unitValue = unit.value as IntervalUnit;
    if (level === "IGNORE" && unitValue !== "ALWAYS" && !(Number.isInteger(value) && value >= 1)) {
      return alert.show("Type how long to ignore this device: a whole number, 1 or more.");
    }
    const ignoreFor = level === "IGNORE" ? { value: unitValue === "ALWAYS" ? 0 : value, unit: unitValue } : null;
    const name = level === "IGNORE" ? null : nickname.input.value.trim() || null;
    void busy(form, () => step(() => api.chooseTrustLevel({ level, ignoreFor, nickname: name }), alert.show));
  });
  screen("Pair this device?",
    h("p", { class: "lead" }, `Signed in as ${offer.username}. Pair this device with your account to sign in faster and more safely.`),
    form);
  refresh();
}
