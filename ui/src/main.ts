// Boot: connect (embedded stack by default), then the sign-in screen; pushes for this device are
// watched in the background once it is paired.
import "./style.css";
import { api, asCommandError } from "./api";
import type { ConnectionView } from "./generated/ConnectionView";
import { showConnect } from "./screens/connect";
import { showDevice } from "./screens/device";
import { showError } from "./screens/error";
import { showLogin } from "./screens/login";
import { watchPushes } from "./pushes";

export async function boot(): Promise<void> {
  try {
    const connection = await api.connection();
    connected(connection);
    showLogin();
  } catch (e) {
    showError(asCommandError(e), { retry: boot, connection: true });
  }
}

/** Shows which profile and server this window uses, and listens for pushes when paired. */
export function connected(connection: ConnectionView): void {
  const chip = document.getElementById("profile-chip")!;
  const where = connection.embedded ? "built-in server" : connection.serverUrl;
  chip.textContent = `Profile: ${connection.profile}`;
  chip.setAttribute("aria-label", `Profile ${connection.profile} on ${where}: change connection`);
  watchPushes(connection.paired);
}

document.getElementById("profile-chip")!.addEventListener("click", () => showConnect());
document.getElementById("nav-device")!.addEventListener("click", () => showDevice());
void boot();
