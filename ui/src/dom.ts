// A few lines of DOM building instead of a framework: screens are small and redrawn whole.

type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | boolean | number | EventListener | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") el.addEventListener(name.replace(/^on/, ""), value);
    else if (value === true) el.setAttribute(name, "");
    else el.setAttribute(name, String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child);
  }
  return el;
}

let ids = 0;

/** A labelled input: the label is what a person (and a test) finds it by. */
export function field(label: string, attrs: Attrs = {}, hint?: string) {
  const id = `f${++ids}`;
  const input = h("input", { id, ...attrs });
  const hintEl = hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null;
  if (hintEl) input.setAttribute("aria-describedby", hintEl.id);
  return { input, el: h("div", { class: "field" }, h("label", { for: id }, label), input, hintEl) };
}

export function screen(title: string, ...children: Child[]) {
  const app = document.getElementById("app")!;
  // A new screen starts at the top of the page (the page keeps its scroll position when the card
  // is swapped, so a screen opened from a button low on a long page opened scrolled down); the
  // same screen redrawn (the device list after a rename) keeps its place.
  const shown = app.querySelector("h1")?.textContent ?? "";
  const heading = h("h1", {}, title);
  app.replaceChildren(h("section", { class: "card", "aria-labelledby": "screen-title" }, heading, ...children));
  if (title !== shown) window.scrollTo(0, 0);
  heading.id = "screen-title";
  document.title = `${title} · Moderno`;
  // The focus moves to the new screen for screen readers; without preventScroll the browser
  // scrolls to the focused area again later, when the screen grows (the inspector's diagram
  // jumped the page to its bottom).
  app.focus({ preventScroll: true });
  return app;
}

/** An inline error under a form, read out by screen readers. */
export function alertBox() {
  const el = h("p", { class: "alert", role: "alert", hidden: true });
  return {
    el,
    show(text: string) {
      el.textContent = text;
      el.hidden = false;
    },
    clear() {
      el.hidden = true;
      el.textContent = "";
    },
  };
}

/** Disables a form's buttons while a command runs, so a double click sends one request. */
export async function busy<T>(form: HTMLElement, work: () => Promise<T>): Promise<T> {
  const buttons = Array.from(form.querySelectorAll("button"));
  buttons.forEach((b) => (b.disabled = true));
  form.setAttribute("aria-busy", "true");
  try {
    return await work();
  } finally {
    buttons.forEach((b) => (b.disabled = false));
    form.removeAttribute("aria-busy");
  }
}
