// Ping's Authentication API widget (npm @ping-identity/pf-authn-js-widget 1.11.0, unmodified),
// on the stack's web sign-in page (GET /widget/ at the emulated PingFederate), in headless
// Chromium: every flow of the seed's second factor, each checked by what the widget shows and by
// the page redeeming the authorization code at /as/token.oauth2 (the claims it shows come from
// the token endpoint's answer).
//
// What the widget shows comes from its templates at tag v1.11.0 (pingidentity/pf-authn-js-widget
// src/partials/*.hbs): the texts asserted below are Ping's. The states and their models are
// PingFederate's with the PingOne MFA adapter:
// https://docs.pingidentity.com/integrations/pingone/pingone_mfa_integration_kit/pf-p1-mfa-ik-models-objects-and-error-codes.html
//
// Users (the stack's demo data): carol has an SMS device ("Carol's phone"), dave an e-mail and an
// SMS device ("Work mail", "Dave's phone"), bob a phone paired here with the command-line device,
// which answers his pushes.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { chromium } from "playwright-core";
import { PASSWORD, Stack, totp, waitUntil } from "./stack.mjs";

const CHROMIUM = process.env.CHROMIUM_BIN ?? "/usr/bin/chromium";
const SHOTS = process.env.MODERNO_SCREENSHOTS;
let stack;
let browser;
let bobPaired;

/** A fresh browser profile (no cookies) on the sign-in page; collects the page's errors. */
async function openPage() {
  const context = await browser.newContext({ viewport: { width: 560, height: 900 } });
  const page = await context.newPage();
  page.problems = [];
  page.on("pageerror", (error) => page.problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") page.problems.push(`console: ${message.text()}`);
  });
  const answer = await page.goto(`${stack.pf}/widget/`);
  assert.equal(answer.status(), 200, "the page is served");
  page.close = async () => context.close();
  return page;
}

const widgetText = (page) => page.locator("#authnwidget").innerText();

/** Waits until the widget shows `pattern`; answers its whole text. */
async function shows(page, pattern, timeoutMs = 15000) {
  let text = "";
  try {
    await waitUntil(`the widget to show ${pattern}`, async () => pattern.test((text = await widgetText(page))), timeoutMs);
  } catch (error) {
    throw new Error(`${error.message}; it shows:\n${text}\n${page.problems.join("\n")}`);
  }
  return text;
}

async function signOn(page, user, password = PASSWORD) {
  await page.locator("#username").waitFor({ timeout: 15000 });
  await page.fill("#username", user);
  await page.fill("#password", password);
  await page.click("#submit");
}

/**
 * Brings the widget to its device selection after sign-on: PingOne either asks for a choice
 * (DEVICE_SELECTION_REQUIRED) or sends the passcode to the default device at once (OTP_REQUIRED),
 * where Ping's back button (`#changeDevice`, src/index.js handleMfaDeviceChange) redraws the
 * selection from the flow's `devices`.
 */
async function toDeviceSelection(page) {
  const text = await shows(page, /Select Authentication Method|Enter the passcode/);
  if (!/Select Authentication Method/.test(text)) await page.click("#changeDevice");
  return shows(page, /Select Authentication Method/);
}

/** Types the passcode into Ping's OTP form and submits it. */
async function enterPasscode(page, passcode) {
  await page.fill("#otp", passcode);
  await page.click("#submit");
}

/**
 * Enters the newest passcode PingOne sent `user` (after the `seen` first messages), checks that
 * the page redeemed the code for `user`, and closes the page; answers the message.
 */
async function finishWithPasscode(page, user, seen) {
  const { passcode, message } = await stack.nextPasscode(user, seen);
  await enterPasscode(page, passcode);
  await assertSignedIn(page, user);
  assertNoProblems(page);
  await page.close();
  return message;
}

