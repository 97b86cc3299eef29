// Sending money: window B (alice's phone, a trusted device) sends a transfer; window A (her
// laptop, the primary) is asked to approve it and its dialog says what: "Transfer €250.00 to
// Bob". Approved once, denied once. A stack of its own (the server sends a user at most 5
// pushes in 10 minutes: trusting the phone, then two transfers).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { closeAll, decide, openWindow, pairFirst, signIn } from "./harness.mjs";

const ports = { sdk: 7291, customer: 7292, pingone: 7293, pingfederate: 7294, admin: 7295 };
let a;
let b;

/** On B's "Send money" form: types the transfer, sends it and waits for the waiting screen. */
async function send(w, amount, recipient) {
  await w.heading("Send money");
  await w.fill("Amount (€)", amount);
  await w.fill("Recipient", recipient);
  await w.click("Send");
  await w.heading("Approve the transfer on your other device", 30000);
}

/** The primary's approval dialog for a transfer, once it shows `summary`. */
async function transferDialog(w, summary) {
  await w.heading("Approve transfer?", 30000);
  await w.until(() => w.browser.execute(
    (wanted) => [...document.querySelectorAll(".push-summary")].some((el) => el.textContent.trim() === wanted), summary),
  `approval of "${summary}"`);
}

describe("a transfer approved on the primary device", { timeout: 6 * 60 * 1000 }, () => {
  before(async () => {
    a = await openWindow("laptop", { ports });
    await pairFirst(a, "alice");
    b = await openWindow("phone", { ports });
    await signIn(b, "alice");
    await decide(a, b, "Trust this device");
    await b.heading("Welcome, alice");
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await closeAll();
  });

  it("sends money once the primary approves what it reads: the amount and the recipient", async () => {
    await b.click("Send money");
    await b.heading("Send money");
    await b.fill("Amount (€)", "250");
    await b.fill("Recipient", "Bob");
    await b.shot("63-transfer-form");
    await b.click("Send");
    await b.heading("Approve the transfer on your other device", 30000);
    assert.match(await b.fact("Approving device"), /\(laptop\)/, "the phone says which device is asked");
    assert.equal(await b.fact("Amount"), "€250.00");

    await transferDialog(a, "Transfer €250.00 to Bob");
    assert.equal(await a.hasButton("Block this device"), false, "a transfer has no device to block");
    await a.shot("64-transfer-approval-on-primary");
    await a.click("Approve");

    await b.heading("Transfer sent", 30000);
    assert.equal(await b.fact("To"), "Bob");
    assert.match(await b.fact("Approved on"), /\(laptop\)/);
    assert.equal(await b.fact("Second factor"), "Approved on another device");
    await b.shot("65-transfer-approved");
  });

  it("sends nothing when the primary denies the transfer", async () => {
    await b.click("Send more money");
    await send(b, "75.5", "Carol");
    await transferDialog(a, "Transfer €75.50 to Carol");
    await a.click("Deny");
    await b.heading("Transfer denied", 30000);
    assert.match(await b.alert(), /No money was sent/);
    await b.click("Back");
    await b.heading("Welcome, alice");
  });
});
