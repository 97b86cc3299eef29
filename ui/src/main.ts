// Boot: the sign-in form index.html drew works at once; the connection (embedded stack by default)
// fills it in when it answers. Pushes for this device are watched in the background once it is
// paired.
import "./style.css";
import { api, asCommandError } from "./api";
import type { Backend } from "./generated/Backend";
import type { ConnectionView } from "./generated/ConnectionView";
import { showConnect } from "./screens/connect";
import { showDevice } from "./screens/device";
import { showError } from "./screens/error";
import { fillSignIn, showLogin, startSignIn } from "./screens/login";
import { showInspector } from "./screens/inspector";
import { markTampered, showQaPanel } from "./screens/qa-panel";
import { watchNotices } from "./notices";
import { watchPushes } from "./pushes";

const query = new URLSearchParams(location.search);
/** The inspector's own window (`?view=inspector`): the diagram only, no sign-in, no pushes. */
const inspectorWindow = query.get("view") === "inspector";
/** The backend the app was started with (`?backend=`, from the shell), before the first answer. */
const startBackend: Backend = query.get("backend") === "PINGFEDERATE_PINGONE_MFA" ? "PINGFEDERATE_PINGONE_MFA" : "MODERNO_PINGID_SDK";

/**
 * Connects and fills in the sign-in form. At start the form is already on the page and may hold
 * what the user typed (or have been sent already): it is only filled in; `again` (after an error
 * screen) draws it anew.
 */
export async function boot(again = false): Promise<void> {
  if (inspectorWindow) {
    document.querySelector<HTMLElement>(".bar-actions")!.hidden = true;
    document.body.classList.add("wide");
    document.getElementById("app")!.replaceChildren(); // index.html's sign-in form is not for this window
    return showInspector({ standalone: true });
  }
  if (!again) {
    document.getElementById("backend-chip")!.textContent = backendName(startBackend);
    startSignIn();
  }
  try {
    const connection = await api.connection();
    connected(connection);
    if (again) showLogin();
    else fillSignIn();
  } catch (e) {
    showError(asCommandError(e), { retry: () => void boot(true), connection: true });
  }
}

let current: ConnectionView | null = null;

/** The connection this window uses (null until the first answer). */
export function connection(): ConnectionView | null {
  return current;
}

/** The backend this window signs in with: the connection's, or the one it started with. */
export function backend(): Backend {
  return current?.backend ?? startBackend;
}

export function backendName(backend: Backend): string {
  return backend === "PINGFEDERATE_PINGONE_MFA" ? "PingFederate" : "PingID SDK";
}

/** Shows which profile, backend and server this window uses, and listens for pushes when paired. */
export function connected(connection: ConnectionView): void {
  current = connection;
  const chip = document.getElementById("profile-chip")!;
  const where = connection.embedded ? "built-in server" : connection.serverUrl;
  chip.textContent = `Profile: ${connection.profile}`;
  document.getElementById("backend-chip")!.textContent = backendName(connection.backend);
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
