import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { maskSelector, textOf } from '../src/mask';
import type { Sightline } from '../src/tracker';
import { click, ofType, start } from './helpers';

const $ = (sel: string) => document.querySelector(sel)!;

describe('textOf', () => {
  beforeEach(() => {
    document.body.innerHTML = `
      <button id="b">  Add   to
        cart </button>
      <input id="i" type="text" value="typed secret">
      <input id="s" type="submit" value="Pay now">
      <textarea id="t">draft secret</textarea>
      <select id="sel"><option>Option secret</option></select>
      <div id="ce" contenteditable="true">edited secret</div>
      <div id="m" data-sl-mask>Jane Doe</div>
      <p id="in-m" data-sl-mask><span id="deep">deep secret</span></p>
      <span id="pii" class="pii">555-0100</span>
      <label id="l">Notes <textarea>label secret</textarea></label>
      <p id="long">${'word '.repeat(60)}</p>`;
  });

  it('collapses whitespace, trims and caps at 120 chars', () => {
    const m = maskSelector();
    expect(textOf($('#b'), m)).toBe('Add to cart');
    const long = textOf($('#long'), m)!;
    expect(long).toHaveLength(120);
    expect(long.startsWith('word word')).toBe(true);
  });

  it('never reads form control values', () => {
    const m = maskSelector();
    for (const id of ['#i', '#s', '#t', '#sel']) expect(textOf($(id), m)).toBeUndefined();
  });

  it('masks contenteditable, [data-sl-mask] and their descendants with * characters', () => {
    const m = maskSelector();
    expect(textOf($('#ce'), m)).toBe('*'.repeat('edited secret'.length));
    expect(textOf($('#m'), m)).toBe('********');
    expect(textOf($('#deep'), m)).toBe('*'.repeat('deep secret'.length));
  });

  it('masks an element that contains a masked one', () => {
    const t = textOf($('#l'), maskSelector())!;
    expect(t).toMatch(/^\*+$/);
  });

  it('masks the extra data-mask selectors and ignores invalid ones', () => {
    expect(textOf($('#pii'), maskSelector())).toBe('555-0100');
    const m = maskSelector('.pii, ::bogus((, #nothing');
    expect(m).toContain('.pii');
    expect(m).not.toContain('bogus');
    expect(textOf($('#pii'), m)).toBe('********');
  });
});

describe('no input value ever leaves the page', () => {
  let sl: Sightline;
  afterEach(() => sl.stop());

  it('sends field types and actions, never values or masked text', async () => {
    document.body.innerHTML = `
      <form id="checkout" action="#">
        <input id="email" name="email" type="email">
        <input id="name" name="name" type="text">
        <input id="card" name="card" type="text" autocomplete="cc-number">
        <input id="pw" type="password">
        <textarea id="note"></textarea>
        <select id="country"><option value="de">Germany</option><option value="secret-country">Hidden</option></select>
        <div id="ce" contenteditable="true">SECRET-EDITABLE</div>
        <div id="m" data-sl-mask>SECRET-MASKED Jane</div>
        <span class="pii">SECRET-PII 555</span>
        <button id="pay" type="submit">Pay</button>
      </form>`;
    const t = start({ mask: '.pii' });
    sl = t.sl;
    const secrets: Record<string, string> = {
      email: 'SECRET-VALUE-jane@example.com',
      name: 'SECRET-VALUE Jane Doe',
      card: '4111111111111111',
      pw: 'SECRET-VALUE-hunter2',
      note: 'SECRET-VALUE note',
    };
    for (const [id, value] of Object.entries(secrets)) {
      const el = $('#' + id) as HTMLInputElement;
      el.dispatchEvent(new FocusEvent('focusin', { bubbles: true }));
      el.value = value;
      el.dispatchEvent(new Event('input', { bubbles: true }));
      el.dispatchEvent(new Event('change', { bubbles: true }));
      click(el);
      el.dispatchEvent(new FocusEvent('focusout', { bubbles: true }));
    }
    ($('#country') as HTMLSelectElement).value = 'secret-country';
    $('#country').dispatchEvent(new Event('change', { bubbles: true }));
    click($('#ce'));
    click($('#m'));
    click($('.pii'));
    // leave without submitting: abandonment
    window.dispatchEvent(new Event('pagehide'));
    const evs = await t.events();

    const all = t.bodies.join('\n');
    for (const v of Object.values(secrets)) expect(all).not.toContain(v);
    expect(all).not.toContain('4111');
    expect(all).not.toContain('secret-country');
    expect(all).not.toContain('SECRET');
    expect(all).not.toContain('"value"');

    const inputs = ofType(evs, 'input');
    expect(inputs.find((e) => e.sel === '#email' && e.action === 'focus')).toMatchObject({ field: 'email' });
    expect(inputs.find((e) => e.sel === '#card' && e.action === 'change')).toMatchObject({ field: 'text' });
    expect(inputs.find((e) => e.sel === '#pw' && e.action === 'blur')).toMatchObject({ field: 'password' });
    expect(inputs.find((e) => e.sel === '#country' && e.action === 'change')).toMatchObject({ field: 'select-one' });
    // one abandon per unsubmitted form, at its last used field
    expect(inputs.filter((e) => e.action === 'abandon')).toEqual([
      expect.objectContaining({ sel: '#country', field: 'select-one' }),
    ]);
    for (const e of inputs) expect(Object.keys(e).sort()).toEqual(['action', 'field', 'pv', 'sel', 't', 'type']);

    const clicks = ofType(evs, 'click');
    expect(clicks.length).toBe(8);
    for (const c of clicks.filter((c) => c.tag === 'input' || c.tag === 'textarea')) expect(c.text).toBeUndefined();
    expect(clicks.find((c) => c.sel === '#ce')!.text).toBe('*'.repeat('SECRET-EDITABLE'.length));
    expect(clicks.find((c) => c.sel === '#m')!.text).toBe('*'.repeat('SECRET-MASKED Jane'.length));
    expect(clicks.find((c) => c.tag === 'span')!.text).toBe('*'.repeat('SECRET-PII 555'.length));
  });

  it('a submitted form is not abandoned', async () => {
    document.body.innerHTML = `<form id="f"><input id="q" type="search"><button>Go</button></form>`;
    const t = start();
    sl = t.sl;
    const q = $('#q') as HTMLInputElement;
    q.value = 'shoes';
    q.dispatchEvent(new Event('input', { bubbles: true }));
    $('#f').addEventListener('submit', (e) => e.preventDefault());
    $('#f').dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
    window.dispatchEvent(new Event('pagehide'));
    const inputs = ofType(await t.events(), 'input');
    expect(inputs.map((e) => [e.action, e.sel, e.field])).toEqual([['submit', '#f', 'form']]);
    expect(t.bodies.join()).not.toContain('shoes');
  });
});
