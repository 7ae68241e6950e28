// Frustration signals: what makes a click "worked" (`changed`), when a field counts as abandoned,
// and hesitation hovers that end the visit.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CLICK_WINDOW_MS, HOVER_MIN_MS, type Sightline } from '../src/tracker';
import { click, ofType, start } from './helpers';

const $ = <E extends Element = HTMLElement>(sel: string) => document.querySelector<E>(sel)!;
let sl: Sightline | undefined;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(() => {
  sl?.stop();
  sl = undefined;
  vi.useRealTimers();
  history.replaceState(null, '', '/');
});

/** A pointer press as browsers run it: pointerdown, the default focus change, then the click. */
function press(el: HTMLElement, focusChange = () => el.focus()): void {
  el.dispatchEvent(new PointerEvent('pointerdown', { bubbles: true, pointerType: 'mouse' }));
  focusChange();
  el.dispatchEvent(new PointerEvent('click', { bubbles: true, detail: 1, pointerType: 'mouse' }));
}
const settled = () => vi.advanceTimersByTimeAsync(CLICK_WINDOW_MS + 1);

describe('dead clicks: what counts as a reaction', () => {
  it('a press that focuses a field or a select worked, though the focus came before the click', async () => {
    document.body.innerHTML = `<input id="name"><select id="plan"><option>a</option></select>`;
    const t = start();
    sl = t.sl;
    press($('#name'));
    await settled();
    press($('#plan'));
    await settled();
    expect(ofType(await t.events(), 'click').map((c) => [c.sel, c.changed])).toEqual([
      ['#name', true],
      ['#plan', true],
    ]);
  });

  it('a button focused by its own press, or a field blurred by a press elsewhere, is no reaction', async () => {
    document.body.innerHTML = `<input id="q"><button id="buy">Buy</button><div id="fake" tabindex="0">Pay</div>`;
    const t = start();
    sl = t.sl;
    $('#q').focus();
    press($('#buy')); // Chrome focuses a pressed button: the button still did nothing
    await settled();
    $('#q').focus();
    press($('#fake')); // the press blurs the field and focuses the fake button
    await settled();
    expect(ofType(await t.events(), 'click').map((c) => [c.sel, c.changed])).toEqual([
      ['#buy', false],
      ['#fake', false],
    ]);
  });

  it("the focus change of a later press is that press's, not an effect of a click still pending", async () => {
    document.body.innerHTML = `<div id="dead">Sale</div><input id="q"><div id="also-dead">Free</div>`;
    const t = start();
    sl = t.sl;
    click($('#dead'));
    await vi.advanceTimersByTimeAsync(300);
    press($('#q')); // focuses the field, within #dead's window
    await vi.advanceTimersByTimeAsync(300);
    press($('#also-dead'), () => $('#q').blur()); // the div is not focusable: the field just blurs
    await settled();
    expect(ofType(await t.events(), 'click').map((c) => [c.sel, c.changed])).toEqual([
      ['#dead', false],
      ['#q', true],
      ['#also-dead', false],
    ]);
  });

  it('focus moved by the app after the click counts, a blur included', async () => {
    document.body.innerHTML = `<button id="open">Search</button><input id="q"><button id="close">Close</button>`;
    $('#open').addEventListener('click', () => setTimeout(() => $('#q').focus(), 200));
    $('#close').addEventListener('click', () => setTimeout(() => $('#q').blur(), 200));
    const t = start();
    sl = t.sl;
    click($('#open'));
    await settled();
    click($('#close'));
    await settled();
    expect(ofType(await t.events(), 'click').map((c) => c.changed)).toEqual([true, true]);
  });

  it('navigation in the window counts: to a fragment, pushState on the same page, popstate, hashchange', async () => {
    document.body.innerHTML = `<a id="toc" href="#reviews">Reviews</a><button id="tab">Tab</button>
      <button id="back">Back</button><button id="hash">Hash</button><button id="dead">Dead</button>`;
    $('#toc').addEventListener('click', (e) => {
      e.preventDefault();
      history.pushState(null, '', '#reviews'); // same page (not a #/ route): no new pageview
    });
    $('#tab').addEventListener('click', () => history.replaceState(null, '', '/?tab=2'));
    const t = start();
    sl = t.sl;
    click($('#toc'));
    await settled();
    click($('#tab'));
    await settled();
    click($('#back'));
    window.dispatchEvent(new PopStateEvent('popstate'));
    await settled();
    click($('#hash'));
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    await settled();
    click($('#dead'));
    await settled();
    const evs = await t.events();
    expect(ofType(evs, 'click').map((c) => [c.sel, c.changed])).toEqual([
      ['#toc', true],
      ['#tab', true],
      ['#back', true],
      ['#hash', true],
      ['#dead', false],
    ]);
    expect(ofType(evs, 'pageview').map((p) => p.url)).toEqual([`${location.origin}/`, `${location.origin}/?tab=2`]);
  });

  it('a navigation after the window does not count', async () => {
    document.body.innerHTML = `<button id="b">b</button>`;
    const t = start();
    sl = t.sl;
    click($('#b'));
    await vi.advanceTimersByTimeAsync(CLICK_WINDOW_MS + 100);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    expect(ofType(await t.events(), 'click').map((c) => c.changed)).toEqual([false]);
  });

  it('a click whose page is left first stays unknown (null), unless focus already answered it', async () => {
    document.body.innerHTML = `<input id="f"><div id="d">text</div>`;
    const t = start();
    sl = t.sl;
    press($('#f'));
    click($('#d'));
    await vi.advanceTimersByTimeAsync(200);
    window.dispatchEvent(new Event('pagehide'));
    expect(ofType(await t.events(), 'click').map((c) => [c.sel, c.changed])).toEqual([
      ['#f', true],
      ['#d', null],
    ]);
  });
});

