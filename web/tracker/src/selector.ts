/**
 * Stable CSS selectors for elements, used to anchor clicks, hovers, inputs and layout boxes.
 *
 * A selector identifies one element of the page (`document.querySelectorAll(sel)` finds it and
 * only it) and keeps identifying it while its state changes. Order of preference for an anchor:
 * `#id` (only when the id looks hand-written), then `[data-testid="…"]`, then `[data-sl-zone="…"]`,
 * each only when it is unique in the document. Otherwise the selector is a path of
 * `tag.stable-class` parts joined by `>` up to the nearest unique anchor or `body`, with
 * `:nth-of-type(n)` where a sibling of the same tag has the same stable classes (state classes
 * never count, so a sibling differing only by one is still ambiguous) and always on list items.
 * The path stops after MAX_DEPTH levels when it is unique by then, and goes on up until it is.
 */
export const MAX_DEPTH = 5;

/** Elements that count as interactive for click targets, hovers and layout boxes. */
export const INTERACTIVE =
  'a,button,input,select,textarea,label,summary,[role=button],[role=link],[onclick],[tabindex]:not([tabindex="-1"])';

/** State classes that toggle with interaction: not identity, never in a selector. */
const STATE =
  /^(is|has)-|^(active|selected|open|focus(ed)?|hover|visible|hidden|show|disabled|current|checked|expanded|collapsed|loading|completed|editing|done)$/;

/**
 * Generated class names and ids: CSS-in-JS and scoped-style prefixes (emotion `css-`,
 * styled-components `sc-`, styled-jsx, svelte, astro), a leading underscore (CSS modules),
 * a colon (React useId, radix, headlessui), a run of 3+ digits (ember123, item-20931).
 */
const GEN = /^(css|sc|jsx|svelte|astro)-|^_|:|\d{3}/i;

/**
 * A word (between `-` and `_`) of a generated name: digits interleaved with letters (1x2y3z,
 * a1b2c3), a hex-ish hash with at least one digit (3fa9c1, d41d8cd9), styled-components style
 * random mixed-case letters (AxjAm, kDqsUp, bdVaJa).
 */
const GEN_WORD = /^(?=.{4}).*\d\D+\d|^(?=.*\d)[\da-fA-F]{5,}$|^(?=.*[a-z])(?=.*[A-Z].*[A-Z])[a-zA-Z]{4,8}$/;

/**
 * Whether a class name or id looks machine-generated (hashes, counters, random strings)
 * and so would change between builds or page loads.
 */
export function isGenerated(s: string): boolean {
  return (
    !s ||
    s.length > 40 ||
    GEN.test(s) ||
    // CSS modules: `Button_primary__a1B2c`: a hash after a double underscore.
    /__(?=[a-zA-Z0-9]*[0-9A-Z])[a-zA-Z0-9]{5,}$/.test(s) ||
    s.split(/[-_]+/).some((w) => GEN_WORD.test(w))
  );
}

/** Plain characters only: usable in a selector without escapes. */
const PLAIN = /^[a-zA-Z][\w-]*$/;

/** A class usable in a selector: plain characters only, not generated, not a state class. */
export function stableClass(c: string): boolean {
  return PLAIN.test(c) && !isGenerated(c) && !STATE.test(c);
}

/** The anchor of an element if it has one: stable `#id`, `[data-testid]` or `[data-sl-zone]`. */
export function anchor(el: Element): string | null {
  const id = el.id;
  if (PLAIN.test(id) && !isGenerated(id)) return '#' + id;
  for (const a of ['data-testid', 'data-sl-zone']) {
    const v = el.getAttribute(a);
    if (v) return `[${a}="${v.replace(/["\\]/g, '\\$&')}"]`;
  }
  return null;
}

/**
 * One path step: `tag.class1.class2` (stable classes only) plus `:nth-of-type(n)` on list items
 * and when a sibling of the same tag has those classes too.
 */
function step(el: Element): string {
  const tag = el.localName;
  let s = tag;
  const cls: string[] = [];
  for (const c of el.classList) {
    if (cls.length < 2 && stableClass(c)) {
      cls.push(c);
      s += '.' + c;
    }
  }
  // one pass over the siblings of the same tag: el's position among them, and whether another
  // one also has all of el's stable classes
  let n = 0;
  let i = 0;
  let ambiguous = tag == 'li';
  for (const sib of el.parentElement ? el.parentElement.children : []) {
    if (sib.localName !== tag) continue;
    i++;
    if (sib === el) n = i;
    else if (cls.every((c) => sib.classList.contains(c))) ambiguous = true;
  }
  return ambiguous ? s + `:nth-of-type(${n})` : s;
}

/** Whether `sel` matches exactly one element of the document (not when the browser refuses it). */
function unique(sel: string): boolean | undefined {
  try {
    return document.querySelectorAll(sel).length == 1;
  } catch {
    /* not a selector this browser accepts (an attribute value with a line break) */
  }
}

/**
 * Selector for `el`, unique in the document: up to the nearest unique anchor or `body`; cut after
 * MAX_DEPTH levels when the path is unique by then (a position at every ambiguous level makes a
 * path from a unique root unique, so only a cut path needs the check).
 */
export function selector(el: Element): string {
  let sel = '';
  for (let e: Element | null = el, depth = 0; e; e = e.parentElement) {
    const a = anchor(e);
    const root = a && unique(a) ? a : e == document.body && 'body';
    sel = (root || step(e)) + (sel && '>' + sel);
    if (root || (++depth >= MAX_DEPTH && unique(sel))) break;
  }
  return sel;
}

/**
 * `true` when `el` or an ancestor has computed `position: fixed` or `sticky` (its box moves with
 * the viewport), else undefined (the wire field is left out). Only positioned ancestors can be
 * either, and they are the offsetParent chain (the parent where there is none: a fixed element,
 * an SVG element, display: none).
 */
export function pinned(el: Element): true | undefined {
  for (let e: Element | null = el; e; e = (e as HTMLElement).offsetParent || e.parentElement) {
    if (/fixed|sticky/.test(getComputedStyle(e).position)) return true;
  }
}

/**
 * Click target: the nearest interactive ancestor (or the element itself) and whether one was
 * found. Clicks inside an inline SVG count against the outermost `<svg>` (the one without an
 * owner `<svg>`), not a `<path>`.
 */
export function clickTarget(el: Element): [Element, boolean] {
  const i = el.closest(INTERACTIVE);
  if (i) return [i, true];
  let e = el as SVGElement;
  while (e.ownerSVGElement) e = e.ownerSVGElement;
  return [e, false];
}
