// The approving window's choices about a new device, as Ping's network of trusted devices has
// them: this sign-in only, deny, ignore for a while, block (trusting it: pingid-sdk.test.mjs), and
// making it the primary while the user has none. Window A is bob's laptop, his primary device;
// window B is one new device after another, joining A's stack; window C is alice's laptop, her
// only device, trusted. A stack of its own: the server sends a user at most 5 pushes in 10
// minutes (bob gets 5 here).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { closeAll, decide, matchNumber, openWindow, pairFirst, signIn, switchProfile } from "./harness.mjs";

const ports = { sdk: 7281, customer: 7282, pingone: 7283, pingfederate: 7284, admin: 7285 };
let a;
let b;
let c;


describe("the approver's choices about a new device", { timeout: 8 * 60 * 1000 }, () => {
  before(async () => {
    a = await openWindow("laptop", { ports });
    await pairFirst(a, "bob");
    b = await openWindow("newcomer", { ports });
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await c?.close();
    await closeAll();
  });

  it("lets a device in once when the primary allows this sign-in only, and asks again next time", async () => {
    await switchProfile(b, "visitor");
    await signIn(b, "bob");
    await decide(a, b, "Allow this sign-in only");
    await b.heading("Welcome, bob");
    assert.equal(await b.fact("Your other device"), "Signed in once (not added)");
    assert.equal(await b.fact("This device"), "Not paired");
    assert.match(await b.text(), /its next sign-in asks again/);
    await b.shot("59-result-signed-in-once");
    await b.click("Sign out");
    await signIn(b, "bob");
    await b.heading("Approve on your other device");
    await decide(a, b, "Deny");
    await b.heading("Not signed in");
    assert.match(await b.alert(), /denied on the approving device/);
    assert.match(await b.text(), /Status 1014/);
    await b.shot("15-refused-denied");
    await b.click("Back to sign in");
  });

  it("ignores a device for the interval the primary picks, so its next sign-in skips MFA", async () => {
    await switchProfile(b, "library");
    await signIn(b, "bob");
    await decide(a, b, "Ignore this device for…", { interval: "1 week" });
    await b.heading("Welcome, bob");
    assert.match(await b.fact("Your other device"), /^Ignored until /);
    assert.equal(await b.fact("This device"), "Not paired");
    await b.shot("60-result-ignored-by-approver");
    await b.click("Sign out");
    await signIn(b, "bob");
    await b.heading("Welcome, bob");
    assert.equal(await b.fact("Second factor"), "Skipped: device ignored");
    await b.click("Sign out");
  });

  it("refuses a device the primary blocks, now and at its next sign-in, saying it was blocked", async () => {
    await switchProfile(b, "stranger");
    await signIn(b, "bob");
    await decide(a, b, "Block this device");
    await b.heading("Not signed in");
    assert.match(await b.alert(), /blocked this device/);
    assert.match(await b.text(), /Status 1014/);
    await b.shot("61-refused-blocked");
    await b.click("Back to sign in");
    await signIn(b, "bob");
    await b.heading("Not signed in");
    assert.match(await b.alert(), /blocked/);
    await b.click("Back to sign in");
  });

  it("offers to make the new device primary only while the user has none, and it pairs as primary", async () => {
    // bob's laptop is his primary: his pushes never offer it.
    await switchProfile(b, "kiosk");
    await signIn(b, "bob");
    await matchNumber(b);
    await a.heading("Approve sign-in?", 30000);
    assert.equal(await a.hasButton("Make it your primary device"), false, "bob has a primary: not offered");
    await a.click("Deny");
    await b.heading("Not signed in");
    await b.click("Back to sign in");

    // alice's only device is trusted: her next device may become the primary. A window of its
    // own, listening from the moment it pairs (a switched window finishes bob's long poll first).
    c = await openWindow("alice-laptop", { ports });
    await pairFirst(c, "alice", "Trusted device");
    await switchProfile(b, "alice-tablet");
    await signIn(b, "alice");
    await matchNumber(b);
    await c.heading("Approve sign-in?", 30000);
    assert.equal(await c.hasButton("Make it your primary device"), true, "alice has no primary: offered");
    assert.equal(await c.browser.execute(() => document.querySelector(".dialog button.primary")?.textContent.trim()),
      "Trust this device", "trusting stays the dialog's main action");
    await c.shot("69-incoming-push-primary-offered");
    await decide(c, b, "Make it your primary device");
    await b.heading("Welcome, alice");
    assert.equal(await b.fact("Your other device"), "Paired as your primary device");
    assert.equal(await b.fact("This device"), "Primary device");
  });

});
