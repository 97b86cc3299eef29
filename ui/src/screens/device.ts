import { api, asCommandError } from "../api";
import { h, screen } from "../dom";
import type { DeviceStateView } from "../generated/DeviceStateView";
import type { DeviceSummaryView } from "../generated/DeviceSummaryView";
import { deviceKind, roleName } from "../words";
import { showError } from "./error";
import { showLogin } from "./login";

let codeTimer = 0;

/** A line of news on the device screen after it is redrawn. */
function say(text: string): void {
  const note = h("p", { class: "notice", role: "status" }, text);
  document.querySelector("table.devices")?.after(note);
}

/** This device's state, its offline passcode, the user's devices, and unpairing. */
export async function showDevice(): Promise<void> {
  let state: DeviceStateView;
  try {
    state = await api.deviceState();
  } catch (e) {
    return showError(asCommandError(e), { back: showLogin, retry: showDevice });
  }
  const back = h("button", { type: "button" }, "Back to sign in");
  back.addEventListener("click", () => showLogin());
  if (!state.paired || !state.device) {
    screen("This device",
      h("dl", { class: "facts" }, h("dt", {}, "Profile"), h("dd", {}, state.profile), h("dt", {}, "Status"), h("dd", {}, "Not paired")),
      h("p", { class: "lead" }, "Sign in to pair this device with your account."), h("div", { class: "actions" }, back));
    return;
  }
  if (state.backend === "PINGFEDERATE_PINGONE_MFA") return showPingOneDevice(state, state.device, back);
  const me = state.device;
  const code = h("output", { class: "otp", id: "offline-code", "aria-label": "Offline passcode" }, "······");
  const left = h("span", { class: "hint" });
  const unpair = unpairButton("Unpair this device", "This device is unpaired and its key is removed from the keyring.");
  const status = h("p", { class: "notice", role: "status", hidden: true });
  const change = (work: () => Promise<unknown>, done: string) => async () => {
    try {
      await work();
      await showDevice();
      say(done);
    } catch (e) {
      status.textContent = asCommandError(e).message;
      status.hidden = false;
    }
  };
  const rows = state.userDevices.map((d) => {
    const isMe = d.id === me.id;
    const name = d.nickname || d.name;
    const rename = h("button", { type: "button", class: "link", "aria-label": `Rename ${name}` }, "Rename");
    rename.addEventListener("click", () => {
      const input = h("input", { value: name, "aria-label": `New name for ${name}`, maxlength: "100" });
      const save = h("button", { type: "button", class: "link" }, "Save");
      // The message is made on Save, from what was typed by then.
      save.addEventListener("click", () => void change(() => api.manageDevice(d.id, input.value, false), `Renamed to ${input.value.trim()}.`)());
      cell.replaceChildren(input, save);
      input.focus();
    });
    // Which actions this device may take is the device crate's answer (device_actions).
    const promote = d.canMakePrimary ? h("button", { type: "button", class: "link", "aria-label": `Make ${name} primary` }, "Make primary") : null;
    promote?.addEventListener("click", change(() => api.manageDevice(d.id, null, true), `${name} is now the primary device.`));
    const remove = d.canRemove ? h("button", { type: "button", class: "link danger", "aria-label": `Remove ${name}` }, "Remove") : null;
    remove?.addEventListener("click", change(() => api.removeDevice(d.id), `${name} was removed; your other devices were told.`));
    const since = when("paired-on", "paired", d.enrolled);
    // Only the PingID SDK tells when a device was last used.
    const used = d.lastUsed ? when("last-used", "last used", d.lastUsed)
      : state.backend === "MODERNO_PINGID_SDK" ? h("span", { class: "hint last-used" }, "not used yet") : null;
    const cell = h("td", {}, name, isMe ? h("span", { class: "badge" }, "this device") : null, since, used);
    return h("tr", { class: isMe ? "me" : "" },
      h("td", {}, deviceKind(d.deviceType)), cell, h("td", {}, roleName(d.role)),
      // The actions stack inside the cell: a flex cell would stop being a table cell.
      h("td", {}, h("div", { class: "row-actions" }, rename, promote, remove)));
  });
  screen("This device",
    h("dl", { class: "facts" },
      h("dt", {}, "Profile"), h("dd", {}, state.profile),
      h("dt", {}, "Paired with"), h("dd", {}, state.username ?? ""),
      h("dt", {}, "Role"), h("dd", {}, roleName(me.role)),
      h("dt", {}, "Name"), h("dd", {}, me.nickname || me.name)),
    h("h2", {}, "Offline passcode"),
    h("p", { class: "hint" }, "When this device cannot get approval requests, type this code on your other device."),
    h("div", { class: "otp-box" }, code, left),
    h("h2", {}, "Your devices"),
    h("table", { class: "devices" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Type"), h("th", { scope: "col" }, "Device"), h("th", { scope: "col" }, "Role"),
        h("th", { scope: "col" }, "Manage"))),
      h("tbody", {}, ...rows)),
    status,
    h("div", { class: "actions" }, back, unpair));
  const run = ++codeTimer;
  const refresh = async () => {
    if (run !== codeTimer || !code.isConnected) return;
    const now = await api.offlineCode().catch(() => null);
    if (!now) return;
    code.textContent = now.code;
    left.textContent = `changes in ${now.secondsLeft} s`;
    setTimeout(refresh, 1000);
  };
  void refresh();
}

/** Unpairs after a second click; `done` is said on the sign-in screen. */
function unpairButton(label: string, done: string): HTMLButtonElement {
  const unpair = h("button", { type: "button", class: "danger" }, label);
  unpair.addEventListener("click", async () => {
    if (unpair.dataset.confirm !== "yes") {
      unpair.dataset.confirm = "yes";
      unpair.textContent = "Really? Click again";
      return;
    }
    try {
      await api.unpair();
      showLogin(done);
    } catch (e) {
      showError(asCommandError(e), { back: showDevice });
    }
  });
  return unpair;
}

/** The PingOne MFA pairing as this device keeps it; it answers pushes for the user's sign-ins elsewhere. */
function showPingOneDevice(state: DeviceStateView, me: DeviceSummaryView, back: HTMLButtonElement): void {
  const forget = unpairButton("Forget this pairing", "This device's PingOne pairing and its key are removed from the keyring.");
  screen("This device",
    h("dl", { class: "facts" },
      h("dt", {}, "Profile"), h("dd", {}, state.profile),
      h("dt", {}, "Paired with"), h("dd", {}, state.username ?? ""),
      h("dt", {}, "Backend"), h("dd", {}, "PingFederate with PingOne MFA"),
      h("dt", {}, "Device"), h("dd", {}, `${deviceKind(me.deviceType)} · ${me.name}`),
      h("dt", {}, "PingOne device id"), h("dd", { class: "code" }, me.id)),
    h("p", { class: "hint" }, "This device approves your sign-ins on other devices: keep the app open and requests appear here."),
    h("div", { class: "actions" }, back, forget));
}

/** A date on a device row ("paired 22/11/2026 19:48"), or nothing when the server sent none. */
function when(cls: string, what: string, at: string): HTMLElement | null {
  const date = at ? new Date(at) : null;
  if (!date || Number.isNaN(date.getTime())) return null;
  return h("span", { class: `hint ${cls}` }, `${what} ${date.toLocaleDateString()} ${date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}`);
}
