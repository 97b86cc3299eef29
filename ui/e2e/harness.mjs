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

  /** Waits for the screen's (or a dialog's) heading. */
  async heading(text, timeout = 15000) {
    const el = await this.browser.$(`//*[self::h1 or self::h2][normalize-space()=${xpathText(text)}]`);
    await el.waitForDisplayed({ timeout, timeoutMsg: `${this.profile}: no screen titled "${text}" (now: "${await this.title()}")` });
  }

  async title() {
    const h1 = await this.browser.$("h1");
    return (await h1.isExisting()) ? h1.getText() : "(none)";
  }

  /** The input whose <label> reads `label`. */
  async field(label) {
    const lab = await this.browser.$(`//label[normalize-space()=${xpathText(label)}]`);
    await lab.waitForExist({ timeout: 10000, timeoutMsg: `${this.profile}: no field labelled "${label}"` });
    return this.browser.$(`#${await lab.getAttribute("for")}`);
  }

  async fill(label, value) {
    const input = await this.field(label);
    await input.clearValue();
    if (value) await input.setValue(value);
  }

  async select(label, visibleText) {
    const input = await this.field(label);
    await input.selectByVisibleText(visibleText);
  }

  /** A radio or checkbox, by the first line (title) of its label. */
  async choose(title) {
    const lab = await this.browser.$(`//label[.//strong[normalize-space()=${xpathText(title)}]]`);
    await lab.waitForDisplayed({ timeout: 10000, timeoutMsg: `${this.profile}: no choice "${title}"` });
    await lab.click();
  }

  async hasChoice(title) {
    return this.browser.$(`//label[.//strong[normalize-space()=${xpathText(title)}]]`).isExisting();
  }

  async click(label, timeout = 10000) {
    const button = await this.browser.$(`//button[normalize-space()=${xpathText(label)}]`);
    await button.waitForClickable({ timeout, timeoutMsg: `${this.profile}: no button "${label}"` });
    await button.click();
  }

  /** The text of the role=alert message shown now. */
  async alert(timeout = 10000) {
    const el = await this.browser.$(`//*[@role="alert" and not(@hidden)]`);
    await el.waitForDisplayed({ timeout, timeoutMsg: `${this.profile}: no alert shown` });
    return el.getText();
  }

  /** The value next to a <dt> label in a facts list. */
  async fact(term) {
    const dd = await this.browser.$(`//dt[normalize-space()=${xpathText(term)}]/following-sibling::dd[1]`);
    await dd.waitForDisplayed({ timeout: 10000 });
    return dd.getText();
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
    await sleep(250);
    await this.browser.saveScreenshot(resolve(shots, `${name}.png`));
  }

  async close() {
    await this.browser.deleteSession().catch(() => null);
  }
}

/** Fills the sign-in form (waiting for it) and submits it. */
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

/** Opens "This device" on `w` and reads its offline passcode, as a person would. */
/**
 * Number matching, as a person does it: read the number on the waiting window, then pick it in
 * the approver's dialog. Returns the number.
 */
export async function approveWithNumber(approver, waiting) {
  const shown = await waiting.browser.$(".match-number");
  await shown.waitForDisplayed({ timeout: 15000, timeoutMsg: `${waiting.profile}: no number to match is shown` });
  const number = (await shown.getText()).trim();
  await approver.heading("Approve sign-in?", 30000);
  await approver.click(number);
  return number;
}

export async function offlinePasscode(w) {
  await w.click("This device");
  await w.heading("This device");
  const code = await w.browser.$("#offline-code");
  await code.waitUntil(async () => /^\d{6}$/.test(await code.getText()), { timeout: 10000 });
  return code.getText();
}

/** A manual pairing key from the customer server's web page, as a person would get it. */
export async function pairingKeyFor(username, password = "moderno-demo", server = customerUrl) {
  const body = new URLSearchParams({ username, password });
  const page = await (await fetch(`${server}/pairing-key`, { method: "POST", body })).text();
  const key = /class="key"[^>]*>([A-Z-]+)</.exec(page)?.[1];
  if (!key) throw new Error(`no pairing key on the page for ${username}`);
  return key;
}
