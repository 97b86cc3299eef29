import { api, asCommandError } from "../api";
import { alertBox, busy, field, h, screen } from "../dom";
import type { Backend } from "../generated/Backend";
import { backendName, connected } from "../main";
import { showLogin } from "./login";

const backends: Record<Backend, { title: string; detail: string; example: string }> = {
  MODERNO_PINGID_SDK: {
    title: "Moderno server with the PingID SDK",
    detail: "The Moderno customer server; MFA by the PingID SDK (trust levels, manual pairing keys).",
    example: "http://127.0.0.1:7002",
  },
  PINGFEDERATE_PINGONE_MFA: {
    title: "PingFederate with PingOne MFA",
    detail: "PingFederate's authentication API and the PingOne MFA adapter (push, SMS, e-mail).",
    example: "http://127.0.0.1:9031",
  },
};

/** Which backend and server, and which device profile this window is. */
export async function showConnect(): Promise<void> {
  const current = await api.connection().catch(() => null);
  const chosen = current?.backend ?? "MODERNO_PINGID_SDK";
  const server = field("Server address", { name: "serverUrl", type: "url", placeholder: "empty = built-in server", autocomplete: "off",
    value: current && !current.embedded ? current.serverUrl : "" },
    "Leave empty to run the servers inside this app. Or type a shared server: the Moderno server, or PingFederate.");
  const admin = field("Admin API of the shared server (QA, optional)", { name: "adminUrl", type: "url", placeholder: "e.g. http://qa-server:7105",
    autocomplete: "off", value: current && !current.embedded ? current.adminUrl ?? "" : "" },
    "With it the QA panel, the flow inspector and the demo messages work against the shared server too. Its token comes from MODERNO_ADMIN_TOKEN when the app starts.");
  const profile = field("Device profile", { name: "profile", autocomplete: "off", value: current?.profile ?? "default" },
    "Each profile is a separate device with its own key in the keyring. Use two profiles in two windows to try two devices.");
  const alert = alertBox();
  const back = h("button", { type: "button" }, "Back");
  back.addEventListener("click", () => showLogin());
  const options = (current?.backends ?? ["MODERNO_PINGID_SDK"]).map((backend) => {
    const id = `backend-${backend.toLowerCase()}`;
    const text = backends[backend];
    return h("div", { class: "choice" },
      h("input", { type: "radio", name: "backend", id, value: backend, checked: backend === chosen }),
      h("label", { for: id }, h("strong", {}, text.title), h("span", {}, `${text.detail} Shared server like ${text.example}.`)));
  });
  const form = h("form", { novalidate: true },
    h("fieldset", { class: "choices" }, h("legend", {}, "Backend"), ...options),
    server.el, admin.el, profile.el, alert.el,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Connect"), back));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    alert.clear();
    const name = profile.input.value.trim();
    if (!name) return alert.show("Type a profile name, for example laptop.");
    const backend = (form.querySelector<HTMLInputElement>("input[name=backend]:checked")?.value ?? chosen) as Backend;
    void busy(form, async () => {
      try {
        const connection = await api.connect(name, backend, server.input.value.trim() || null, admin.input.value.trim() || null);
        connected(connection);
        const where = connection.embedded ? "the built-in server" : connection.serverUrl;
        const tools = connection.embedded || !connection.adminUrl ? "" : ` QA tools through ${connection.adminUrl}.`;
        showLogin(`Connected as profile ${connection.profile} to ${backendName(connection.backend)} on ${where}.${tools}`);
      } catch (e) {
        const error = asCommandError(e);
        alert.show(`${error.message} (${error.code})`);
      }
    });
  });
  screen("Connection",
    current ? h("p", { class: "notice", role: "status" },
      `Now: profile ${current.profile} on ${backendName(current.backend)}, ${current.embedded ? `the built-in server (${current.serverUrl})` : current.serverUrl}.`) : null,
    form);
}
