// Manual pairing mode (Ping's "Manual pairing flow"): the first device of a user needs a key from
// the web page; the app asks for it when the server says so (1030). A window of its own, with its
// own embedded stack set to manual pairing.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { closeAll, openWindow, pairingKeyFor } from "./harness.mjs";

const ports = { sdk: 7221, customer: 7222, pingone: 7223, pingfederate: 7224, admin: 7225 };

describe("manual pairing of a first device", { timeout: 3 * 60 * 1000 }, () => {
  let w;
  // The embedded stack's files: a directory of this run's own, gone with the window.
  const dataDir = mkdtempSync(join(tmpdir(), "moderno-manual-"));
  after(async () => {
    await w?.close();
    await closeAll();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("asks for the pairing key, refuses a malformed one, and pairs with the key from the web page", async () => {
    w = await openWindow("manual", {
      ports,
      args: ["--data-dir", dataDir, "--pairing-mode", "manual"],
    });
    await w.heading("Sign in to Moderno", 60000);
    await w.fill("Username", "dave");
    await w.fill("Password", "moderno-demo");
    await w.click("Sign in");
    await w.heading("Enter your pairing key");
    await w.shot("23-pairing-key-required");
    await w.click("Pair with this key");
    assert.match(await w.alert(), /Type the pairing key/);
    await w.fill("Pairing key", "ABCD-EFGH");
    await w.click("Pair with this key");
    assert.match(await w.alert(), /12 letters/);
    const key = await pairingKeyFor("dave", "moderno-demo", `http://127.0.0.1:${ports.customer}`);
    await w.fill("Pairing key", key.replaceAll("-", " ").toLowerCase());
    await w.click("Pair with this key");
    await w.heading("Pair this device?");
    await w.choose("Primary device");
    await w.click("Continue");
    await w.heading("Welcome, dave");
    assert.equal(await w.fact("This device"), "Primary device");
    await w.shot("24-result-manual-pairing");
  });
});
