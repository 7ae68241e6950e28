/**
 * Text capture with masking. Input values are never read: the text of form controls is
 * omitted, and the text of contenteditable regions, `[data-sl-mask]` elements, elements
 * matching the site's extra `data-mask` selectors (or containing any of those) is replaced
 * by `*` characters of the same length.
 */

export const MASK = '[data-sl-mask],[contenteditable]:not([contenteditable="false"]),textarea';

/** Validates extra mask selectors; an invalid one is dropped rather than breaking capture. */
export function maskSelector(extra?: string | null): string {
  let sel = MASK;
  for (const s of (extra || '').split(',')) {
    const t = s.trim();
    if (!t) continue;
    try {
      document.createDocumentFragment().querySelector(t);
      sel += ',' + t;
    } catch {
      /* invalid selector: ignored */
    }
  }
  return sel;
}

/** Visible text of a click target, whitespace-collapsed, trimmed, ≤ 120 chars, masked. */
export function textOf(el: Element, mask: string): string | undefined {
  if (el.matches('input,select,textarea,option')) return undefined;
  const text = (el.textContent || '').replace(/\s+/g, ' ').trim().slice(0, 120);
  if (!text) return undefined;
  if ((el as HTMLElement).isContentEditable || el.closest(mask) || el.querySelector(mask)) {
    return '*'.repeat(text.length);
  }
  return text;
}