/** Types into a field as a user does: focus, a new value, an `input` event. */
function type(el: HTMLInputElement | HTMLTextAreaElement, value: string): void {
  el.focus();
  el.value = value;
  el.dispatchEvent(new Event('input', { bubbles: true }));
}
const enter = (el: Element) => el.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
function toggle(el: HTMLInputElement): void {
  el.checked = !el.checked;
  el.dispatchEvent(new Event('input', { bubbles: true }));
  el.dispatchEvent(new Event('change', { bubbles: true }));
}
const abandons = async (t: ReturnType<typeof start>) =>
  ofType(await t.events(), 'input')
    .filter((e) => e.action === 'abandon')
    .map((e) => [e.sel, e.field]);

describe('form abandonment', () => {
  /** TodoMVC's shape: no <form>; Enter adds the todo and clears the input; checkboxes toggle. */
  function todoApp(): void {
    document.body.innerHTML = `
      <section class="todoapp">
        <input class="new-todo" placeholder="What needs to be done?">
        <input id="toggle-all" class="toggle-all" type="checkbox">
        <ul class="todo-list"></ul>
        <select id="sort"><option value="new">Newest</option><option value="old">Oldest</option></select>
      </section>`;
    $('.new-todo').addEventListener('keydown', (e) => {
      const input = e.target as HTMLInputElement;
      if (e.key !== 'Enter' || !input.value) return;
      const li = document.createElement('li');
      li.innerHTML = `<input class="toggle" type="checkbox"><label></label>`;
      li.querySelector('label')!.textContent = input.value;
      li.addEventListener('dblclick', () => {
        // editing: an input with the todo's text; Enter saves it and leaves editing
        const edit = document.createElement('input');
        edit.className = 'edit';
        edit.value = li.querySelector('label')!.textContent!;
        edit.addEventListener('keydown', (k) => {
          if (k.key !== 'Enter') return;
          li.querySelector('label')!.textContent = edit.value;
          edit.remove();
        });
        li.append(edit);
      });
      $('.todo-list').append(li);
      input.value = ''; // set by script: no input event
    });
  }

  it('a successful TodoMVC session sends no abandon', async () => {
    todoApp();
    const t = start();
    sl = t.sl;
    const add = $<HTMLInputElement>('.new-todo');
    for (const todo of ['Buy milk', 'Call mom', 'Write report']) {
      type(add, todo);
      enter(add);
    }
    expect($('.todo-list').children).toHaveLength(3);
    toggle($<HTMLInputElement>('.todo-list li:first-child .toggle'));
    toggle($<HTMLInputElement>('.todo-list li:last-child .toggle'));
    toggle($<HTMLInputElement>('#toggle-all'));
    const sort = $<HTMLSelectElement>('#sort');
    sort.value = 'old';
    sort.dispatchEvent(new Event('change', { bubbles: true }));
    $('.todo-list li:nth-child(2)').dispatchEvent(new MouseEvent('dblclick', { bubbles: true }));
    const edit = $<HTMLInputElement>('.edit');
    type(edit, 'Call mom and dad');
    enter(edit);
    expect($('.todo-list li:nth-child(2) label').textContent).toBe('Call mom and dad');
    // the user typed a todo and deleted it again
    type(add, 'Walk the dog');
    type(add, '');
    window.dispatchEvent(new Event('pagehide'));
    const evs = await t.events();
    expect(ofType(evs, 'input').filter((e) => e.action === 'change').length).toBeGreaterThanOrEqual(4);
    expect(await abandons(t)).toEqual([]);
  });

  it('a field without a form left holding typed text is abandoned; an Enter before the last input does not save it', async () => {
    todoApp();
    document.body.insertAdjacentHTML('beforeend', `<input id="search" type="search">`);
    const t = start();
    sl = t.sl;
    const add = $<HTMLInputElement>('.new-todo');
    type(add, 'Buy milk');
    enter(add);
    type(add, 'Buy bread'); // typed after the Enter, never added
    type($<HTMLInputElement>('#search'), 'milk');
    window.dispatchEvent(new Event('pagehide'));
    expect(await abandons(t)).toEqual([
      ['body>section.todoapp>input.new-todo', 'text'],
      ['#search', 'search'],
    ]);
  });

  function signupForm(): HTMLFormElement {
    document.body.innerHTML = `
      <form id="signup">
        <input name="name" id="name">
        <input name="email" id="email" type="email" required>
        <select name="plan" id="plan"><option value="">Choose</option><option value="pro">Pro</option></select>
        <input type="checkbox" id="terms" name="terms">
        <button>Sign up</button>
      </form>`;
    return $<HTMLFormElement>('#signup');
  }

  it('a form left half filled sends one abandon, at its last used entry field', async () => {
    signupForm();
    const t = start();
    sl = t.sl;
    type($<HTMLInputElement>('#name'), 'Ada');
    type($<HTMLInputElement>('#email'), 'ada@');
    enter($('#email')); // the browser's validation stopped the submit: no submit event
    toggle($<HTMLInputElement>('#terms')); // a toggle is not where the form was left
    window.dispatchEvent(new Event('pagehide'));
    expect(await abandons(t)).toEqual([['#email', 'email']]);
  });

  it('a select inside a form is an entry', async () => {
    signupForm();
    const t = start();
    sl = t.sl;
    const plan = $<HTMLSelectElement>('#plan');
    plan.value = 'pro';
    plan.dispatchEvent(new Event('change', { bubbles: true }));
    window.dispatchEvent(new Event('pagehide'));
    expect(await abandons(t)).toEqual([['#plan', 'select-one']]);
  });

  it('a submitted form sends none', async () => {
    const form = signupForm();
    form.addEventListener('submit', (e) => e.preventDefault());
    const t = start();
    sl = t.sl;
    type($<HTMLInputElement>('#name'), 'Ada');
    type($<HTMLInputElement>('#email'), 'ada@example.com');
    form.dispatchEvent(new SubmitEvent('submit', { bubbles: true, cancelable: true }));
    window.dispatchEvent(new Event('pagehide'));
    const evs = await t.events();
    expect(ofType(evs, 'input').filter((e) => e.action === 'submit')).toHaveLength(1);
    expect(await abandons(t)).toEqual([]);
  });
});

