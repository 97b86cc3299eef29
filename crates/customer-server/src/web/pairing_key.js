// The pairing-key page's expiry countdown: counts the key's `data-seconds-left` down (the
// server's clock, which may be a virtual one, said how many); at zero the key is shown as expired.
(() => {
  const el = document.getElementById("expiry");
  if (!el) return;
  const left = Number(el.dataset.secondsLeft);
  const start = Date.now();
  const tick = () => {
    const s = Math.max(0, left - Math.floor((Date.now() - start) / 1000));
    const mmss = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
    el.textContent = s > 0 ? `Expires in ${mmss}. It works once.` : "This key has expired. Get a fresh one below.";
    if (s > 0) setTimeout(tick, 1000);
    else document.querySelector(".key-box")?.classList.add("expired");
  };
  tick();
})();
