// Drives real Moderno windows: one tauri-driver (and WebKitWebDriver) per window, so two
// windows are two app instances — two devices. Controls are found by their visible label or
// role text, as a person finds them. Screenshots go to docs/screenshots/.
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { remote } from "webdriverio";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const app = process.env.MODERNO_DESKTOP_BIN ?? resolve(root, "target/debug/moderno-desktop");
export const shots = process.env.MODERNO_SCREENSHOTS ?? resolve(root, "docs/screenshots");
const driverBin = process.env.TAURI_DRIVER ?? "tauri-driver";
// Ports of the embedded stack in tests: away from the demo's (7101/7102).
export const stackPorts = { sdk: 7201, customer: 7202, pingone: 7203, pingfederate: 7204, admin: 7205 };
export const customerUrl = `http://127.0.0.1:${stackPorts.customer}`;

let nextPort = 4444;
const drivers = [];

/** Starts a window for `profile` with extra flags; `env` goes to its tauri-driver (and so the app). */
/**
 * `ports`: the embedded stack's (a window with other ports runs a stack of its own);
 * `bare`: start `binary` with no Moderno flags (the benchmark's minimal app).
 */
export async function openWindow(profile, { args = [], env = {}, app: binary = app, bare = false, ports = stackPorts } = {}) {
  const port = nextPort;
  nextPort += 2;
  // Its own process group: closing kills tauri-driver, WebKitWebDriver and the app together, so
  // no window outlives its test (an orphaned app would also hold the stderr pipe open and keep
  // this test process from exiting).
  const driver = spawn(driverBin, ["--port", String(port), "--native-port", String(port + 1)], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "pipe"],
    detached: true,
  });
  driver.stderr.on("data", (d) => process.env.E2E_VERBOSE && process.stderr.write(`[driver ${port}] ${d}`));
  drivers.push(driver);
  await waitForPort(port);
  const browser = await remote({
    hostname: "127.0.0.1",
    port,
    logLevel: "error",
    connectionRetryCount: 2,
    capabilities: {
      "wdio:enforceWebDriverClassic": true,
      "tauri:options": {
        application: binary,
        args: bare ? [] : [
          "--profile", profile,
          "--embedded-sdk-listen", `127.0.0.1:${ports.sdk}`,
          "--embedded-customer-listen", `127.0.0.1:${ports.customer}`,
          "--embedded-pingone-listen", `127.0.0.1:${ports.pingone}`,
          "--embedded-pingfederate-listen", `127.0.0.1:${ports.pingfederate}`,
          "--embedded-admin-listen", `127.0.0.1:${ports.admin}`,
          ...args,
        ],
      },
    },
  });
  return new Window(browser, profile);
}

export async function closeAll() {
  for (const d of drivers) {
    try {
      process.kill(-d.pid, "SIGTERM");
    } catch {
      d.kill();
    }
    d.stderr?.destroy();
    d.unref();
  }
  drivers.length = 0;
}

