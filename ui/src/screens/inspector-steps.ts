// Where a hop's step of Ping's flow goes in the inspector's diagram: under its arrow, wrapped to
// the diagram's width, after a "beyond Ping" tag when only an extension makes the hop. Pure
// layout (no DOM), so it is tested on its own.
import type { HopView } from "../generated/HopView";

/** One line of a step under an arrow, and the width of a character of it (9.5 px text). */
export const NOTE_LINE = 12;
export const NOTE_CHAR = 5.2;
/** The "beyond Ping" tag before the step (or alone), with its gap. */
export const TAG = 64;
/** Longer steps end in "…" (the whole step is in the exchange's details and the arrow's title). */
export const NOTE_LINES = 3;

/** About how wide `text` draws at 9.5 px (capitals are wider than the rest). */
export function textWidth(text: string): number {
  let units = 0;
  for (const c of text) units += c !== c.toLowerCase() ? 1.35 : 1;
  return units * NOTE_CHAR;
}

/** `text` in lines at most `width` pixels wide (words kept whole unless one is wider), at most
 * `lines` of them, the last ending in "…" when the text goes on. */
export function wrap(text: string, width: number, lines: number): string[] {
  const out: string[] = [""];
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const last = out[out.length - 1];
    if (last && textWidth(`${last} ${word}`) > width) out.push(word);
    else out[out.length - 1] = last ? `${last} ${word}` : word;
  }
  const cut = out.length > lines;
  const kept = out.slice(0, lines);
  return kept.map((line, i) => ((cut && i === kept.length - 1) || textWidth(line) > width ? ellipsized(line, width) : line));
}

/** `line` cut to end in "…" within `width`. */
function ellipsized(line: string, width: number): string {
  let kept = line.trimEnd();
  while (kept && textWidth(kept) + NOTE_CHAR > width) kept = kept.slice(0, -1);
  return `${kept.trimEnd()}…`;
}

/** The lines under a hop's arrow: its step wrapped, or one empty line for a tag alone. */
export function noteLines(hop: Pick<HopView, "step" | "beyondPing">, diagramWidth: number): string[] {
  const tag = hop.beyondPing ? TAG : 0;
  if (hop.step) return wrap(hop.step, Math.max(72, diagramWidth - 12 - tag), NOTE_LINES);
  return hop.beyondPing ? [""] : [];
}

/** Where the note starts: centred on the arrow, kept inside the diagram. */
export function noteLeft(lines: string[], beyond: boolean, arrowMiddle: number, diagramWidth: number): number {
  const block = (beyond ? TAG : 0) + Math.max(0, ...lines.map(textWidth));
  return Math.max(6, Math.min(arrowMiddle - block / 2, diagramWidth - block - 6));
}
