// The long-poll loop both background watches share (pushes for this device, device notices).
import { asCommandError } from "./api";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A watch: once started on a paired device it asks `poll` again and again and hands each answer
 * to `handle`; it stops for good when the device is not paired, and waits 3 s after other errors.
 * Returns the starter (starting twice is one watch).
 */
export function watcher<T>(poll: () => Promise<T>, handle: (answer: T) => Promise<void> | void): (paired: boolean) => void {
  let watching = false;
  const loop = async () => {
    while (watching) {
      try {
        await handle(await poll());
      } catch (e) {
        if (asCommandError(e).code === "not_paired") {
          watching = false;
          return;
        }
        await sleep(3000);
      }
    }
  };
  return (paired: boolean) => {
    if (!paired || watching) return;
    watching = true;
    void loop();
  };
}
