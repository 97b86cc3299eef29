// Device management in the window: the primary renames a device and hands over its role; the
// new primary removes the old one, and the list shows it.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { closeAll, decide, matchNumber, openWindow, pairFirst, signIn } from "./harness.mjs";

const ports = { sdk: 7271, customer: 7272, pingone: 7273, pingfederate: 7274, admin: 7275 };
let a;
let b;

/** Clicks the button whose aria-label starts with `action` and names the device of `profile`. */
async function clickDeviceButton(w, action, profile) {
  await w.clickAt(`//button[starts-with(@aria-label, "${action}") and contains(@aria-label, "${profile}")]`, `"${action}" for ${profile}`);
}

describe("device management", { timeout: 5 * 60 * 1000 }, () => {
  after(async () => {
    await a?.close();
    await b?.close();
    await closeAll();
  });

  it("renames, hands the primary role over and removes a device", async () => {
    a = await openWindow("laptop", { ports });
    await pairFirst(a, "alice");
    b = await openWindow("tablet", { ports });
    await signIn(b, "alice");
    await decide(a, b, "Trust this device");
    await b.heading("Welcome, alice");
    assert.equal(await b.fact("This device"), "Trusted device");
    // The laptop is told a device joined the account.
    // (the laptop is told of the new device)
    await a.waitFor("//section[contains(@class, 'device-notice') and contains(., 'was added as TRUSTED')]", "notice of the new device", 30000);

    await a.click("This device");
    await a.heading("This device");
    const page = await a.text();
    assert.match(page, /last used/, "the laptop approved the tablet, so it shows when it was last used");
    assert.match(page, /not used yet/, "the tablet has not proved itself since it paired");
    await clickDeviceButton(a, "Rename", "(tablet)");
    await a.fillAt("//input[starts-with(@aria-label, 'New name for')]", "Alice's tablet", "field for the new name");
    await a.click("Save");
    await a.saying("Renamed to Alice");
    await clickDeviceButton(a, "Make", "Alice's tablet");
    await a.saying("is now the primary device");
    assert.equal(await a.fact("Role"), "Trusted device", "the laptop handed its role over");

    await b.click("This device");
    await b.heading("This device");
    assert.equal(await b.fact("Role"), "Primary device");
    await clickDeviceButton(b, "Remove", "(laptop)");
    await b.saying("was removed");
    assert.equal(await b.count("table.devices tbody tr"), 1, "only the tablet is left");
    await b.shot("55-device-management", { redact: true });
  });

  it("refuses a device when, under number matching (beyond Ping, a QA switch), the approver picks another number", async () => {
    // The laptop was removed: signing in again it is a new device, and the tablet (primary) decides.
    await a.click("Back to sign in");
    await a.click("QA panel");
    await a.heading("QA panel");
    assert.equal(await a.isChecked("Number matching at the PingID SDK"), false, "off by default, as Ping's SDK has none");
    assert.match(await a.text(), /beyond Ping/);
    await a.choose("Number matching at the PingID SDK");
    await a.saying("Number matching at the PingID SDK: on.");
    assert.equal(await a.isShown("#qa-chip"), false, "an application setting, not a fault: no QA badge");
    await a.browser.execute(() => document.getElementById("qa-number-matching")?.closest(".choice")?.scrollIntoView({ block: "center" }));
    await a.shot("62-qa-number-matching-beyond-ping");
    await a.click("Back to sign in");
    await signIn(a, "alice");
    const number = await matchNumber(a);
    assert.match(number ?? "", /^[1-9][0-9]$/, "the waiting device shows a two-digit number");
    assert.match(await a.text(), /beyond Ping/, "and says number matching is not Ping's");
    await b.heading("Approve sign-in?", 30000);
    const choices = await b.browser.execute(() => [...document.querySelectorAll("button.number-choice")].map((c) => c.textContent.trim()));
    assert.equal(choices.length, 3, `three numbers: ${choices}`);
    assert.ok(choices.includes(number), `the number shown (${number}) is offered: ${choices}`);
    assert.ok(await b.hasButton("Trust this device"), "the choices about the device stay under number matching");
    await b.click("Trust this device");
    assert.match(await b.alert(), /Pick the number/, "trusting waits for the number");
    await b.click(choices.find((c) => c !== number));
    await b.shot("56-number-matching-choices");
    await b.click("Trust this device");
    await b.heading("Sign-in refused");
    assert.match(await b.alert(), /was not the number the signing-in device shows/);
    await b.click("Close");
    await a.heading("Not signed in", 30000);
    assert.match(await a.text(), /picked a number other than the one shown here/);
    assert.match(await a.text(), /Status 1014/);
    await a.shot("57-number-matching-wrong-number");
  });
});
