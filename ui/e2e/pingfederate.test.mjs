// Ping's "device pairing flows" (PingFederate authentication API with the PingOne MFA adapter),
// clicked through in real windows. One story, in order. Window A is profile "phone" (runs the
// embedded stack, whose PingOne MFA gives carol an SMS device and dave an e-mail and an SMS
// device); window B joins A's stack as other devices.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { closeAll, decide, openWindow, signIn } from "./harness.mjs";

const ports = { sdk: 7231, customer: 7232, pingone: 7233, pingfederate: 7234, admin: 7235 };
const pingFederate = ["--backend", "pingfederate"];
const PAIRED = "com.pingidentity.pingone.device_paired";
let a;
let b;

/** Opens the demo outbox on the passcode screen and reads the newest code from it. */
async function codeFromMessages(w) {
  await w.click("Show messages");
  const message = await w.waitFor("//*[contains(concat(' ', @class, ' '), ' message ')]/p[last()]", "message in the demo outbox");
  const code = /\b(\d{6})\b/.exec(message)?.[1];
  assert.ok(code, "the message carries a 6-digit passcode");
  return code;
}

/** Hides passcodes in the shown messages before a screenshot (no secret in the docs). */
async function redactMessages(w) {
  await w.browser.execute(() => {
    document.querySelectorAll(".message p").forEach((p) => (p.textContent = p.textContent.replace(/\d{6}/g, "••••••")));
  });
}

