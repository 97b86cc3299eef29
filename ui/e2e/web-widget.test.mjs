// Ping's own sign-in widget approved in the desktop window (the web sign-in demo of the PingOne
// MFA seed): bob signs in on the widget page (`/widget/` on PingFederate's origin, Ping's
// pf-authn-js-widget unmodified) in a browser; the push goes to the desktop window paired with
// PingOne for bob; the person approves it there; the page completes with the authorization code
// and shows the verified token's claims. The browser is Debian's Chromium, headless, driven by
// playwright-core (pinned in tests/widget); the window is the real app under Xvfb.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { closeAll, openWindow, shots, signIn } from "./harness.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const { chromium } = createRequire(join(root, "tests/widget/package.json"))("playwright-core");
const ports = { sdk: 7241, customer: 7242, pingone: 7243, pingfederate: 7244, admin: 7245 };
const widgetUrl = `http://127.0.0.1:${ports.pingfederate}/widget/`;
let desk;
let browser;

describe("Ping's widget on the web, approved in the desktop window", { timeout: 8 * 60 * 1000 }, () => {
  before(async () => {
    desk = await openWindow("phone", { ports, args: ["--backend", "pingfederate"] });
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_BIN ?? "/usr/bin/chromium", headless: true, args: ["--no-sandbox"] });
  });
  after(async () => {
    await browser?.close();
    await desk?.close();
    await closeAll();
  });

  it("names the widget page on the sign-in screen once the window is paired", async () => {
    await desk.heading("Sign in to Moderno", 60000);
    await signIn(desk, "bob");
    await desk.heading("Pair this device?");
    await desk.click("Pair this device");
    await desk.heading("Welcome, bob");
    await desk.click("Sign out");
    await desk.heading("Sign in to Moderno");
    assert.match(await desk.text(), new RegExp(`On the web: Ping's sign-in widget at ${widgetUrl.replace(/[/.]/g, "\\$&")}`));
  });

  it("signs bob in on the widget page when the window approves the push", async () => {
    const context = await browser.newContext({ viewport: { width: 560, height: 900 } });
    const page = await context.newPage();
    const answer = await page.goto(widgetUrl);
    assert.equal(answer.status(), 200, "Ping's widget is installed and served");
    await page.locator("#username").waitFor({ timeout: 15000 });
    await page.fill("#username", "bob");
    await page.fill("#password", "moderno-demo");
    await page.click("#submit");

    // The window, paired with PingOne for bob, is asked: a web sign-in, approve or deny.
    await desk.heading("Approve sign-in?", 30000);
    assert.match(await desk.text(), /bob/);
    assert.ok(await desk.hasButton("Approve"));
    await page.locator("#authnwidget", { hasText: /Request sent to/ }).waitFor({ timeout: 15000 });
    await page.screenshot({ path: join(shots, "71-web-widget-waiting-for-the-window.png") });
    await desk.shot("72-window-approves-web-widget-sign-in");
    await desk.click("Approve");

    const outcome = page.locator("#outcome");
    await outcome.waitFor({ state: "visible", timeout: 20000 });
    assert.equal(await outcome.getAttribute("data-outcome"), "signed-in");
    assert.equal(await page.locator("#outcome-title").innerText(), "Signed in as bob");
    const claims = await page.locator("#claims").innerText();
    assert.match(claims, /sub\s+bob/, "the verified ID token's subject");
    await page.screenshot({ path: join(shots, "73-web-widget-signed-in.png") });
    await context.close();
  });
});
