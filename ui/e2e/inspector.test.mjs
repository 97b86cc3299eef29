// The flow inspector in the window: the hops of a sign-in in another window appear live as a
// sequence diagram (server-to-server calls too), a click shows the whole exchange with the
// PINGID-HMAC signature opened and no secret, and the run exports as an HTML report.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { after, describe, it } from "node:test";
import { closeAll, decide, openWindow, pairFirst, signIn } from "./harness.mjs";

const ports = { sdk: 7251, customer: 7252, pingone: 7253, pingfederate: 7254, admin: 7255 };
let a;
let b;

/** The number of exchanges the inspector says it shows. */
async function shown(w) {
  const text = (await w.textOf("#inspector-count")) ?? "";
  return Number(/^(\d+)/.exec(text)?.[1] ?? "0");
}

describe("the flow inspector", { timeout: 6 * 60 * 1000 }, () => {
  after(async () => {
    await a?.close();
    await b?.close();
    await closeAll();
  });

  it("draws another window's sign-in hop by hop while it happens and opens each exchange", async () => {
    a = await openWindow("laptop", { ports });
    await pairFirst(a, "alice");
    await a.click("Inspector");
    await a.heading("Flow inspector");
    const before = await shown(a);
    assert.ok(before >= 3, `the laptop's own sign-in is there: ${before}`);

    b = await openWindow("tablet", { ports });
    await signIn(b, "alice");
    await b.heading("Approve on your other device");
    await a.until(async () => (await shown(a)) > before, `hop beyond the ${before} shown before`);
    await decide(a, b, "Trust this device");
    await b.heading("Welcome, alice", 30000);

    // The diagram redraws as hops arrive: click once it holds still.
    // Each arrow is a link to its exchange, drawn by the shell (the exported report's renderer).
    const arrow = "//*[local-name()='a' and contains(@class, 'hop') and contains(@aria-label, 'Customer server to PingID SDK')]";
    // (WebKitWebDriver does not click SVG elements: the click is dispatched on the arrow itself.)
    await a.until(() => a.browser.execute((xpath) => {
      const node = document.evaluate(xpath, document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue;
      node?.dispatchEvent(new MouseEvent("click", { bubbles: true }));
      return Boolean(node);
    }, arrow), "server-to-server arrow to click");
    const details = await a.until(async () => {
      const text = (await a.textOf("#hop-details")) ?? "";
      return text.includes("PINGID-HMAC signature") && text;
    }, "opened exchange with its PINGID-HMAC signature");
    assert.match(details, /canonicalString/);
    assert.doesNotMatch(details, /moderno-demo/);
    await a.browser.execute(() => {
      document.querySelectorAll(".dialog").forEach((d) => d.remove());
      window.scrollTo(0, 0);
    });
    await a.shot("52-inspector");
    await a.browser.execute(() => document.getElementById("hop-details")?.scrollIntoView());
    await a.shot("53-inspector-exchange");
  });

  it("exports the run as an HTML report with the diagram", async () => {
    await a.click("Export report");
    const path = /: (\S+\.html) and/.exec(await a.saying("Exported "))?.[1];
    assert.ok(path && existsSync(path), `the report was written: ${path}`);
    const page = readFileSync(path, "utf8");
    assert.match(page, /<svg/);
    assert.match(page, />Customer server</);
    assert.doesNotMatch(page, /moderno-demo"/);
  });

  it("opens in a window of its own beside the flow, drawing the same hops, an arrow opened by keyboard", async () => {
    const before = await a.browser.getWindowHandles();
    await a.click("Open beside the flow");
    await a.heading("Sign in to Moderno");
    await a.until(async () => (await a.browser.getWindowHandles()).length > before.length, "inspector window", 15000);
    const main = await a.browser.getWindowHandle();
    const added = (await a.browser.getWindowHandles()).find((handle) => !before.includes(handle));
    await a.browser.switchToWindow(added);
    try {
      await a.heading("Flow inspector");
      await a.until(async () => /^[1-9]\d* exchanges?/.test((await a.textOf("#inspector-count")) ?? ""), "hops in the inspector's window");
      assert.equal(await a.hasButton("Back to sign in"), false, "no sign-in in the inspector's window");
      assert.equal(await a.isShown("#profile-chip"), false, "the app's navigation stays in the main window");
      await a.shot("58-inspector-own-window");

      // By keyboard: an arrow takes the focus, and Enter opens its exchange.
      const first = "//*[local-name()='a' and contains(@class, 'hop') and contains(@aria-label, 'App to Customer server')]";
      await a.until(async () => {
        const focused = await a.browser.execute((xpath) => {
          const node = document.evaluate(xpath, document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue;
          node?.focus();
          return Boolean(node) && document.activeElement === node;
        }, first);
        if (!focused) return false;
        await a.browser.keys("Enter");
        return /App → Customer server/.test((await a.textOf("#hop-details h2")) ?? "");
      }, "the focused arrow's exchange opened by Enter");
      await a.browser.closeWindow();
    } finally {
      await a.browser.switchToWindow(main);
    }
    await a.heading("Sign in to Moderno");
  });
});