describe("PingFederate + PingOne MFA flows in the window", { timeout: 15 * 60 * 1000 }, () => {
  before(async () => {
    a = await openWindow("phone", { ports, args: pingFederate });
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await closeAll();
  });

  it("keeps a wrong password on the sign-in form, in PingFederate's words", async () => {
    await a.heading("Sign in to Moderno", 60000);
    assert.match(await a.text(), /Signing in through PingFederate with PingOne MFA/);
    assert.equal(await a.hasButton("I have a pairing key"), false,
      "PingFederate pairs without keys");
    await signIn(a, "bob", "not-the-password");
    assert.match(await a.alert(), /didn't recognize the username or password.*\(CREDENTIAL_VALIDATION_FAILED\)/);
    await a.shot("30-pf-sign-in-wrong-password");
  });

  it("pairs a first device at MOBILE_PAIRING_REQUIRED, and the token says device_paired", async () => {
    await signIn(a, "bob");
    await a.heading("Pair this device?");
    assert.match(await a.text(), /You have no device paired yet, bob/);
    await a.shot("31-pf-mobile-pairing-required");
    await a.click("Pair this device");
    await a.heading("Welcome, bob");
    assert.equal(await a.fact("pingone.mfa.status"), PAIRED);
    assert.equal(await a.fact("This device"), "Paired", "PingOne devices have no role (no primary or trusted)");
    assert.match(await a.text(), /Access token claims/);
    const claim = (name) => a.waitFor(`//table[@class="claims"]//th[normalize-space()="${name}"]/following-sibling::td[1]`, `claim "${name}"`);
    assert.equal(await claim("sub"), "bob");
    assert.equal(await claim("pingone.mfa.status"), PAIRED, "the claims are the verified token's");
    await a.shot("32-pf-result-device-paired");
    await a.click("This device");
    await a.heading("This device");
    assert.equal(await a.fact("Paired with"), "bob");
    assert.equal(await a.fact("Backend"), "PingFederate with PingOne MFA");
    await a.shot("33-pf-device-state");
    await a.click("Back to sign in");
  });

  it("pairs an additional device after the phone denies one push and approves the next", async () => {
    b = await openWindow("laptop", { ports, args: pingFederate });
    await signIn(b, "bob");
    await b.heading("Approve on your other device");
    assert.match(await b.text(), /We sent a request to Mobile app/);
    await b.shot("34-pf-push-confirmation-waiting");
    await a.heading("Approve sign-in?", 30000);
    assert.match(await a.text(), /bob/);
    assert.ok(await a.hasButton("Approve"), "PingOne's push: approve or deny");
    assert.ok(await a.hasButton("Report fraud"), "PingOne's SDK denies with a reason");
    assert.equal(await a.hasButton("Trust this device"), false, "no choices about the device with PingOne MFA");
    assert.equal(await a.hasButton("Block this device"), false);
    await a.shot("35-pf-incoming-push");
    await a.click("Report fraud");
    await b.heading("Request denied", 30000);
    await b.shot("36-pf-push-rejected");
    await b.click("Send another request");
    await b.heading("Approve on your other device");
    await decide(a, b, "Approve");
    await b.heading("Pair this device?", 30000);
    assert.match(await b.text(), /Your other device approved this sign-in/);
    await b.shot("37-pf-additional-device-pairing");
    await b.click("Pair this device");
    await b.heading("Welcome, bob");
    assert.equal(await b.fact("pingone.mfa.status"), PAIRED);
    assert.equal(await b.fact("This device"), "Paired", "PingOne devices have no role (no primary or trusted)");
    await b.shot("38-pf-result-additional-device");
    await b.click("Sign out");
  });

  it("asks an SMS-only user for the texted passcode, refusing a wrong one, and signs in without pairing", async () => {
    await b.click("Profile: laptop");
    await b.heading("Connection");
    assert.equal(await b.browser.execute(() => document.getElementById("backend-pingfederate_pingone_mfa")?.checked), true, "the backend in use is checked");
    await b.shot("39-pf-connection-screen");
    await b.fill("Device profile", "desk");
    await b.click("Connect");
    b.profile = "desk";
    await signIn(b, "carol");
    await b.heading("Enter your passcode");
    // PingFederate's adapter sends the target masked (PingOne MFA integration kit, Device object).
    assert.match(await b.text(), /We sent a text message with a passcode to \*{6}0100/);
    await b.fill("Passcode", "12");
    await b.click("Verify");
    assert.match(await b.alert(), /6 to 8 digits/);
    const code = await codeFromMessages(b);
    await b.fill("Passcode", code === "000000" ? "111111" : "000000");
    await b.click("Verify");
    assert.match(await b.alert(), /That passcode is wrong\. 2 tries left\./);
    await b.click("Show messages");
    await b.waitFor("//*[contains(concat(' ', @class, ' '), ' message ')]", "message in the demo outbox");
    await redactMessages(b);
    await b.shot("40-pf-otp-required-sms");
    await b.fill("Passcode", code);
    await b.click("Verify");
    await b.heading("Pair this device?");
    await b.click("Continue without pairing");
    await b.heading("Welcome, carol");
    assert.equal(await b.fact("pingone.mfa.status"), "com.pingidentity.pingone.device_not_paired");
    assert.match(await b.text(), /Not paired: you chose to go on without pairing/);
    await b.shot("41-pf-result-device-not-paired");
    await b.click("Sign out");
  });

  it("lets a user with two devices choose the e-mail one, then pairs after its passcode", async () => {
    await signIn(b, "dave");
    await b.heading("Choose a device");
    assert.ok(await b.hasChoice("Work mail"), "the e-mail device, by its nickname");
    assert.ok(await b.hasChoice("Dave's phone"), "the SMS device");
    await b.click("Send request");
    assert.match(await b.alert(), /Choose the device/);
    await b.shot("42-pf-device-selection-required");
    await b.choose("Work mail");
    await b.click("Send request");
    await b.heading("Enter your passcode");
    assert.match(await b.text(), /We sent an e-mail with a passcode to d\*\*\*@example\.com/);
    const code = await codeFromMessages(b);
    await b.fill("Passcode", code);
    await b.click("Verify");
    await b.heading("Pair this device?");
    await b.click("Pair this device");
    await b.heading("Welcome, dave");
    assert.equal(await b.fact("pingone.mfa.status"), PAIRED);
  });
});
