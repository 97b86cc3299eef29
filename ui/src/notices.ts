// Tells the person when a device is added to or removed from their account (the SDK server's
// device notices, long-polled while this device is paired): a line above the screen, in the page's
// flow so it covers nothing, gone when dismissed or after a minute.
import { api } from "./api";
import { h } from "./dom";
import type { NoticeView } from "./generated/NoticeView";
import { watcher } from "./watch";

/** Starts (or keeps) the watch while the device is paired; it stops by itself when it is not. */
export const watchNotices = watcher(() => api.deviceNotices(20), (notices) => notices.forEach(show));

function show(notice: NoticeView): void {
  const dismiss = h("button", { type: "button", class: "link" }, "Dismiss");
  const line = h("section", { class: "device-notice", role: "status" },
    h("p", {}, h("strong", {}, "Your devices changed: "), notice.text, h("span", { class: "hint" }, ` · ${new Date(notice.at).toLocaleTimeString()}`)),
    dismiss);
  dismiss.addEventListener("click", () => line.remove());
  setTimeout(() => line.remove(), 60_000);
  document.getElementById("notices")!.prepend(line);
}
