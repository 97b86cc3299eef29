import { api, asCommandError } from "../api";
import { alertBox, busy, field, h, screen } from "../dom";
import { connected } from "../main";
import { showLogin } from "./login";

/** Which backend and server, and which device profile this window is. */
export async function showConnect(): Promise<void> {
  const current = await api.connection().catch(() => null);
  const server = field("Server address", { name: "serverUrl", type: "url", placeholder: "empty = built-in server", autocomplete: "off",
    value: current && !current.embedded ? current.serverUrl : "" },
    "Leave empty to run the Moderno servers inside this app. Or type a shared server, like http://127.0.0.1:7002.");
  const profile = field("Device profile", { name: "profile", autocomplete: "off", value: current?.profile ?? "default" },
    "Each profile is a separate device with its own key in the keyring. Use two profiles in two windows to try two devices.");
  const alert = alertBox();
  const back = h("button", { type: "button" }, "Back");
  back.addEventListener("click", () => showLogin());
  const form = h("form", { novalidate: true },
    h("fieldset", { class: "choices" }, h("legend", {}, "Backend"),
      h("div", { class: "choice" },
        h("input", { type: "radio", name: "backend", id: "backend-pingid", value: "MODERNO_PINGID_SDK", checked: true }),
        h("label", { for: "backend-pingid" }, h("strong", {}, "Moderno server with the PingID SDK"),
          h("span", {}, "The Moderno customer server; MFA by the PingID SDK.")))),
    server.el, profile.el, alert.el,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Connect"), back));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    alert.clear();
    const name = profile.input.value.trim();
    if (!name) return alert.show("Type a profile name, for example laptop.");
    void busy(form, async () => {
      try {
        const connection = await api.connect(name, server.input.value.trim() || null);
        connected(connection);
        showLogin(`Connected as profile ${connection.profile} to ${connection.embedded ? "the built-in server" : connection.serverUrl}.`);
      } catch (e) {
        const error = asCommandError(e);
        alert.show(`${error.message} (${error.code})`);
      }
    });
  });
  screen("Connection",
    current ? h("p", { class: "notice", role: "status" },
      `Now: profile ${current.profile} on ${current.embedded ? `the built-in server (${current.serverUrl})` : current.serverUrl}.`) : null,
    form);
}
