// The Moderno stack for the widget suite: `moderno-stack` on free loopback ports with its admin
// API (virtual clock, PingOne's outbox), and the command-line device (`moderno-device`) as bob's
// phone paired with PingOne MFA, answering pushes. Binaries come from target/debug unless
// MODERNO_BIN_DIR names another folder.
import { spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";

export const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const binDir = process.env.MODERNO_BIN_DIR ?? join(root, "target/debug");
export const PASSWORD = "moderno-demo";
// PingOne's demo environment and worker application (docs/api/pingone-mfa.md; on loopback only).
const PINGONE_ENV = "0c6b5a4e-3f2d-4e1c-9b8a-7d6e5f4a3b2c";
const WORKER_ID = "7d3c2b1a-9e8f-4a7b-8c6d-5e4f3a2b1c0d";
const WORKER_SECRET = "moderno-demo-worker-secret";

/** The RFC 6238 code (SHA-1, 6 digits, 30-second steps) of a base32 secret at Unix time `at`. */
export function totp(base32, at) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of base32.replace(/=+$/, "").toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 30)));
  const mac = createHmac("sha1", key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}

async function freePort() {
  const server = createServer();
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address();
  await new Promise((ok) => server.close(ok));
  return port;
}

async function waitUntil(what, check, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Runs a command to its end; resolves with its exit code and output. */
function run(command, args, { timeoutMs = 60000 } = {}) {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const timer = setTimeout(() => child.kill("SIGTERM"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolveRun({ code, out });
    });
  });
}

