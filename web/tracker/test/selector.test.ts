import { beforeEach, describe, expect, it } from 'vitest';
import { anchor, clickTarget, isGenerated, MAX_DEPTH, selector, stableClass } from '../src/selector';

const $ = (sel: string) => document.querySelector(sel)!;

/** The selector must find the element again, and only it. */
function roundTrip(el: Element): string {
  const sel = selector(el);
  expect(document.querySelectorAll(sel)).toHaveLength(1);
  expect(document.querySelector(sel)).toBe(el);
  return sel;
}

beforeEach(() => {
  document.body.innerHTML = '';
});

describe('isGenerated', () => {
  it.each([
    'css-1x2y3z',
    'css-b2kf9a',
    'sc-AxjAm',
    'sc-bdVaJa',
    'kDqsUp',
    'bdVaJa',
    '_a1b2c3',
    '_3xQ9a',
    'Button_primary__Xy3zA',
    'Button-module__primary___3xQ9a',
    'jsx-2204718386',
    'svelte-1h2k3j',
    'ember1234',
    'item-20931',
    ':r1:',
    'radix-:R2m:',
    'd41d8cd98f',
    'a1b2c3',
    'x9f3e2',
    'abc123def',
  ])('rejects %s', (s) => {
    expect(isGenerated(s)).toBe(true);
  });

  it.each([
    'btn',
    'btn-primary',
    'product-card',
    'card__title',
    'nav-item',
    'col-2',
    'mt-4',
    'h1',
    'checkout',
    'add-to-cart',
    'step2',
    'Header',
    'primaryButton',
    'searchInput',
  ])('keeps %s', (s) => {
    expect(isGenerated(s)).toBe(false);
  });

  it('drops state classes and selector-unsafe utility classes', () => {
    expect(stableClass('active')).toBe(false);
    expect(stableClass('is-open')).toBe(false);
    expect(stableClass('md:flex')).toBe(false);
    expect(stableClass('w-[300px]')).toBe(false);
    expect(stableClass('card')).toBe(true);
  });
});

describe('selector', () => {
  it('prefers a stable #id', () => {
    document.body.innerHTML = `<div class="wrap"><button id="buy-now" class="btn" data-testid="buy">Buy</button></div>`;
    expect(roundTrip($('button'))).toBe('#buy-now');
  });

  it('rejects generated ids and falls back to data-testid', () => {
    for (const id of ['ember1234', 'a1b2c3d4e5f6', 'btn-8f3a9c2e']) {
      document.body.innerHTML = `<main><button id="${id}" data-testid="add">Add</button></main>`;
      expect(roundTrip($('button'))).toBe('[data-testid="add"]');
    }
  });

  it('uses data-testid before data-sl-zone, and the zone when it is all there is', () => {
    document.body.innerHTML = `<section data-sl-zone="hero"><a data-testid="cta" href="#x">Go</a><span>t</span></section>`;
    expect(roundTrip($('a'))).toBe('[data-testid="cta"]');
    expect(roundTrip($('section'))).toBe('[data-sl-zone="hero"]');
    expect(roundTrip($('span'))).toBe('[data-sl-zone="hero"]>span');
  });

  it('skips generated class names and keeps stable ones (at most two)', () => {
    document.body.innerHTML = `<div id="app"><button class="css-1x2y3z sc-AxjAm _a1b2c3 Button_primary__Xy3zA btn primary large">Go</button></div>`;
    expect(roundTrip($('button'))).toBe('#app>button.btn.primary');
  });

  it('adds :nth-of-type only when siblings would match too', () => {
    document.body.innerHTML = `
      <ul id="menu"><li>a</li><li>b</li><li>c</li></ul>
      <ul id="tabs"><li class="home">a</li><li class="shop">b</li><li>c</li></ul>
      <div id="mix"><span>x</span><p>y</p><span>z</span></div>`;
    expect(roundTrip($('#menu li:nth-child(2)'))).toBe('#menu>li:nth-of-type(2)');
    expect(roundTrip($('#tabs li:nth-child(2)'))).toBe('#tabs>li.shop');
    expect(roundTrip($('#mix p'))).toBe('#mix>p');
    expect(roundTrip($('#mix span:last-child'))).toBe('#mix>span:nth-of-type(2)');
  });

  it('anchors at the nearest ancestor with a stable id or testid', () => {
    document.body.innerHTML = `
      <div id="page"><div data-testid="product-list">
        <div class="card"><h3>A</h3><button class="add">Add</button></div>
        <div class="card"><h3>B</h3><button class="add">Add</button></div>
      </div></div>`;
    const b = document.querySelectorAll('button')[1];
    expect(roundTrip(b)).toBe('[data-testid="product-list"]>div.card:nth-of-type(2)>button.add');
  });

  it('keeps the path short when no anchor is near', () => {
    document.body.innerHTML = `<div><div><div><div><div><div><div><a href="#deep">deep</a></div></div></div></div></div></div></div>`;
    const sel = selector($('a'));
    expect(sel.split('>')).toHaveLength(MAX_DEPTH);
    expect(sel).toBe('div>div>div>div>a');
    expect(document.querySelector(sel)).toBe($('a'));
  });

  it('stops at body when the document root is near', () => {
    document.body.innerHTML = `<p>one</p><p class="lead">two</p>`;
    expect(roundTrip($('p.lead'))).toBe('body>p.lead');
  });

  it('escapes quotes in attribute anchors', () => {
    document.body.innerHTML = `<div data-testid='say "hi"'>x</div>`;
    // valid CSS (browsers accept it); happy-dom's selector parser does not, so no round trip here
    expect(anchor($('div'))).toBe('[data-testid="say \\"hi\\""]');
  });
});

describe('clickTarget', () => {
  it('climbs to the nearest interactive ancestor', () => {
    document.body.innerHTML = `<a href="/p"><span><b>Buy</b></span></a><div role="button"><i>x</i></div><div class="plain"><i>y</i></div>`;
    expect(clickTarget($('b'))).toEqual([$('a'), true]);
    expect(clickTarget($('[role=button] i'))).toEqual([$('[role=button]'), true]);
    expect(clickTarget($('.plain i'))).toEqual([$('.plain i'), false]);
  });

  it('counts clicks inside an inline svg against the svg', () => {
    document.body.innerHTML = `<div class="img"><svg viewBox="0 0 10 10"><g><rect width="5" height="5"></rect></g></svg></div>`;
    expect(clickTarget($('rect'))).toEqual([$('svg'), false]);
  });

  it('does not count tabindex="-1" containers as interactive', () => {
    document.body.innerHTML = `<main tabindex="-1"><p>text</p></main>`;
    expect(clickTarget($('p'))).toEqual([$('p'), false]);
  });
});
