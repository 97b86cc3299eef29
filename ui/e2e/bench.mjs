// Start-up benchmark: launch to an interactive sign-in screen (as WebDriver sees it: the
// "Sign in" button clickable) and idle memory after a few seconds (of the app and its WebKit
// processes; PSS, so libraries they share are counted once), for Moderno and for a minimal Tauri
// app built in the same run. The two apps take turns, run by run; the table gives the medians
// and Moderno's ratios to the minimal app.
// Usage: node e2e/bench.mjs <moderno binary> <minimal binary> [runs]
import { execFileSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { closeAll, openWindow } from "./harness.mjs";

const [moderno, minimal, runsArg] = process.argv.slice(2);
const runs = Number(runsArg ?? 5);

/** Every process below `pid` (the app and the WebKit processes it starts). */
function tree(pid) {
  const rows = execFileSync("ps", ["-eo", "pid=,ppid="]).toString().trim().split("\n").map((l) => l.trim().split(/\s+/).map(Number));
  const found = [pid];
  for (let i = 0; i < found.length; i++) for (const [p, pp] of rows) if (pp === found[i]) found.push(p);
  return found;
}

function pssMiB(pids) {
  let kib = 0;
  for (const pid of pids) {
    try {
      const m = /^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"));
      if (m) kib += Number(m[1]);
    } catch {
      // gone meanwhile
    }
  }
  return kib / 1024;
}

function appPid(binary) {
  const out = execFileSync("pgrep", ["-n", "-f", `^${binary}`]).toString().trim();
  return Number(out);
}

/** One launch: the time to a clickable "Sign in" and the idle memory 5 s later. */
async function launch(binary, profile, bare) {
  const t0 = performance.now();
  const w = await openWindow(profile, { app: binary, bare });
  const button = await w.browser.$(`//button[normalize-space()="Sign in"]`);
  // Polled every 10 ms: at WebdriverIO's default 100 ms a form could be seen up to 100 ms late.
  // Both apps draw the form in the page's HTML; Moderno's button becomes clickable once its
  // script has wired the form (before any command to the shell).
  await button.waitForClickable({ timeout: 60000, interval: 10 });
  const start = performance.now() - t0;
  await sleep(5000);
  const memory = pssMiB(tree(appPid(binary)));
  await w.close();
  await closeAll();
  await sleep(500);
  return { start, memory };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const apps = [
  { name: "Moderno (embedded stack)", binary: moderno, bare: false, runs: [] },
  { name: "minimal Tauri app", binary: minimal, bare: true, runs: [] },
];
// The two apps take turns run by run (A B A B ...), so a slower spell of the machine (another
// build, a cache warming up) weighs on both alike.
for (let i = 0; i < runs; i++) {
  for (const a of apps) {
    const r = await launch(a.binary, `bench${i}`, a.bare);
    a.runs.push(r);
    console.log(`run ${i + 1}/${runs} ${a.name}: ${r.start.toFixed(0)} ms, ${r.memory.toFixed(0)} MiB`);
  }
}
const rows = apps.map((a) => ({
  name: a.name,
  start: median(a.runs.map((r) => r.start)),
  memory: median(a.runs.map((r) => r.memory)),
  size: statSync(a.binary).size / 1024 / 1024,
}));
const [app, base] = rows;
console.log(`\nStart-up, idle memory and size (median of ${runs} runs each, taking turns; release builds, Xvfb):\n`);
console.log("| app | launch to interactive sign-in | idle memory (PSS, app + WebKit processes) | release binary |");
console.log("|---|---|---|---|");
for (const r of rows) {
  console.log(`| ${r.name} | ${r.start.toFixed(0)} ms | ${r.memory.toFixed(0)} MiB | ${r.size.toFixed(1)} MiB |`);
}
const ratio = (a, b) => `${(a / b).toFixed(2)}x`;
console.log(`| Moderno / minimal | ${ratio(app.start, base.start)} | ${ratio(app.memory, base.memory)} | ${ratio(app.size, base.size)} |`);
