// The QA panel in the window: a fault switched on the panel changes what the next sign-in does
// (the approving laptop "offline": the tablet gets the passcode screen instead of a push), the
// header says QA mode is on until everything is reset, and the virtual clock moves.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { closeAll, offlinePasscode, openWindow, pairFirst, signIn } from "./harness.mjs";

const ports = { sdk: 7241, customer: 7242, pingone: 7243, pingfederate: 7244, admin: 7245 };
let a;
let b;

describe("the QA panel", { timeout: 6 * 60 * 1000 }, () => {
  after(async () => {
    await a?.close();
    await b?.close();
    await closeAll();
  });

  it("switches the approving device offline, so a new device signs in with the offline passcode", async () => {
    a = await openWindow("laptop", { ports });
    await pairFirst(a, "alice");
    await a.click("Sign out");

    await a.click("QA panel");
    await a.heading("QA panel");
    assert.match(await a.text(), /Everything is off/);
    assert.equal(await a.isShown("#qa-chip"), false, "no QA badge while nothing is on");
    assert.equal(await a.isChecked("Number matching at the PingID SDK"), false, "number matching at the PingID SDK is beyond Ping: off");
    await a.choose("Approving device offline");
    await a.saying("Approving device offline: on.");
    assert.equal(await a.isShown("#qa-chip"), true, "the header says QA mode is on");
    assert.match(await a.text(), /QA mode is on/);
    await a.shot("50-qa-panel-fault-on");

    b = await openWindow("tablet", { ports });
    await signIn(b, "alice");
    await b.heading("Enter your passcode");
    await b.shot("51-qa-approver-offline-passcode");
    assert.equal(await b.isChecked("Trust this device after the passcode"), true);
    await b.fill("Passcode", await offlinePasscode(a));
    await b.click("Verify");
    await b.heading("Welcome, alice");
    assert.equal(await b.fact("This device"), "Trusted device", "the passcode's answer paired the tablet");
    assert.equal(await b.fact("Second factor"), "Passcode");
  });

  it("moves the virtual clock and resets everything", async () => {
    await a.click("Back to sign in");
    await a.click("QA panel");
    await a.heading("QA panel");
    await a.click("+1 hour");
    await a.saying("The clock moved 1 hour.");
    assert.equal(await a.fact("Offset"), "1 hour ahead of the real time");
    await a.click("Reset everything");
    await a.saying("All switches are off");
    assert.equal(await a.fact("Offset"), "the real time");
    assert.equal(await a.isShown("#qa-chip"), false, "the QA badge is gone");
  });
});
