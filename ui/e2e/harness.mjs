// Drives real Moderno windows: one tauri-driver (and WebKitWebDriver) per window, so two
// windows are two app instances — two devices. Controls are found by their visible label or
// role text, as a person finds them. Screenshots go to MODERNO_SCREENSHOTS, else target/screenshots
// (MODERNO_SCREENSHOTS=docs/screenshots refreshes the docs' ones: a test run does not by itself).
// Every wait is on a condition, read in one script call (a redraw cannot leave a stale element
// behind), and a wait that fails says what it awaited and what the window showed.
// MODERNO_WINDOW_SIZE=360x560 opens every window at that size (the screenshots at other sizes).
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { remote } from "webdriverio";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const app = process.env.MODERNO_DESKTOP_BIN ?? resolve(root, "target/debug/moderno-desktop");
export const shots = resolve(process.env.MODERNO_SCREENSHOTS ?? resolve(root, "target/screenshots"));
const driverBin = process.env.TAURI_DRIVER ?? "tauri-driver";
// Ports of the embedded stack in tests: away from the demo's (7101/7102).
export const stackPorts = { sdk: 7201, customer: 7202, pingone: 7203, pingfederate: 7204, admin: 7205 };
export const customerUrl = `http://127.0.0.1:${stackPorts.customer}`;

// The demo's device names read "Moderno Desktop on <host name>": the windows get a fixed one,
// so no screenshot shows the machine's.
const hostName = process.env.MODERNO_E2E_HOSTNAME ?? "demo";
const drivers = [];

/** The window size asked for by MODERNO_WINDOW_SIZE ("360x560"), or null for the app's own. */
function windowSize() {
  const asked = process.env.MODERNO_WINDOW_SIZE;
  if (!asked) return null;
  const m = /^(\d+)x(\d+)$/.exec(asked);
  if (!m) throw new Error(`MODERNO_WINDOW_SIZE must read WIDTHxHEIGHT (like 360x560), not "${asked}"`);
  return { width: Number(m[1]), height: Number(m[2]) };
}

const held = new Set();

/**
 * Holds the block of stack ports starting at `ports.sdk` for this test process, waiting while
 * another live process (the same suite run twice on one machine) holds it: two suites on one
 * set of ports would sign in at each other's servers. Released when the process exits; a lock
 * left by a process that died is taken over.
 */
async function holdPorts(ports, timeout = 15 * 60 * 1000) {
  const block = ports.sdk;
  if (held.has(block)) return;
  const dir = resolve(tmpdir(), `moderno-e2e-ports-${block}.lock`);
  const until = Date.now() + timeout;
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(resolve(dir, "pid"), String(process.pid));
      held.add(block);
      process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
      return;
    } catch (e) {
      if (e.code !== "EEXIST") throw e;
    }
    let owner = 0;
    try {
      owner = Number(readFileSync(resolve(dir, "pid"), "utf8"));
    } catch {
      // just made: its owner writes the pid next
    }
    if (owner && !alive(owner)) {
      rmSync(dir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > until) throw new Error(`stack ports from ${block} still held by process ${owner} after ${timeout} ms (${dir})`);
    await sleep(500);
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === "EPERM";
  }
}

/** A port no one listens on now (tauri-driver's, so suites and the bench never share one). */
function freePort() {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once("error", fail);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => done(port));
    });
  });
}

/**
 * Starts a window for `profile` with extra flags; `env` goes to its tauri-driver (and so the app).
 * `ports`: the embedded stack's (a window with other ports runs a stack of its own);
 * `bare`: start `binary` with no Moderno flags (the benchmark's minimal app).
 */
