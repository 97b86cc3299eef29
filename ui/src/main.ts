// Boot: connect (embedded stack by default), then the sign-in screen; pushes for this device are
// watched in the background once it is paired.
import "./style.css";
import { api, asCommandError } from "./api";
import type { ConnectionView } from "./generated/ConnectionView";
import { showConnect } from "./screens/connect";
import { showDevice } from "./screens/device";
import { showError } from "./screens/error";
import { showLogin } from "./screens/login";
import { showInspector } from "./screens/inspector";
import { markTampered, showQaPanel } from "./screens/qa-panel";
import { watchNotices } from "./notices";
import { watchPushes } from "./pushes";

/** The inspector's own window (`?view=inspector`): the diagram only, no sign-in, no pushes. */
const inspectorWindow = new URLSearchParams(location.search).get("view") === "inspector";

export async function boot(): Promise<void> {
  if (inspectorWindow) {
    document.querySelector<HTMLElement>(".bar-actions")!.hidden = true;
    document.body.classList.add("wide");
    return showInspector({ standalone: true });
  }
  try {
    const connection = await api.connection();
    connected(connection);
    showLogin();
  } catch (e) {
    showError(asCommandError(e), { retry: boot, connection: true });
  }
}

let current: ConnectionView | null = null;

/** The connection this window uses (null until the first answer). */
export function connection(): ConnectionView | null {
  return current;
}

export function backendName(connection: ConnectionView | null): string {
  return connection?.backend === "PINGFEDERATE_PINGONE_MFA" ? "PingFederate" : "PingID SDK";
}

/** Shows which profile, backend and server this window uses, and listens for pushes when paired. */
export function connected(connection: ConnectionView): void {
  current = connection;
  const chip = document.getElementById("profile-chip")!;
  const where = connection.embedded ? "built-in server" : connection.serverUrl;
  chip.textContent = `Profile: ${connection.profile}`;
  document.getElementById("backend-chip")!.textContent = backendName(connection);
  chip.setAttribute("aria-label", `Profile ${connection.profile} on ${where}: change connection`);
  watchPushes(connection.paired);
  if (connection.backend === "MODERNO_PINGID_SDK") watchNotices(connection.paired);
  if (connection.adminUrl) {
    void api.qaState().then((state) => markTampered(state.tampered)).catch(() => markTampered(false));
  } else {
    markTampered(false);
  }
}

document.getElementById("profile-chip")!.addEventListener("click", () => showConnect());
document.getElementById("nav-device")!.addEventListener("click", () => showDevice());
document.getElementById("qa-chip")!.addEventListener("click", () => showQaPanel());
document.getElementById("nav-inspector")!.addEventListener("click", () => showInspector());
void boot();