/** The page's outcome once the flow ended: kind, title, and the claims table as an object. */
async function outcome(page, timeoutMs = 20000) {
  const section = page.locator("#outcome");
  try {
    await section.waitFor({ state: "visible", timeout: timeoutMs });
  } catch {
    throw new Error(`the page shows no outcome; the widget shows:\n${await widgetText(page)}\n${page.problems.join("\n")}`);
  }
  const claims = {};
  for (const row of await page.locator("#claims tbody tr").all()) {
    claims[await row.locator("th").innerText()] = await row.locator("td").innerText();
  }
  return {
    kind: await section.getAttribute("data-outcome"),
    title: await page.locator("#outcome-title").innerText(),
    text: await page.locator("#outcome-text").innerText(),
    claims,
  };
}

/** The flow completed, the page redeemed the code and shows the ID token of `user`. */
async function assertSignedIn(page, user) {
  const result = await outcome(page);
  assert.equal(result.kind, "signed-in", `${result.title}: ${result.text}`);
  assert.equal(result.title, `Signed in as ${user}`);
  assert.match(result.text, /authorization code was redeemed; its signature verified with \/pf\/JWKS/);
  assert.equal(result.claims.sub, user, "the token's subject is the user who signed in");
  assert.equal(result.claims.iss, stack.pf, "issued by this PingFederate");
  assert.ok(result.claims.aud, "the token names its client");
  assert.ok(result.claims.nonce, "the page's nonce came back in the ID token");
  // Ping's COMPLETED template (completed.hbs) when the flow carries authorizeResponse.
  assert.match(await widgetText(page), /Authentication Success!/);
  return result.claims;
}

/**
 * The page's CSP must not get in the widget's way on the screens used. One refusal is expected and
 * harmless: device_selection_required.hbs carries `onclick="cancelRemoveLastDevice()"` (its
 * "last device" warning), a function the widget never defines, so it could not run anyway.
 */
function assertNoProblems(page) {
  const refused = page.problems.filter((p) => /Content Security Policy|Refused to/.test(p));
  const unexpected = refused.filter((p) => !/inline event handler/.test(p));
  assert.deepEqual(unexpected, [], "no CSP violation");
  assert.ok(refused.length <= 1, `at most Ping's one inline handler is refused: ${refused.join("\n")}`);
}

async function shot(page, name) {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.locator("main").screenshot({ path: join(SHOTS, `${name}.png`) });
}

/**
 * The value Ping's templates write on the line after `label` ("Message sent to:" then the
 * device's target); undefined when the label is absent or nothing is written (the next line is
 * then already a button).
 */
function valueAfter(text, label) {
  const lines = text.split("\n").map((l) => l.trim()).filter(Boolean);
  const at = lines.findIndex((l) => l === label);
  const value = at >= 0 ? lines[at + 1] : undefined;
  return ["Resend", "Call again", "Sign On", "Cancel", undefined].includes(value) ? undefined : value;
}

