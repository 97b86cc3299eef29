// The approving window's choices about a new device, as Ping's network of trusted devices has
// them: this sign-in only, deny, ignore for a while, block (trusting it: pingid-sdk.test.mjs).
// Window A is bob's laptop, his primary device; window B is one new device after another, joining
// A's stack. A stack of its own: the server sends a user at most 5 pushes in 10 minutes.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { closeAll, decide, openWindow, pairFirst, signIn } from "./harness.mjs";

const ports = { sdk: 7281, customer: 7282, pingone: 7283, pingfederate: 7284, admin: 7285 };
let a;
let b;

async function switchProfile(w, profile) {
  await w.click(`Profile: ${w.profile}`);
  await w.heading("Connection");
  await w.fill("Device profile", profile);
  await w.click("Connect");
  await w.heading("Sign in to Moderno");
  w.profile = profile;
}

describe("the approver's choices about a new device", { timeout: 8 * 60 * 1000 }, () => {
  before(async () => {
    a = await openWindow("laptop", { ports });
    await pairFirst(a, "bob");
    b = await openWindow("newcomer", { ports });
  });
  after(async () => {
    await a?.close();
    await b?.close();
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

});