export async function openWindow(profile, { args = [], env = {}, app: binary = app, bare = false, ports = stackPorts } = {}) {
  if (!bare) await holdPorts(ports);
  const port = await freePort();
  const nativePort = await freePort();
  // Its own process group: closing kills tauri-driver, WebKitWebDriver and the app together, so
  // no window outlives its test (an orphaned app would also hold the stderr pipe open and keep
  // this test process from exiting).
  const driver = spawn(driverBin, ["--port", String(port), "--native-port", String(nativePort)], {
    env: { ...process.env, HOSTNAME: hostName, ...env },
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
  const window = new Window(browser, profile);
  const size = windowSize();
  if (size) await window.resize(size);
  return window;
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

async function waitForPort(port, timeout = 20000) {
  const until = Date.now() + timeout;
  let seen = "nothing";
  while (Date.now() < until) {
    try {
      await fetch(`http://127.0.0.1:${port}/status`);
      return;
    } catch (e) {
      seen = e?.cause?.code ?? e?.message ?? String(e);
      await sleep(100);
    }
  }
  throw new Error(`tauri-driver did not answer on port ${port} within ${timeout} ms (last: ${seen})`);
}

const xpathText = (s) => (s.includes('"') ? `'${s}'` : `"${s}"`);

export class Window {
  constructor(browser, profile) {
    this.browser = browser;
    this.profile = profile;
  }

  /** Sets the window to `width` x `height` and waits until the page has that size. */
  async resize({ width, height }) {
    await this.browser.setWindowSize(width, height);
    const inner = () => this.browser.execute(() => [window.innerWidth, window.innerHeight]);
    await this.until(async () => {
      const [w, h] = await inner();
      return w === width && h === height;
    }, `a ${width}x${height} page`, 10000);
  }

  /**
   * Waits until `check` (async, may read the page) returns a truthy value and returns it; a failed
   * wait says what was awaited and what the window showed then. A stale element counts as "not
   * yet".
   */
  async until(check, awaited, timeout = 10000) {
    try {
      return await this.browser.waitUntil(() => this.fresh(check, 0).catch((e) => {
        if (/stale element/i.test(String(e?.message ?? e))) return false;
        throw e;
      }), { timeout, interval: 100 });
    } catch (e) {
      const why = /timeout|timed out/i.test(String(e?.message ?? e)) ? "" : ` (${e?.message ?? e})`;
      throw new Error(`${this.profile}: no ${awaited} within ${timeout} ms${why}; the window shows ${await this.seen()}`);
    }
  }

  /**
   * What the window shows now, for a failed wait's message: the screen's title, open dialogs, an
   * alert, the buttons. With MODERNO_FAILURE_SHOTS (a directory) it also saves a screenshot there.
   */
  async seen() {
    const dir = process.env.MODERNO_FAILURE_SHOTS;
    if (dir) {
      mkdirSync(dir, { recursive: true });
      await this.browser.saveScreenshot(resolve(dir, `${this.profile}-${Date.now()}.png`)).catch(() => null);
    }
    return this.browser.execute(() => {
      const visible = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
      const words = (el) => el.textContent.replace(/\s+/g, " ").trim();
      const all = (css) => [...document.querySelectorAll(css)].filter(visible).map(words);
      const parts = [`screen "${document.querySelector("h1")?.textContent.trim() ?? "(none)"}"`];
      const dialogs = all(".dialog h2");
      if (dialogs.length) parts.push(`dialogs ${JSON.stringify(dialogs)}`);
      const alerts = all('[role="alert"]');
      if (alerts.length) parts.push(`alert ${JSON.stringify(alerts)}`);
      const statuses = all('main [role="status"]').filter((text) => text);
      if (statuses.length) parts.push(`status ${JSON.stringify(statuses)}`);
      parts.push(`buttons ${JSON.stringify(all("button").slice(0, 12))}`);
      return parts.join(", ");
    }).catch((e) => `(unreadable: ${e.message})`);
  }

  /** Waits for the screen's (or a dialog's) heading, read in one script call each time. */
  async heading(text, timeout = 15000) {
    await this.until(() => this.browser.execute((wanted) => {
      const visible = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
      return [...document.querySelectorAll("h1, h2")].some((el) => el.textContent.replace(/\s+/g, " ").trim() === wanted && visible(el));
    }, text), `screen titled "${text}"`, timeout);
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
        await sleep(50);
      }
    }
  }

  /**
   * Waits for a shown element matching `xpath` and returns its text; found, checked and read in
   * one script call, so a redraw between them cannot fail the wait.
   */
  async waitFor(xpath, awaited, timeout = 10000) {
    return this.until(() => this.browser.execute((path) => {
      const found = document.evaluate(path, document, null, XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null);
      for (let i = 0; i < found.snapshotLength; i++) {
        const el = found.snapshotItem(i);
        if (el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden") return { text: el.innerText.trim() };
      }
      return false;
    }, xpath), awaited, timeout).then((found) => found.text);
  }

  /**
   * Waits for a shown paragraph on the screen (a status line, a notice) containing `text`; returns
   * its text. Only the screen's own: the device notices above it may say the same words sooner.
   */
  async saying(text, timeout = 10000) {
    return this.waitFor(`//main//p[contains(., ${xpathText(text)})]`, `message on the screen saying "${text}"`, timeout);
  }

  /** How many elements match `css` now. */
  async count(css) {
    return this.browser.execute((sel) => document.querySelectorAll(sel).length, css);
  }

  /** Whether an element matching `css` is shown now. */
  async isShown(css) {
    return this.browser.execute((sel) => {
      const el = document.querySelector(sel);
      return Boolean(el) && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
    }, css);
  }

  /** The text of the first element matching `css` now, or null. */
  async textOf(css) {
    return this.browser.execute((sel) => document.querySelector(sel)?.innerText ?? null, css);
  }

  /** The input whose <label> (or aria-label) reads `label`. */
  async field(label) {
    const xpath = `//label[normalize-space()=${xpathText(label)}] | //*[(self::input or self::select) and @aria-label=${xpathText(label)}]`;
    return this.fieldAt(xpath, `field labelled "${label}"`);
  }

  /** The input `xpath` finds (or the one its <label> is for), once it is on the page. */
  async fieldAt(xpath, awaited) {
    const id = await this.until(() => this.browser.execute((path) => {
      const node = document.evaluate(path, document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue;
      if (!node) return null;
      return node.tagName === "LABEL" ? node.getAttribute("for") : node.id || (node.id = `f-${Math.random().toString(36).slice(2)}`);
    }, xpath), awaited);
    return this.browser.$(`#${id}`);
  }

  async fill(label, value) {
    await this.fresh(async () => this.type(await this.field(label), value));
  }

  /** Types `value` into the input `xpath` finds. */
  async fillAt(xpath, value, awaited) {
    await this.fresh(async () => this.type(await this.fieldAt(xpath, awaited), value));
  }

  async type(input, value) {
    await input.clearValue();
    if (value) await input.setValue(value);
  }

  async select(label, visibleText) {
    await this.fresh(async () => (await this.field(label)).selectByVisibleText(visibleText));
  }

  /** A radio or checkbox, by the first line (title) of its label. */
  async choose(title) {
    await this.clickAt(`//label[.//strong[normalize-space()=${xpathText(title)}]]`, `choice "${title}"`);
  }

  /** Whether the checkbox or radio titled `title` is checked. */
  async isChecked(title) {
    const xpath = `//label[.//strong[normalize-space()=${xpathText(title)}]]`;
    return this.until(() => this.browser.execute((path) => {
      const label = document.evaluate(path, document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue;
      const input = label && document.getElementById(label.getAttribute("for"));
      return input ? { checked: input.checked } : null;
    }, xpath), `choice "${title}"`).then((found) => found.checked);
  }

  async hasChoice(title) {
    return this.browser.execute((path) => Boolean(document.evaluate(path, document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue),
      `//label[.//strong[normalize-space()=${xpathText(title)}]]`);
  }

  async click(label, timeout = 10000) {
    await this.clickAt(`//button[normalize-space()=${xpathText(label)}]`, `button "${label}"`, timeout);
  }

  /** Clicks the element `xpath` finds once it is clickable, finding it again after a redraw. */
  async clickAt(xpath, awaited, timeout = 10000) {
    const until = Date.now() + timeout;
    await this.fresh(async () => {
      const el = await this.browser.$(xpath);
      try {
        await el.waitForClickable({ timeout: Math.max(until - Date.now(), 500) });
      } catch (e) {
        if (/stale element/i.test(String(e?.message ?? e))) throw e;
        throw new Error(`${this.profile}: no clickable ${awaited} within ${timeout} ms; the window shows ${await this.seen()}`);
      }
      // The page may move under the pointer (a device notice comes in above the card and pushes
      // it down): click once the element has kept its place for two frames.
      await this.browser.executeAsync((target, done) => {
        const started = performance.now();
        let last = "";
        let still = 0;
        const look = () => {
          const r = target.getBoundingClientRect();
          const here = `${r.x},${r.y},${r.width},${r.height}`;
          still = here === last ? still + 1 : 0;
          last = here;
          if (still >= 2 || performance.now() - started > 1000) done();
          else requestAnimationFrame(look);
        };
        requestAnimationFrame(look);
      }, el);
      await el.click();
    }, timeout);
  }

  /** Whether a button reading `label` is on the page now. */
  async hasButton(label) {
    return this.browser.execute((path) => Boolean(document.evaluate(path, document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue),
      `//button[normalize-space()=${xpathText(label)}]`);
  }

  /** The text of the role=alert message shown now (waiting for one). */
  async alert(timeout = 10000) {
    return this.waitFor(`//*[@role="alert" and not(@hidden)]`, "alert", timeout);
  }

  /** The value next to a <dt> label in a facts list. */
  async fact(term) {
    return this.waitFor(`//dt[normalize-space()=${xpathText(term)}]/following-sibling::dd[1]`, `fact "${term}"`);
  }

  /** The page's text now. */
  async text() {
    return this.browser.execute(() => document.body.innerText);
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

/** Switches window `w` to another device profile from the connection screen. */
export async function switchProfile(w, profile) {
  await w.click(`Profile: ${w.profile}`);
  await w.heading("Connection");
  await w.fill("Device profile", profile);
  await w.click("Connect");
  await w.heading("Sign in to Moderno");
  w.profile = profile;
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

/**
 * Opens "This device" on `w` and reads its offline passcode, as a person would.
 * `unlike`: a passcode used already — a code is good once, so this waits for the next one (codes
 * change every 30 seconds).
 */
export async function offlinePasscode(w, { unlike = null } = {}) {
  await w.click("This device");
  await w.heading("This device");
  return w.until(() => w.browser.execute((used) => {
    const code = document.getElementById("offline-code")?.textContent.trim() ?? "";
    return /^\d{6}$/.test(code) && code !== used ? code : false;
  }, unlike), `${unlike ? "new " : ""}offline passcode`, unlike ? 40000 : 10000);
}

/** A manual pairing key from the customer server's web page, as a person would get it. */
export async function pairingKeyFor(username, password = "moderno-demo", server = customerUrl) {
  const body = new URLSearchParams({ username, password });
  const page = await (await fetch(`${server}/pairing-key`, { method: "POST", body })).text();
  const key = /class="key"[^>]*>([A-Z-]+)</.exec(page)?.[1];
  if (!key) throw new Error(`no pairing key on the page for ${username}`);
  return key;
}
