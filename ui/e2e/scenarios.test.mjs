// Scenarios in the window: a shipped scenario played one step at a time for a live demo, each
// step's screen and verdict shown; then another run to the end.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { closeAll, openWindow } from "./harness.mjs";

const ports = { sdk: 7261, customer: 7262, pingone: 7263, pingfederate: 7264, admin: 7265 };
let w;

describe("scenarios step by step", { timeout: 5 * 60 * 1000 }, () => {
  after(async () => {
    await w?.close();
    await closeAll();
  });

  it("plays a scenario one click per step and says it passed", async () => {
    w = await openWindow("presenter", { ports });
    await w.heading("Sign in to Moderno", 60000);
    await w.click("Scenarios");
    await w.heading("Scenarios");
    await w.choose("PingID SDK: additional device, approver offline, OTP fallback");
    await w.click("Start");
    await w.heading("PingID SDK: additional device, approver offline, OTP fallback");
    // The scenario file says how many steps it has; the screen counts them.
    const steps = Number(/0 of (\d+) steps run/.exec(await w.text())?.[1]);
    assert.ok(steps > 5, `the scenario has its steps listed: ${steps}`);
    for (let i = 1; i <= 5; i++) await w.click("Next step");
    await w.saying(`5 of ${steps} steps run`);
    assert.match(await w.text(), /tablet: login alice → ENTER_OTP/);
    await w.click("Run to the end");
    await w.saying("Scenario passed", 30000);
    assert.equal((await w.text()).match(/✓/g)?.length, steps, "every step checked");
    await w.shot("54-scenario-run");
  });

  it("runs another scenario to the end", async () => {
    await w.click("Other scenarios");
    await w.heading("Scenarios");
    await w.choose("PingFederate: a pairing that fails (pairing_error)");
    await w.click("Start");
    await w.click("Run to the end");
    await w.saying("Scenario passed", 30000);
    assert.match(await w.text(), /pairing_error/);
  });
});