export class Stack {
  static async start() {
    const dir = mkdtempSync(join(tmpdir(), "moderno-widget-"));
    const ports = {};
    for (const name of ["sdk", "customer", "pingone", "pingfederate", "admin"]) ports[name] = await freePort();
    const log = join(dir, "stack.log");
    const child = spawn(join(binDir, "moderno-stack"), [
      "--data-dir", join(dir, "data"),
      "--sdk-listen", `127.0.0.1:${ports.sdk}`,
      "--customer-listen", `127.0.0.1:${ports.customer}`,
      "--pingone-listen", `127.0.0.1:${ports.pingone}`,
      "--pingfederate-listen", `127.0.0.1:${ports.pingfederate}`,
      "--admin-listen", `127.0.0.1:${ports.admin}`,
    ], { stdio: ["ignore", openSync(log, "w"), openSync(log, "a")], env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? "info" } });
    const stack = new Stack(dir, ports, child, log);
    try {
      await waitUntil("the stack", async () => {
        if (child.exitCode !== null) throw new Error("exited");
        const answers = await Promise.all([`${stack.pf}/.well-known/openid-configuration`, `${stack.admin}/admin`].map((u) => fetch(u)));
        return answers.every((a) => a.ok);
      });
    } catch (error) {
      await stack.stop();
      throw new Error(`moderno-stack did not start (${error.message}):\n${stack.logTail()}`);
    }
    return stack;
  }

  constructor(dir, ports, child, log) {
    this.dir = dir;
    this.child = child;
    this.log = log;
    this.pf = `http://127.0.0.1:${ports.pingfederate}`;
    this.customer = `http://127.0.0.1:${ports.customer}`;
    this.admin = `http://127.0.0.1:${ports.admin}`;
    this.pingone = `http://127.0.0.1:${ports.pingone}`;
    // Each run its own device identity in the keyring.
    this.profile = `widget-phone-${process.pid}`;
  }

  logTail(lines = 40) {
    try {
      return readFileSync(this.log, "utf8").split("\n").slice(-lines).join("\n");
    } catch {
      return "(no log)";
    }
  }

  async stop() {
    if (this.child.exitCode === null) {
      this.child.kill("SIGINT");
      await Promise.race([new Promise((ok) => this.child.once("exit", ok)), sleep(5000)]);
      if (this.child.exitCode === null) this.child.kill("SIGKILL");
    }
    if (!process.env.MODERNO_KEEP_DATA) rmSync(this.dir, { recursive: true, force: true });
  }

  device(args, options) {
    return run(join(binDir, "moderno-device"), ["--profile", this.profile, "--server", this.customer, ...args], options);
  }

  /** Pairs the command-line device as `user`'s phone with PingOne MFA (MOBILE_PAIRING_REQUIRED). */
  async pairPhone(user) {
    const { code, out } = await this.device(["pf-login", "--pingfederate", this.pf, "--user", user, "--password", PASSWORD]);
    if (code !== 0 || !/paired with PingOne MFA/.test(out)) {
      throw new Error(`pairing ${user}'s phone with moderno-device failed (exit ${code}; it needs a keyring: run through scripts/test-widget.sh):\n${out}`);
    }
  }

  /**
   * Starts the phone answering the next push with `action` (once, deny, …); resolves when it has
   * answered, with its output.
   */
  answerNextPush(action, seconds = 40) {
    return this.device(["pf-approve", "--action", action, "--once", "--for", String(seconds)], { timeoutMs: (seconds + 10) * 1000 });
  }

  async adminCall(method, path, body) {
    const answer = await fetch(`${this.admin}${path}`, {
      method,
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = await answer.json().catch(() => null);
    if (!answer.ok) throw new Error(`admin ${method} ${path}: ${answer.status} ${JSON.stringify(json)}`);
    return json;
  }

  /** What PingOne MFA has "sent" `user` (SMS and e-mail), newest last. */
  outbox(user) {
    return this.adminCall("GET", `/admin/outbox/${encodeURIComponent(user)}`);
  }

  /** Waits for a message to `user` newer than the `seen` first ones; answers its passcode. */
  async nextPasscode(user, seen) {
    let message;
    await waitUntil(`a passcode for ${user}`, async () => {
      const messages = await this.outbox(user);
      message = messages.length > seen ? messages[messages.length - 1] : undefined;
      return Boolean(message);
    }, 15000);
    const passcode = message.otp ?? /\b(\d{6})\b/.exec(message.text)?.[1];
    if (!passcode) throw new Error(`no passcode in the message to ${user}`);
    return { passcode, message };
  }

  /**
   * Gives `user` a TOTP device at PingOne MFA, as an administrator does with PingOne's Platform
   * API (a worker token by client credentials, the user looked up or created, `POST …/devices
   * {type: TOTP}`); answers the device's base32 secret, as PingOne shows it once.
   */
  async addTotpDevice(user) {
    const token = await fetch(`${this.pingone}/${PINGONE_ENV}/as/token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "client_credentials", client_id: WORKER_ID, client_secret: WORKER_SECRET }),
    }).then((r) => r.json());
    const api = (path, init = {}) => fetch(`${this.pingone}/v1/environments/${PINGONE_ENV}${path}`, {
      ...init,
      headers: { Authorization: `Bearer ${token.access_token}`, "Content-Type": "application/json", ...(init.headers ?? {}) },
    }).then(async (r) => ({ status: r.status, body: await r.json() }));
    const found = await api(`/users?filter=${encodeURIComponent(`username eq "${user}"`)}`);
    let id = found.body?._embedded?.users?.[0]?.id;
    if (!id) id = (await api("/users", { method: "POST", body: JSON.stringify({ username: user }) })).body.id;
    const device = await api(`/users/${id}/devices`, { method: "POST", body: JSON.stringify({ type: "TOTP" }) });
    if (device.status !== 201 || !device.body.secret) throw new Error(`no TOTP device for ${user}: ${JSON.stringify(device)}`);
    return device.body.secret;
  }

  /** The stack's clock (the admin API's virtual time), as Unix seconds. */
  async now() {
    const state = await this.adminCall("GET", "/admin");
    return Math.floor(Date.parse(state.now) / 1000);
  }

  advanceClock(seconds) {
    return this.adminCall("POST", "/admin/clock", { advanceSeconds: seconds });
  }
}

export { sleep, waitUntil };