describe("Ping's widget on the web sign-in page", { timeout: 10 * 60 * 1000 }, () => {
  before(async () => {
    stack = await Stack.start();
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
    // Default settings throughout. Ping's widget (1.11.0, and 2.2.0 at HEAD) has no field for a
    // number-matching push (push_confirmation_waiting.hbs shows no number): its client,
    // moderno-web, signs on under PingOne's default policy, which asks for none (docs/fidelity.md).
    bobPaired = stack.pairPhone("bob").then(() => true, (error) => error);
  });
  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  /** A page where bob signed on and waits for his push (PUSH_CONFIRMATION_WAITING); its text. */
  async function bobWaitingForPush() {
    const paired = await bobPaired;
    if (paired !== true) throw paired;
    const page = await openPage();
    await signOn(page, "bob");
    return { page, text: await shows(page, /Authenticating/) };
  }

  /** Bob's phone answers the push waiting for it: once (approve) or deny. */
  async function phoneAnswers(action) {
    const answered = await stack.answerNextPush(action);
    assert.equal(answered.code, 0, answered.out);
  }

  it("serves Ping's unmodified widget with a strict CSP, same-origin with PingFederate", async () => {
    const answer = await fetch(`${stack.pf}/widget/`);
    const csp = answer.headers.get("content-security-policy");
    assert.match(csp, /script-src 'self'(;|$)/, "no inline script, no eval");
    assert.match(csp, /connect-src 'self'/, "the widget talks to this origin only");
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(answer.headers.get("x-content-type-options"), "nosniff");
    const script = await fetch(`${stack.pf}/widget/pf.authn-widget.js`);
    assert.equal(script.status, 200);
    const bytes = Buffer.from(await script.arrayBuffer());
    const { createHash } = await import("node:crypto");
    assert.equal(createHash("sha256").update(bytes).digest("hex"),
      "6c9cf278139bc961ab95ad9240575e690d7bf61f840d3f8288bc277148fb8df6", "npm 1.11.0's dist/pf.authn-widget.js, byte for byte");
  });

  // Ping: a wrong password answers 400 VALIDATION_ERROR with a detail whose userMessage the widget
  // lists above the form (errors.hbs; PF SDK guide, "Error messages and localization").
  it("keeps the form with Ping's wrong-password message, then signs in with the right one", async () => {
    const page = await openPage();
    await signOn(page, "carol", "not-the-password");
    await shows(page, /We didn't recognize the username or password you entered/);
    assert.ok(await page.locator("#username").isVisible(), "still on the sign-on form");
    assert.equal(await page.locator("#outcome").isVisible(), false, "no outcome: the flow goes on");
    const seen = (await stack.outbox("carol")).length;
    await signOn(page, "carol");
    await shows(page, /Enter the passcode that you received/);
    await finishWithPasscode(page, "carol", seen);
  });

  // Ping: one SMS device -> OTP_REQUIRED with devices + selectedDeviceRef; the widget's
  // otp_required.hbs: "Text Message", "Message sent to:" + the device's masked `target`, "Resend".
  it("signs carol in with the SMS passcode", async () => {
    const page = await openPage();
    const seen = (await stack.outbox("carol")).length;
    await signOn(page, "carol");
    const text = await shows(page, /Enter the passcode that you received to complete authentication/);
    await finishWithPasscode(page, "carol", seen);
    assert.match(text, /Text Message/, "Ping's header for an SMS device (type SMS)");
    assert.match(text, /Resend/);
    const target = valueAfter(text, "Message sent to:");
    assert.ok(target, `the widget names where the message went (the device's target):\n${text}`);
    assert.ok(!target.includes("555 0100"), `the phone number is masked, not ${target}`);
  });

  // Ping: several devices -> DEVICE_SELECTION_REQUIRED, or OTP_REQUIRED at the default device with
  // the others a click away (device_selection_required.hbs: "Select Authentication Method", one
  // tile per usable device, its nickname as title).
  it("lets dave choose his phone at device selection, one passcode per choice", async () => {
    const page = await openPage();
    await signOn(page, "dave");
    const text = await toDeviceSelection(page);
    assert.match(text, /Work mail/);
    assert.match(text, /Dave's phone/);
    const seen = (await stack.outbox("dave")).length;
    await page.locator("[data-id=device-selection-button]", { hasText: "Dave's phone" }).click();
    const otp = await shows(page, /Enter the passcode that you received/);
    assert.match(otp, /Message sent to:/);
    // The tile dispatches selectDevice once per nested data-mfa-selection element (Ping's
    // registerMfaEventHandler); a repeated choice of the same device sends no second passcode.
    await stack.nextPasscode("dave", seen);
    assert.equal((await stack.outbox("dave")).length, seen + 1, "one passcode for one click");
    const message = await finishWithPasscode(page, "dave", seen);
    assert.equal(message.channel, "SMS");
  });

  // Ping's widget for an e-mail device (type "Email"): header "Email", "Email sent to:" + masked target.
  it("signs dave in with the e-mail passcode", async () => {
    const page = await openPage();
    await signOn(page, "dave");
    await toDeviceSelection(page);
    const seen = (await stack.outbox("dave")).length;
    await page.locator("[data-id=device-selection-button]", { hasText: "Work mail" }).click();
    const text = await shows(page, /Enter the passcode that you received/);
    const message = await finishWithPasscode(page, "dave", seen);
    assert.equal(message.channel, "EMAIL");
    const target = valueAfter(text, "Email sent to:");
    assert.ok(target, `Ping's label for an Email device, with its target:\n${text}`);
    assert.ok(!target.includes("dave@example.com"), `the address is masked, not ${target}`);
  });

  // Ping: a TOTP device -> OTP_REQUIRED with nothing sent (the adapter's TOTP type; the widget's
  // otp_required.hbs asks for the authenticator app's code, no "Message sent to:").
  it("signs alice in with her authenticator app's code (TOTP)", async () => {
    const secret = await stack.addTotpDevice("alice");
    const page = await openPage();
    await signOn(page, "alice");
    const text = await shows(page, /Enter the passcode/);
    assert.equal(valueAfter(text, "Message sent to:"), undefined, `nothing is sent for a TOTP device:\n${text}`);
    assert.equal((await stack.outbox("alice")).length, 0, "PingOne sent alice nothing");
    await enterPasscode(page, totp(secret, await stack.now()));
    await assertSignedIn(page, "alice");
    assertNoProblems(page);
    await page.close();
  });

  // Ping: cancelAuthentication ends a redirectless flow in FAILED; the widget calls
  // onAuthorizationFailed (src/utils/redirectless.js failedStateCallback) and no code exists.
  it("cancels at the passcode screen: the flow fails, no code", async () => {
    const page = await openPage();
    await signOn(page, "carol");
    await shows(page, /Enter the passcode that you received/);
    await page.getByText("Cancel", { exact: true }).click();
    const result = await outcome(page);
    assert.equal(result.kind, "canceled", `${result.title}: ${result.text}`);
    assert.match(result.text, /AUTHENTICATION_CANCELED/);
    assert.deepEqual(result.claims, {}, "no code was redeemed");
    await shows(page, /Error/); // Ping's failed.hbs, drawn for FAILED
    await page.close();
  });

  // Ping's widget watches a push by GETting the flow once a second (src/index.js
  // postPushNotificationWait); PingFederate's GET answers the push's current state.
  // push_confirmation_waiting.hbs: "PingOne Authenticator", "Authenticating", "Request sent to:" + device.
  it("signs bob in when his phone approves the push", async () => {
    const { page, text } = await bobWaitingForPush();
    assert.match(text, /PingOne Authenticator/);
    await shot(page, "70-web-widget-push-waiting");
    await phoneAnswers("once");
    await assertSignedIn(page, "bob");
    // Checked once the push is answered, so a failure here leaves no push waiting for the next test.
    assert.ok(valueAfter(text, "Request sent to:"), `the widget names the device the push went to (devices in the push state):\n${text}`);
    assertNoProblems(page);
    await page.close();
  });

  // push_confirmation_rejected.hbs: "Blocked" and Cancel; Cancel ends the flow in FAILED.
  it("shows Blocked when bob's phone denies the push, and cancels", async () => {
    const { page } = await bobWaitingForPush();
    await phoneAnswers("deny");
    await shows(page, /Blocked/);
    assert.equal(await page.locator("#outcome").isVisible(), false, "no outcome before the person cancels");
    await page.getByText("Cancel", { exact: true }).click();
    const result = await outcome(page);
    assert.equal(result.kind, "canceled", `${result.title}: ${result.text}`);
    assert.deepEqual(result.claims, {}, "no code was issued");
    await page.close();
  });

  // PingOne expires a push it got no answer for (the emulator: 40 s, on the stack's virtual clock);
  // push_confirmation_timed_out.hbs: "Timed Out", Retry (selectDevice for the same device), Cancel.
  it("shows Timed Out when nobody answers, and signs bob in after Retry", async () => {
    const { page } = await bobWaitingForPush();
    await stack.advanceClock(60);
    const text = await shows(page, /Timed Out/);
    assert.match(text, /Retry/);
    assert.match(text, /Cancel/);
    await page.getByText("Retry", { exact: true }).click();
    await shows(page, /Authenticating/);
    await phoneAnswers("once");
    await assertSignedIn(page, "bob");
    assertNoProblems(page);
    await page.close();
  });
});
