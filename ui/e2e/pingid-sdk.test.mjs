// Every PingID SDK flow, clicked through in real windows. One story, in order: each step relies on
// what the previous ones paired. Window A is profile "laptop" (runs the embedded stack); window B
// joins A's stack and switches profiles through the connection screen to be other devices.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { closeAll, openWindow, pairingKeyFor } from "./harness.mjs";

const password = "moderno-demo";
let a;
let b;

async function signIn(w, user, pass = password) {
  await w.heading("Sign in to Moderno", 30000);
  await w.fill("Username", user);
  await w.fill("Password", pass);
  await w.click("Sign in");
}

async function switchProfile(w, profile) {
  await w.click(`Profile: ${w.profile}`);
  await w.heading("Connection");
  await w.fill("Device profile", profile);
  await w.click("Connect");
  await w.heading("Sign in to Moderno");
  w.profile = profile;
}

describe("PingID SDK flows in the window", { timeout: 15 * 60 * 1000 }, () => {
  before(async () => {
    a = await openWindow("laptop");
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await closeAll();
  });

  it("refuses an empty form and a wrong password on the sign-in screen, saying so in plain words", async () => {
    await a.heading("Sign in to Moderno", 60000);
    await a.shot("01-sign-in");
    await a.click("Sign in");
    assert.match(await a.alert(), /Type your username and password/);
    await signIn(a, "alice", "not-the-password");
    assert.match(await a.alert(), /Wrong username or password\. \(status 1010\)/);
    await a.shot("02-sign-in-wrong-password");
  });

  it("pairs the first device as PRIMARY after refusing a bad ignore interval", async () => {
    await signIn(a, "alice");
    await a.heading("Pair this device?");
    for (const level of ["Primary device", "Trusted device", "Not now"]) {
      assert.ok(await a.hasChoice(level), `the first device is offered ${level}`);
    }
    await a.shot("03-trust-level-first-device");
    await a.choose("Not now");
    await a.fill("Ignore for", "0");
    await a.click("Continue");
    assert.match(await a.alert(), /whole number, 1 or more/);
    await a.shot("04-trust-level-ignore-interval");
    await a.choose("Primary device");
    await a.fill("Device nickname (optional)", "Alice's laptop");
    await a.click("Continue");
    await a.heading("Welcome, alice");
    assert.equal(await a.fact("This device"), "Primary device");
    assert.equal(await a.fact("Second factor"), "Password only (first device)");
    await a.shot("05-result-first-device-primary");
  });

  it("shows this device's state, its offline passcode and the user's devices", async () => {
    await a.click("This device");
    await a.heading("This device");
    assert.equal(await a.fact("Role"), "Primary device");
    assert.equal(await a.fact("Paired with"), "alice");
    const code = await a.browser.$("#offline-code");
    await code.waitUntil(async () => /^\d{6}$/.test(await code.getText()), { timeout: 10000 });
    await a.shot("06-device-state", { redact: true });
    await a.click("Back to sign in");
  });

  it("ignores a first device for an interval, then lets it in without MFA and says so", async () => {
    b = await openWindow("kiosk");
    await signIn(b, "bob");
    await b.heading("Pair this device?");
    await b.choose("Not now");
    await b.fill("Ignore for", "2");
    await b.select("Unit", "hours");
    await b.click("Continue");
    await b.heading("Welcome, bob");
    assert.match(await b.text(), /Not paired: this device is ignored until/);
    await b.shot("07-result-ignored-for-two-hours");
    await b.click("Sign out");
    await signIn(b, "bob");
    await b.heading("Welcome, bob");
    assert.equal(await b.fact("Second factor"), "Skipped: device ignored");
    await b.shot("08-result-ignored-device-skips-mfa");
    await b.click("Sign out");
  });

  it("pairs with a manual pairing key after refusing a malformed and a wrong one", async () => {
    await switchProfile(b, "tablet");
    const key = await pairingKeyFor("carol");
    await b.fill("Username", "carol");
    await b.fill("Password", password);
    await b.click("I have a pairing key");
    await b.fill("Pairing key (optional)", "abc");
    await b.click("Sign in");
    assert.match(await b.alert(), /12 letters and digits/);
    await b.fill("Pairing key (optional)", "BCDF-GHJK-LMNP");
    await b.click("Sign in");
    await b.heading("Enter your pairing key");
    assert.match(await b.alert(), /not accepted/);
    await b.shot("09-pairing-key-refused");
    const messy = `${key.slice(0, 4).toLowerCase()} ${key.slice(5, 9)}-${key.slice(10).toLowerCase()}`;
    await b.fill("Pairing key", messy);
    await b.click("Pair with this key");
    await b.heading("Pair this device?");
    await b.choose("Primary device");
    await b.click("Continue");
    await b.heading("Welcome, carol");
    assert.equal(await b.fact("This device"), "Primary device");
    await b.click("Sign out");
  });
});
