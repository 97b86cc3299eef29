// The web sign-in's waiting page: asks /sign-in/status whether the device has answered, and
// counts the push's lifetime down. When the sign-in is decided, the page reloads into its result
// (the server renders it). Network trouble only slows the polling down.
(() => {
  const waiting = document.getElementById("waiting");
  const left = document.getElementById("seconds-left");
  if (!waiting) return;
  const say = (seconds) => {
    if (!left) return;
    left.dataset.secondsLeft = String(seconds);
    left.textContent = seconds > 0 ? `The request expires in ${seconds} seconds.` : "The request is expiring…";
  };
  let delay = 1500;
  const poll = async () => {
    try {
      const answer = await fetch("/sign-in/status", { credentials: "same-origin", cache: "no-store" });
      const status = answer.ok ? await answer.json() : { state: "unavailable" };
      if (status.state === "decided" || status.state === "ended") {
        location.replace("/sign-in/wait");
        return;
      }
      if (typeof status.secondsLeft === "number") say(status.secondsLeft);
      delay = status.state === "waiting" ? 1500 : Math.min(delay * 2, 10000);
    } catch {
      delay = Math.min(delay * 2, 10000);
    }
    setTimeout(poll, delay);
  };
  setTimeout(poll, delay);
})();