async function waitForPort(port) {
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/status`);
      if (r.ok || r.status) return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`tauri-driver did not listen on ${port}`);
}

const xpathText = (s) => (s.includes('"') ? `'${s}'` : `"${s}"`);

export class Window {
  constructor(browser, profile) {
    this.browser = browser;
    this.profile = profile;
  }

  /**
   * Waits for the screen's (or a dialog's) heading. The page is asked in one script call each
   * time, so a redraw between finding the element and reading it cannot fail the wait (a stale
   * element); the title for the timeout message is read only once the wait has failed.
   */
  async heading(text, timeout = 15000) {
    const shown = () => this.browser.execute((wanted) => {
      const visible = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
      return [...document.querySelectorAll("h1, h2")].some((el) => el.textContent.replace(/\s+/g, " ").trim() === wanted && visible(el));
    }, text);
    try {
      await this.browser.waitUntil(shown, { timeout, interval: 100 });
    } catch {
      throw new Error(`${this.profile}: no screen titled "${text}" (now: "${await this.title()}")`);
    }
  }

  /** The screen's title now (read in one script call: never a stale element). */
  async title() {
    return this.browser.execute(() => document.querySelector("h1")?.textContent.trim() ?? "(none)").catch((e) => `(unreadable: ${e.message})`);
  }

  /** Runs `work` again while the element it holds was replaced by a redraw (a stale element). */
  async fresh(work, timeout = 10000) {
    const until = Date.now() + timeout;
    for (;;) {
      try {
        return await work();
      } catch (e) {
        if (!/stale element/i.test(String(e?.message ?? e)) || Date.now() > until) throw e;
      }
    }
  }

  /** The input whose <label> (or aria-label) reads `label`. */
  async field(label) {
    const xpath = `//label[normalize-space()=${xpathText(label)}] | //*[(self::input or self::select) and @aria-label=${xpathText(label)}]`;
    const id = await this.browser.waitUntil(() => this.browser.execute((path) => {
      const node = document.evaluate(path, document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue;
      if (!node) return null;
      return node.tagName === "LABEL" ? node.getAttribute("for") : node.id || (node.id = `f-${Math.random().toString(36).slice(2)}`);
    }, xpath), { timeout: 10000, interval: 100, timeoutMsg: `${this.profile}: no field labelled "${label}"` });
    return this.browser.$(`#${id}`);
  }

  async fill(label, value) {
    await this.fresh(async () => {
      const input = await this.field(label);
      await input.clearValue();
      if (value) await input.setValue(value);
    });
  }

  async select(label, visibleText) {
    await this.fresh(async () => (await this.field(label)).selectByVisibleText(visibleText));
  }

  /** A radio or checkbox, by the first line (title) of its label. */
  async choose(title) {
    await this.fresh(async () => {
      const lab = await this.browser.$(`//label[.//strong[normalize-space()=${xpathText(title)}]]`);
      await lab.waitForDisplayed({ timeout: 10000, timeoutMsg: `${this.profile}: no choice "${title}"` });
      await lab.click();
    });
  }

  /** Whether the checkbox or radio titled `title` is checked. */
  async isChecked(title) {
    return this.fresh(async () => {
      const lab = await this.browser.$(`//label[.//strong[normalize-space()=${xpathText(title)}]]`);
      await lab.waitForExist({ timeout: 10000, timeoutMsg: `${this.profile}: no choice "${title}"` });
      return this.browser.$(`#${await lab.getAttribute("for")}`).isSelected();
    });
  }

  async hasChoice(title) {
    return this.browser.$(`//label[.//strong[normalize-space()=${xpathText(title)}]]`).isExisting();
  }

  async click(label, timeout = 10000) {
    await this.fresh(async () => {
      const button = await this.browser.$(`//button[normalize-space()=${xpathText(label)}]`);
      await button.waitForClickable({ timeout, timeoutMsg: `${this.profile}: no button "${label}"` });
      await button.click();
    }, timeout);
  }

  /** Whether a button reading `label` is on the page now. */
  async hasButton(label) {
    return this.browser.execute((path) => Boolean(document.evaluate(path, document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue),
      `//button[normalize-space()=${xpathText(label)}]`);
  }

  /** The text of the role=alert message shown now. */
  async alert(timeout = 10000) {
    return this.fresh(async () => {
      const el = await this.browser.$(`//*[@role="alert" and not(@hidden)]`);
      await el.waitForDisplayed({ timeout, timeoutMsg: `${this.profile}: no alert shown` });
      return el.getText();
    }, timeout);
  }

  /** The value next to a <dt> label in a facts list. */
  async fact(term) {
    return this.fresh(async () => {
      const dd = await this.browser.$(`//dt[normalize-space()=${xpathText(term)}]/following-sibling::dd[1]`);
      await dd.waitForDisplayed({ timeout: 10000, timeoutMsg: `${this.profile}: no fact "${term}"` });
      return dd.getText();
    });
  }

  async text() {
    return this.browser.$("body").getText();
  }

  /** Saves a screenshot; `redact` hides the offline passcode first (no secret in the docs). */
  async shot(name, { redact = false } = {}) {
    mkdirSync(shots, { recursive: true });
    if (redact) {
      await this.browser.execute(() => {
        document.querySelectorAll(".otp").forEach((el) => (el.textContent = "••••••"));
      });
    }
    // Drawn: two animation frames after the last change (no fixed sleep).
    await this.browser.executeAsync((done) => requestAnimationFrame(() => requestAnimationFrame(() => done())));
    await this.browser.saveScreenshot(resolve(shots, `${name}.png`));
  }

  async close() {
    await this.browser.deleteSession().catch(() => null);
  }
}

/** Fills the sign-in form (waiting for it) and submits it. */
/** Switches window `w` to another device profile from the connection screen. */
export async function switchProfile(w, profile) {
  await w.click(`Profile: ${w.profile}`);
  await w.heading("Connection");
  await w.fill("Device profile", profile);
  await w.click("Connect");
  await w.heading("Sign in to Moderno");
  w.profile = profile;
}

export async function signIn(w, user, password = "moderno-demo") {
  await w.heading("Sign in to Moderno", 30000);
  await w.fill("Username", user);
  await w.fill("Password", password);
  await w.click("Sign in");
}

/** At the trust-level dialog: pairs at `level` and waits for the welcome of `user`. */
export async function pairAs(w, user, level) {
  await w.heading("Pair this device?", 30000);
  await w.choose(level);
  await w.click("Continue");
  await w.heading(`Welcome, ${user}`);
}

/** Signs `user` in on `w` and pairs the window as their first device, at `level`. */
export async function pairFirst(w, user, level = "Primary device") {
  await signIn(w, user);
  await pairAs(w, user, level);
}

/** The number the waiting window shows under number matching (beyond Ping at the PingID SDK), or null. */
export async function matchNumber(waiting) {
  await waiting.heading("Approve on your other device", 30000);
  return waiting.browser.execute(() => document.querySelector(".match-number")?.textContent.trim() ?? null);
}

/**
 * The approver's decision about a sign-in waiting in another window, as a person makes it: under
 * number matching first the number the waiting window shows, then `choice` — "Trust this device",
 * "Allow this sign-in only", "Ignore this device for…" (with `interval`: "1 hour", "1 day",
 * "1 week", "30 days", "always"), "Deny", "Block this device"; "Approve" for a push without
 * choices about a device (PingOne MFA, a web sign-in). Returns the number picked, or null.
 */
export async function decide(approver, waiting, choice = "Trust this device", { interval } = {}) {
  const number = await matchNumber(waiting);
  await approver.heading("Approve sign-in?", 30000);
  if (number !== null) await approver.click(number);
  if (interval) await approver.select("How long to ignore it", interval);
  await approver.click(choice);
  return number;
}

/** Opens "This device" on `w` and reads its offline passcode, as a person would. */
/**
 * `unlike`: a passcode used already — a code is good once, so this waits for the next one (codes
 * change every 30 seconds).
 */
export async function offlinePasscode(w, { unlike = null } = {}) {
  await w.click("This device");
  await w.heading("This device");
  return w.browser.waitUntil(() => w.browser.execute((used) => {
    const code = document.getElementById("offline-code")?.textContent.trim() ?? "";
    return /^\d{6}$/.test(code) && code !== used ? code : false;
  }, unlike), { timeout: unlike ? 40000 : 10000, interval: 200, timeoutMsg: `${w.profile}: no ${unlike ? "new " : ""}offline passcode shown` });
}

/** A manual pairing key from the customer server's web page, as a person would get it. */
export async function pairingKeyFor(username, password = "moderno-demo", server = customerUrl) {
  const body = new URLSearchParams({ username, password });
  const page = await (await fetch(`${server}/pairing-key`, { method: "POST", body })).text();
  const key = /class="key"[^>]*>([A-Z-]+)</.exec(page)?.[1];
  if (!key) throw new Error(`no pairing key on the page for ${username}`);
  return key;
}
