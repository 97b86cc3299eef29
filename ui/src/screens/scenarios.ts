// Scenarios, step by step: the shipped runs of every flow of both seeds, each played on a stack
// of its own (fixed seed, virtual clock), one click per step, with the screen each step led to
// and whether it showed what the scenario expects.
import { api, asCommandError } from "../api";
import { alertBox, busy, h, screen } from "../dom";
import type { ScenarioRunView } from "../generated/ScenarioRunView";
import { showError } from "./error";
import { showLogin } from "./login";

export async function showScenarios(): Promise<void> {
  let list;
  try {
    list = await api.scenariosList();
  } catch (e) {
    return showError(asCommandError(e), { back: showLogin, retry: showScenarios });
  }
  const alert = alertBox();
  const options = list.map((s, i) => {
    const id = `scenario-${i}`;
    return h("div", { class: "choice" },
      h("input", { type: "radio", name: "scenario", id, value: s.file, checked: i === 0 }),
      h("label", { for: id }, h("strong", {}, s.name), h("span", {}, `${s.about} (${s.steps} steps)`)));
  });
  const back = h("button", { type: "button" }, "Back to sign in");
  back.addEventListener("click", () => showLogin());
  const form = h("form", { novalidate: true }, h("fieldset", { class: "choices" }, h("legend", {}, "Scenarios"), ...options), alert.el,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Start"), back));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = form.querySelector<HTMLInputElement>("input[name=scenario]:checked");
    if (!chosen) return alert.show("Choose a scenario.");
    void busy(form, async () => {
      try {
        drawRun(await api.scenarioStart(chosen.value));
      } catch (e) {
        alert.show(asCommandError(e).message);
      }
    });
  });
  screen("Scenarios", h("p", { class: "lead" }, "Replay a flow step by step: each runs on servers of its own, with a fixed seed and a virtual clock, so every run is the same."), form);
}

function drawRun(run: ScenarioRunView): void {
  const next = h("button", { type: "button", class: "primary" }, "Next step");
  const all = h("button", { type: "button" }, "Run to the end");
  const other = h("button", { type: "button" }, "Other scenarios");
  const box = h("div", { class: "actions" }, next, all, other);
  next.hidden = run.finished;
  all.hidden = run.finished;
  next.addEventListener("click", () => void busy(box, async () => drawRun(await api.scenarioStep())));
  all.addEventListener("click", () => void busy(box, async () => {
    let now = run;
    while (!now.finished) now = await api.scenarioStep();
    drawRun(now);
  }));
  other.addEventListener("click", async () => {
    await api.scenarioStop().catch(() => null);
    void showScenarios();
  });
  const steps = run.steps.map((what, i) => {
    const outcome = run.outcomes[i];
    const mark = !outcome ? "·" : outcome.problem ? "✗" : "✓";
    const cls = !outcome ? "step" : outcome.problem ? "step failed" : "step passed";
    return h("li", { class: cls },
      h("span", { class: "mark", "aria-hidden": "true" }, mark), " ", what,
      outcome ? h("span", { class: "screen-name" }, ` → ${outcome.screen}`) : null,
      outcome?.problem ? h("p", { class: "alert", role: "alert" }, outcome.problem) : null,
      outcome ? h("pre", { class: "shown" }, outcome.shown) : null);
  });
  const verdict = run.finished
    ? h("p", { class: run.passed ? "notice" : "notice warn", role: "status" }, run.passed ? "Scenario passed: every step showed what it should." : "Scenario failed: see the step marked ✗.")
    : h("p", { class: "hint", role: "status" }, `${run.outcomes.length} of ${run.steps.length} steps run.`);
  screen(run.name, h("p", { class: "lead" }, run.about), verdict, h("ol", { class: "steps" }, ...steps), box);
}
