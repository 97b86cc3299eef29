// A locked keyring: the app says what to do, in plain words, and offers a way on.
// Locks the session's login collection, so it runs in a D-Bus session of its own (scripts/test.sh).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { after, describe, it } from "node:test";
import { closeAll, openWindow } from "./harness.mjs";

describe("the locked-keyring screen", { timeout: 3 * 60 * 1000 }, () => {
  let w;
  after(async () => {
    await w?.close();
    await closeAll();
  });

  it("tells the person to unlock the keyring, with the error code, and offers Try again", async () => {
    // This profile has a key in the keyring (a placeholder is enough: it cannot be read while
    // the collection is locked), then the collection is locked, as after a screen lock.
    execFileSync("secret-tool", ["store", "--label=Moderno test", "service", "moderno-desktop", "username", "device:locked"], {
      input: "placeholder",
    });
    execFileSync("gdbus", ["call", "--session", "--dest", "org.freedesktop.secrets", "--object-path", "/org/freedesktop/secrets",
      "--method", "org.freedesktop.Secret.Service.Lock", "['/org/freedesktop/secrets/collection/login']"]);
    w = await openWindow("locked");
    await w.heading("Your keyring is locked", 60000);
    assert.match(await w.text(), /Unlock it/);
    assert.match(await w.text(), /Error code: keyring_unavailable/);
    await w.shot("22-keyring-locked");
    await w.click("Try again");
    await w.heading("Your keyring is locked", 30000);
  });
});
