/**
 * Stable CSS selectors for elements, used to anchor clicks, hovers, inputs and layout boxes.
 *
 * Order of preference for an anchor: `#id` (only when the id looks hand-written), then
 * `[data-testid="…"]`, then `[data-sl-zone="…"]`. Without an anchor the selector is a short
 * path (≤ MAX_DEPTH levels) of `tag.stable-class` parts joined by `>`, with `:nth-of-type(n)`
 * only where the part alone would be ambiguous among its siblings. The path stops at the
 * nearest anchored ancestor.
 */

export const MAX_DEPTH = 5;

/** Elements that count as interactive for click targets, hovers and layout boxes. */
export const INTERACTIVE =
  'a,button,input,select,textarea,label,summary,[role=button],[role=link],[onclick],[tabindex]:not([tabindex="-1"])';

/** State classes that toggle with interaction and would make a selector unstable. */
const STATE = /^(is|has)-|^(active|selected|open|focus(ed)?|hover|visible|hidden|show|disabled|current|checked|expanded|collapsed|loading)$/;

/**
 * Generated class names and ids: CSS-in-JS and scoped-style prefixes (emotion `css-`,
 * styled-components `sc-`, styled-jsx, svelte, astro), a leading underscore (CSS modules),
 * a colon (React useId, radix, headlessui), a run of 3+ digits (ember123, item-20931).
 */
const GEN = /^(css|sc|jsx|svelte|astro)-|^_|:|\d{3}/i;

/**
 * Whether a class name or id looks machine-generated (hashes, counters, random strings)
 * and so would change between builds or page loads.
 */
export function isGenerated(s: string): boolean {
  if (!s || s.length > 40 || GEN.test(s)) return true;
  // CSS modules: `Button_primary__a1B2c`: a hash after a double underscore.
  if (/__(?=[a-zA-Z0-9]*[0-9A-Z])[a-zA-Z0-9]{5,}$/.test(s)) return true;
  for (const w of s.split(/[-_]+/)) {
    const digitRuns = (w.match(/\d+/g) || []).length;
    // 1x2y3z, a1b2c3: digits interleaved with letters
    if (digitRuns > 1 && w.length > 3) return true;
    // hex-ish hash with at least one digit: 3fa9c1, d41d8cd9
    if (digitRuns && w.length > 4 && /^[0-9a-f]+$/i.test(w)) return true;
    // styled-components style random mixed-case words: AxjAm, kDqsUp, bdVaJa
    if (/^[a-zA-Z]{4,8}$/.test(w) && /[a-z]/.test(w) && (w.match(/[A-Z]/g) || []).length > 1)
      return true;
  }
  return false;
}

/** A class usable in a selector: plain characters only, not generated, not a state class. */
export function stableClass(c: string): boolean {
  return /^[a-zA-Z][\w-]*$/.test(c) && !isGenerated(c) && !STATE.test(c);
}

const attr = (name: string, v: string) => `[${name}="${v.replace(/["\\]/g, '\\$&')}"]`;

/** The anchor of an element if it has one: stable `#id`, `[data-testid]` or `[data-sl-zone]`. */
export function anchor(el: Element): string | null {
  const id = el.id;
  if (id && /^[a-zA-Z][\w-]*$/.test(id) && !isGenerated(id)) return '#' + id;
  for (const a of ['data-testid', 'data-sl-zone']) {
    const v = el.getAttribute(a);
    if (v) return attr(a, v);
  }
  return null;
}

/** One path step: `tag.class1.class2` plus `:nth-of-type(n)` when siblings would also match. */
function step(el: Element): string {
  const tag = el.localName;
  const cls: string[] = [];
  for (const c of el.classList) {
    if (cls.length < 2 && stableClass(c)) cls.push(c);
  }
  let s = tag + cls.map((c) => '.' + c).join('');
  // one pass over the siblings of the same tag: el's position among them, and whether another
  // one also has all of el's classes
  let n = 0;
  let i = 0;
  let ambiguous = false;
  for (const sib of el.parentElement ? el.parentElement.children : []) {
    if (sib.localName !== tag) continue;
    i++;
    if (sib === el) n = i;
    else if (cls.every((c) => sib.classList.contains(c))) ambiguous = true;
  }
  return ambiguous ? s + `:nth-of-type(${n})` : s;
}

/** Selector for `el`: anchored at the nearest anchored ancestor, at most MAX_DEPTH levels. */
export function selector(el: Element): string {
  const parts: string[] = [];
  for (let e: Element | null = el; e && parts.length < MAX_DEPTH; e = e.parentElement) {
    const a = anchor(e);
    if (a) {
      parts.unshift(a);
      break;
    }
    if (e.localName === 'body' || e.localName === 'html') {
      parts.unshift(e.localName);
      break;
    }
    parts.unshift(step(e));
  }
  return parts.join('>');
}

/**
 * Click target: the nearest interactive ancestor (or the element itself) and whether one was
 * found. Clicks inside an inline SVG count against the outermost `<svg>`, not a `<path>`.
 */
export function clickTarget(el: Element): [Element, boolean] {
  const i = el.closest(INTERACTIVE);
  if (i) return [i, true];
  let svg: Element | null = el.closest('svg');
  while (svg && svg.parentElement && svg.parentElement.closest('svg')) svg = svg.parentElement.closest('svg');
  return [svg || el, false];
}
