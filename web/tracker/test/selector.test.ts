import { beforeEach, describe, expect, it } from 'vitest';
import { anchor, clickTarget, isGenerated, MAX_DEPTH, pinned, selector, stableClass } from '../src/selector';

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
      <nav id="menu"><a>a</a><a>b</a><a>c</a></nav>
      <nav id="tabs"><a class="home">a</a><a class="shop">b</a><a>c</a></nav>
      <div id="mix"><span>x</span><p>y</p><span>z</span></div>`;
    expect(roundTrip($('#menu a:nth-child(2)'))).toBe('#menu>a:nth-of-type(2)');
    expect(roundTrip($('#tabs a:nth-child(2)'))).toBe('#tabs>a.shop');
    expect(roundTrip($('#mix p'))).toBe('#mix>p');
    expect(roundTrip($('#mix span:last-child'))).toBe('#mix>span:nth-of-type(2)');
  });

  it('always gives list items their position, so a list growing past one item keeps its selectors', () => {
    document.body.innerHTML = `<ul id="tabs"><li class="home">a</li></ul>`;
    const first = roundTrip($('li'));
    expect(first).toBe('#tabs>li.home:nth-of-type(1)');
    $('ul').insertAdjacentHTML('beforeend', '<li class="shop">b</li>');
    expect(roundTrip($('li.home'))).toBe(first);
    expect(roundTrip($('li.shop'))).toBe('#tabs>li.shop:nth-of-type(2)');
  });

  it('keeps a TodoMVC toggle\'s selector when its item is completed or edited, distinct per item', () => {
    document.body.innerHTML = `
      <section class="todoapp"><section class="main"><ul class="todo-list">
        <li><div class="view"><input class="toggle" type="checkbox"><label>one</label></div></li>
        <li><div class="view"><input class="toggle" type="checkbox"><label>two</label></div></li>
        <li><div class="view"><input class="toggle" type="checkbox"><label>three</label></div></li>
      </ul></section></section>`;
    const [li1, li2] = document.querySelectorAll('li');
    const toggle = (li: Element) => li.querySelector('input')!;
    const before = roundTrip(toggle(li2));
    expect(before).toBe('section.main>ul.todo-list>li:nth-of-type(2)>div.view>input.toggle');
    // state classes as TodoMVC sets them: the second, then the first item completed, one edited
    li2.className = 'completed';
    expect(roundTrip(toggle(li2))).toBe(before);
    li1.className = 'completed';
    li2.className = 'completed editing';
    expect(roundTrip(toggle(li2))).toBe(before);
    const first = roundTrip(toggle(li1));
    expect(first).not.toBe(before);
    li1.className = '';
    expect(roundTrip(toggle(li1))).toBe(first);
  });

  it('treats state classes as no identity: a sibling differing only by one is still ambiguous', () => {
    document.body.innerHTML = `<div id="acc"><div class="panel">a</div><div class="panel open is-active">b</div></div>`;
    expect(roundTrip($('.open'))).toBe('#acc>div.panel:nth-of-type(2)');
    $('.open').classList.remove('open', 'is-active');
    expect(roundTrip($('#acc div:nth-child(2)'))).toBe('#acc>div.panel:nth-of-type(2)');
    for (const c of ['completed', 'editing', 'done', 'active', 'selected', 'checked', 'current', 'focus', 'hover',
      'visible', 'hidden', 'expanded', 'collapsed', 'disabled', 'loading', 'open', 'is-done', 'has-error']) {
      expect(stableClass(c), c).toBe(false);
    }
  });

  it('does not anchor at a data-testid that repeats: the path goes on up, with positions', () => {
    document.body.innerHTML = `
      <div id="page"><div data-testid="grid">
        <div data-testid="card"><h3>A</h3><button data-testid="add">Add</button></div>
        <div data-testid="card"><h3>B</h3><button data-testid="add">Add</button></div>
      </div></div>`;
    const [a, b] = document.querySelectorAll('button');
    expect(roundTrip(b)).toBe('[data-testid="grid"]>div:nth-of-type(2)>button');
    expect(roundTrip(a)).toBe('[data-testid="grid"]>div:nth-of-type(1)>button');
    expect(roundTrip($('h3'))).toBe('[data-testid="grid"]>div:nth-of-type(1)>h3');
  });

  it('does not anchor at an id that repeats', () => {
    document.body.innerHTML = `
      <main id="main"><form><input id="qty" name="a"></form><form><input id="qty" name="b"></form></main>
      <p id="once">x</p>`;
    const [a, b] = document.querySelectorAll('input');
    expect(roundTrip(a)).toBe('#main>form:nth-of-type(1)>input');
    expect(roundTrip(b)).toBe('#main>form:nth-of-type(2)>input');
    expect(roundTrip($('#once'))).toBe('#once');
  });

  it('goes past MAX_DEPTH until the path is unique', () => {
    const deep = '<div><div><div><div><div><a href="#x">x</a></div></div></div></div></div>';
    document.body.innerHTML = `<section>${deep}</section><section>${deep}</section>`;
    const [a, b] = document.querySelectorAll('a');
    const sa = roundTrip(a);
    const sb = roundTrip(b);
    // one level past the cut (div>div>div>div>a matches both) is enough here
    expect(sa).toBe('section:nth-of-type(1)>div>div>div>div>div>a');
    expect(sb).toBe('section:nth-of-type(2)>div>div>div>div>div>a');
  });

  it('drops an anchor the browser does not accept as a selector instead of failing', () => {
    // valid CSS, which happy-dom refuses: the path goes around it
    document.body.innerHTML = `<div data-testid='say "hi"'><b>x</b></div>`;
    expect(roundTrip($('b'))).toBe('body>div>b');
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

  it('counts clicks inside an inline svg against the outermost svg', () => {
    document.body.innerHTML = `<div class="img"><svg id="outer" viewBox="0 0 10 10"><g><rect width="5" height="5"></rect><svg><circle r="1"></circle></svg></g></svg></div>`;
    expect(clickTarget($('rect'))).toEqual([$('#outer'), false]);
    expect(clickTarget($('circle'))).toEqual([$('#outer'), false]);
    expect(clickTarget($('#outer'))).toEqual([$('#outer'), false]);
  });

  it('does not count tabindex="-1" containers as interactive', () => {
    document.body.innerHTML = `<main tabindex="-1"><p>text</p></main>`;
    expect(clickTarget($('p'))).toEqual([$('p'), false]);
  });
});

describe('pinned', () => {
  it('is true for fixed and sticky elements and their descendants, left out otherwise', () => {
    document.body.innerHTML = `
      <header style="position: fixed"><nav><a id="home" href="/">Home</a></nav></header>
      <div style="position: sticky; top: 0"><button id="filter">Filter</button></div>
      <div style="position: relative"><div style="position: absolute"><button id="plain">x</button></div></div>`;
    expect(pinned($('header'))).toBe(true);
    expect(pinned($('#home'))).toBe(true);
    expect(pinned($('#filter'))).toBe(true);
    expect(pinned($('#plain'))).toBeUndefined();
    expect(JSON.stringify({ fixed: pinned($('#plain')) })).toBe('{}');
  });
});