describe('hover that ends the visit', () => {
  const over = (el: Element) => el.dispatchEvent(new PointerEvent('pointerover', { bubbles: true, pointerType: 'mouse' }));
  const hovers = async (t: ReturnType<typeof start>) =>
    ofType(await t.events(), 'hover').map((h) => [h.sel, h.dwell_ms, h.clicked]);

  it('is sent when the pointer leaves the page', async () => {
    document.body.innerHTML = `<button id="pay">Pay</button><a id="help" href="/help">Help</a>`;
    const t = start();
    sl = t.sl;
    over($('#pay'));
    vi.setSystemTime(Date.now() + HOVER_MIN_MS + 300);
    $('#pay').dispatchEvent(new PointerEvent('pointerout', { bubbles: true, pointerType: 'mouse', relatedTarget: null }));
    over($('#help'));
    vi.setSystemTime(Date.now() + HOVER_MIN_MS - 100); // too short
    $('#help').dispatchEvent(new PointerEvent('pointerout', { bubbles: true, pointerType: 'mouse', relatedTarget: null }));
    expect(await hovers(t)).toEqual([['#pay', HOVER_MIN_MS + 300, false]]);
  });

  it('is sent when the page is hidden, then when it is left', async () => {
    document.body.innerHTML = `<button id="pay">Pay</button><button id="cancel">Cancel</button>`;
    const t = start();
    sl = t.sl;
    over($('#pay'));
    vi.setSystemTime(Date.now() + 1200);
    Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
    try {
      document.dispatchEvent(new Event('visibilitychange'));
    } finally {
      delete (document as { visibilityState?: string }).visibilityState;
    }
    expect(await hovers(t)).toEqual([['#pay', 1200, false]]);
    document.dispatchEvent(new Event('visibilitychange'));
    over($('#cancel'));
    vi.setSystemTime(Date.now() + 700);
    window.dispatchEvent(new Event('pagehide'));
    expect(await hovers(t)).toEqual([
      ['#pay', 1200, false],
      ['#cancel', 700, false],
    ]);
  });
});
