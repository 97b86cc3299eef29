// Start-up benchmark: launch to an interactive sign-in screen (as WebDriver sees it: the
// "Sign in" button clickable) and idle memory after a few seconds (of the app and its WebKit
// processes; PSS, so libraries they share are counted once), for Moderno and for a minimal Tauri
// app built in the same run.
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

async function measure(binary, profile, bare) {
  const starts = [];
  const memory = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const w = await openWindow(`${profile}${i}`, { app: binary, bare });
    const button = await w.browser.$(`//button[normalize-space()="Sign in"]`);
    await button.waitForClickable({ timeout: 60000 });
    starts.push(performance.now() - t0);
    await sleep(5000);
    memory.push(pssMiB(tree(appPid(binary))));
    await w.close();
    await closeAll();
    await sleep(500);
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { start: median(starts), memory: median(memory), size: statSync(binary).size / 1024 / 1024 };
}

const rows = [
  ["Moderno (embedded stack)", await measure(moderno, "bench", false)],
  ["minimal Tauri app", await measure(minimal, "bench", true)],
];
console.log(`\nStart-up, idle memory and size (median of ${runs} runs, release builds, Xvfb):\n`);
console.log("| app | launch to interactive sign-in | idle memory (PSS, app + WebKit processes) | binary size |");
console.log("|---|---|---|---|");
for (const [name, r] of rows) {
  console.log(`| ${name} | ${r.start.toFixed(0)} ms | ${r.memory.toFixed(0)} MiB | ${r.size.toFixed(1)} MiB |`);
}
