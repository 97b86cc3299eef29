import { h, screen } from "../dom";
import type { CommandError } from "../generated/CommandError";
import { errorText } from "../words";
import { showConnect } from "./connect";

interface Ways {
  back?: () => void;
  retry?: () => void;
  connection?: boolean;
}

/** A failure in plain words, with its code (and HTTP status) and the ways out. */
export function showError(error: CommandError, ways: Ways): void {
  const { title, detail } = errorText(error);
  const buttons: HTMLElement[] = [];
  const add = (label: string, action: () => void, primary = false) => {
    const b = h("button", { type: "button", class: primary ? "primary" : "" }, label);
    b.addEventListener("click", action);
    buttons.push(b);
  };
  if (ways.retry) add("Try again", ways.retry, true);
  if (ways.back) add("Back to sign in", ways.back, !ways.retry);
  if (ways.connection) add("Change connection", () => showConnect());
  const code = `Error code: ${error.code}${error.status ? ` · HTTP status ${error.status}` : ""}`;
  screen(title, h("p", { class: "alert", role: "alert" }, detail), h("p", { class: "code" }, code),
    h("div", { class: "actions" }, ...buttons));
  buttons[0]?.focus();
}
