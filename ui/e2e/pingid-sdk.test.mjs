// Every PingID SDK flow, clicked through in real windows. One story, in order: each step relies on
// what the previous ones paired. Window A is profile "laptop" (runs the embedded stack); window B
// joins A's stack and switches profiles through the connection screen to be other devices. An
// additional device is decided on by the approving window, as Ping's network of trusted devices
// has it: here it trusts them (the other choices: approver-choices.test.mjs, on a stack of its own,
// as the server sends a user at most 5 pushes in 10 minutes).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { closeAll, decide, matchNumber, offlinePasscode, openWindow, pairingKeyFor, signIn, switchProfile } from "./harness.mjs";

const password = "moderno-demo";
let a;
let b;
/** The laptop's offline passcode used last: each code is good once. */
let usedPasscode = null;


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
    await a.until(async () => /^\d{6}$/.test((await a.textOf("#offline-code")) ?? ""), "offline passcode");
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

  it("trusts an additional device from the primary's dialog, which names the device and offers Ping's five choices", async () => {
    await switchProfile(b, "phone");
    await signIn(b, "alice");
    assert.equal(await matchNumber(b), null, "no number to match: the PingID SDK has no number matching by default");
    await b.shot("10-waiting-for-push");
    await a.heading("Approve sign-in?");
    assert.equal(await a.fact("Account"), "alice");
    const device = await a.fact("New device");
    assert.match(device, /\(phone\)/, "the dialog names the new device");
    assert.match(device, /Desktop · \S/, "its type and system");
    for (const choice of ["Trust this device", "Allow this sign-in only", "Ignore this device for…", "Deny", "Block this device"]) {
      assert.ok(await a.hasButton(choice), `the approver is offered "${choice}"`);
    }
    assert.equal(await a.hasButton("Approve"), false, "no bare Approve for a new device");
    assert.equal(await a.count("button.number-choice"), 0, "no numbers to pick");
    await a.shot("11-incoming-push-approval");
    await a.click("Trust this device");
    await b.heading("Welcome, alice");
    assert.equal(await b.fact("This device"), "Trusted device");
    assert.equal(await b.fact("Your other device"), "Paired as a trusted device");
    assert.equal(await b.fact("Second factor"), "Approved on another device");
    await b.shot("13-result-additional-device-trusted");
    await b.click("This device");
    await b.heading("This device");
    assert.match(await b.text(), /Alice's laptop/);
    await b.shot("14-device-list", { redact: true });
    await b.click("Back to sign in");
  });

  it("cancels a waiting push", async () => {
    await switchProfile(b, "desk");
    await signIn(b, "alice");
    await b.heading("Approve on your other device");
    await b.click("Cancel");
    await b.heading("Sign in to Moderno");
    assert.match(await b.text(), /Sign-in cancelled/);
  });

  it("falls back to the offline passcode when nobody answers, refusing malformed and wrong codes, and signs in once when told not to trust", async () => {
    await signIn(b, "alice");
    await b.heading("Approve on your other device");
    await b.heading("No answer yet", 60000);
    await b.shot("16-push-timed-out");
    await b.click("Use a passcode instead");
    await b.heading("Enter your passcode");
    assert.equal(await b.isChecked("Trust this device after the passcode"), true, "trusting the device is the default");
    await b.fill("Passcode", "12ab");
    await b.click("Verify");
    assert.match(await b.alert(), /6 digits/);
    await b.fill("Passcode", "000000");
    await b.click("Verify");
    await b.heading("Enter your passcode");
    assert.match(await b.alert(), /wrong/);
    await b.shot("17-passcode-wrong");
    await b.choose("Trust this device after the passcode");
    assert.equal(await b.isChecked("Trust this device after the passcode"), false);
    // Read the passcode off the laptop, as a person would (its unanswered dialog set aside).
    await a.browser.execute(() => document.querySelectorAll(".dialog").forEach((d) => d.remove()));
    usedPasscode = await offlinePasscode(a);
    await b.fill("Passcode", usedPasscode);
    await b.click("Verify");
    await b.heading("Welcome, alice");
    assert.equal(await b.fact("Second factor"), "Passcode");
    assert.equal(await b.fact("Your other device"), "Signed in once (not added)");
    await b.click("Sign out");
    await a.click("Back to sign in");
  });

  it("pairs a device as trusted with the passcode of an offline primary (the QA switch)", async () => {
    await qaSwitch(a, "Approving device offline");
    await signIn(b, "alice");
    await b.heading("Enter your passcode");
    assert.equal(await b.isChecked("Trust this device after the passcode"), true);
    await b.fill("Passcode", await offlinePasscode(a, { unlike: usedPasscode }));
    await b.click("Verify");
    await b.heading("Welcome, alice");
    assert.equal(await b.fact("This device"), "Trusted device");
    assert.equal(await b.fact("Second factor"), "Passcode");
    assert.equal(await b.fact("Your other device"), "Paired as a trusted device");
    await b.shot("18-result-offline-passcode");
    await b.click("Sign out");
    await a.click("Back to sign in");
    await a.click("QA panel");
    await a.heading("QA panel");
    await a.click("Reset everything");
    await a.saying("All switches are off");
    await a.click("Back to sign in");
  });

  it("asks which device should approve once the user has no primary, and the trusted laptop takes the primary role back", async () => {
    // Unpair the laptop: alice keeps two trusted devices (phone, desk) and no primary.
    await a.click("This device");
    await a.heading("This device");
    await a.click("Unpair this device");
    await a.click("Really? Click again");
    await a.heading("Sign in to Moderno");
    assert.match(await a.text(), /unpaired/);
    await signIn(a, "alice");
    await a.heading("Choose a device");
    await a.shot("19-choose-device");
    await a.click("Send request");
    assert.match(await a.alert(), /Choose the device/);
    await a.choose("Moderno Desktop on " + (await deviceHost(a)) + " (desk)");
    await a.click("Send request");
    await decide(b, a, "Trust this device");
    await a.heading("Welcome, alice");
    assert.equal(await a.fact("This device"), "Trusted device");
    // Recovering from a lost primary: a trusted device just signed in takes the role.
    await a.click("This device");
    await a.heading("This device");
    await a.clickAt(`//button[starts-with(@aria-label, "Make") and contains(@aria-label, "(laptop)")]`, "Make primary for the laptop");
    await a.saying("is now the primary device");
    assert.equal(await a.fact("Role"), "Primary device");
    await a.click("Back to sign in");
  });

  it("keeps the device key across an app restart (the OS keyring), and signs in by it", async () => {
    await b.close();
    b = await openWindow("desk");
    await b.heading("Sign in to Moderno", 30000);
    await signIn(b, "alice");
    await b.heading("Welcome, alice");
    assert.equal(await b.fact("This device"), "Trusted device");
    assert.equal(await b.fact("Second factor"), "Paired device");
    await b.shot("20-result-paired-device-after-restart");
    await b.click("Sign out");
  });

  it("refuses a server address that is not one, on the connection screen", async () => {
    await b.click("Profile: desk");
    await b.heading("Connection");
    await b.fill("Server address", "not a server");
    await b.click("Connect");
    assert.match(await b.alert(), /invalid_server_url/);
    await b.shot("21-connection-bad-address");
    await b.click("Back");
  });
});

/** Switches a QA panel fault on in window `w`, from the sign-in screen, and goes back there. */
async function qaSwitch(w, title) {
  await w.click("QA panel");
  await w.heading("QA panel");
  await w.choose(title);
  await w.saying(`${title}: on.`);
  await w.click("Back to sign in");
  await w.heading("Sign in to Moderno");
}

/** The host name part of this computer's device names, as the device list shows it. */
async function deviceHost(w) {
  const titles = await w.browser.execute(() => [...document.querySelectorAll("label strong")].map((l) => l.textContent.trim()));
  for (const title of titles) {
    const m = /^Moderno Desktop on (.+) \(desk\)$/.exec(title);
    if (m) return m[1];
  }
  throw new Error(`no device named after the desk profile among ${JSON.stringify(titles)}`);
}
