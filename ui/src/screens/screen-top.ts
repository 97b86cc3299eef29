// A new screen starts at the top of the page; the same screen redrawn (the device list after a
// rename) keeps its place. The page keeps its scroll position when `screen()` swaps the card, so
// a screen opened from a button low on a long page (the welcome screen's "This device") opened
// scrolled down, its header and the device notices out of sight; focusing the main area does not
// scroll back, as it is partly in view already. Observing #app's children sees every swap before
// the new screen is drawn.
const app = document.getElementById("app");
let shown = "";
if (app) {
  new MutationObserver(() => {
    const title = app.querySelector("h1")?.textContent ?? "";
    if (title !== shown) window.scrollTo(0, 0);
    shown = title;
  }).observe(app, { childList: true });
}
