// Screenshots of the customer server's web sign-in approved on a trusted device, for the docs.
// Driven by scripts/screenshots-web-sign-in.sh: the stack runs, alice's laptop is paired and
// online; this signs in on the web page in headless Chromium, shows the waiting page, asks the
// shell script (through `approve`) to answer the push, and shows the signed-in page.
// Usage: node web-sign-in-shots.mjs <customer url> <out dir> <approve command...>
import { chromium } from "playwright-core";
import { execFileSync } from "node:child_process";

const [url, out, ...approve] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage({ viewport: { width: 900, height: 720 } });
  await page.goto(`${url}/sign-in`);
  await page.fill("#username", "alice");
  await page.fill("#password", "moderno-demo");
  await page.screenshot({ path: `${out}/66-web-sign-in.png` });
  await page.click("button[type=submit]");
  await page.waitForURL(/\/sign-in\/wait/);
  await page.getByText(/approve/i).first().waitFor();
  await page.screenshot({ path: `${out}/67-web-sign-in-waiting.png` });
  execFileSync(approve[0], approve.slice(1), { stdio: "inherit" });
  await page.getByText(/Signed in as alice/i).waitFor({ timeout: 15000 });
  await page.screenshot({ path: `${out}/68-web-sign-in-approved.png` });
} finally {
  await browser.close();
}
