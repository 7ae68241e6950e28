import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Sightline } from '../src/tracker';
import { stripQuery } from '../src/url';
import { ENDPOINT, ofType, start, tick } from './helpers';

describe('stripQuery', () => {
  it.each([
    ['https://api.example.com/v1/items?token=abc&page=2', 'https://api.example.com/v1/items'],
    ['https://api.example.com/v1/items#frag', 'https://api.example.com/v1/items'],
    ['https://api.example.com/v1/items?a=1#frag', 'https://api.example.com/v1/items'],
    ['/api/cart?session=secret', `${location.origin}/api/cart`],
    ['search?q=shoes', new URL('search', location.href).href],
    ['https://u:p@h.example/x?y', 'https://u:p@h.example/x'],
  ])('%s → %s', (input, out) => {
    expect(stripQuery(input)).toBe(out);
  });

  it('accepts URL objects', () => {
    expect(stripQuery(new URL('https://a.example/b?c=d'))).toBe('https://a.example/b');
  });
});

describe('failed request capture', () => {
  let sl: Sightline;
  let page: ReturnType<typeof vi.fn>;

  beforeEach(() => {
    // the page's own fetch, before the tracker wraps it
    page = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = String((input as Request).url || input);
      if (url.includes('neterr')) throw new TypeError('Failed to fetch');
      if (url.includes('aborted')) throw new DOMException('The user aborted a request.', 'AbortError');
      const status = Number(/status=(\d+)/.exec(url)?.[1] || 200);
      return new Response('{}', { status: init?.method?.toUpperCase() === 'DELETE' ? 500 : status });
    });
    window.fetch = page as unknown as typeof fetch;
  });
  afterEach(() => sl.stop());

  it('reports fetch failures (≥ 400 and network errors) without query strings', async () => {
    const t = start();
    sl = t.sl;
    expect(window.fetch).not.toBe(page);
    const res = await fetch('/api/items?status=404&token=SECRET-TOKEN');
    expect(res.status).toBe(404); // the page still gets its response
    await fetch('/api/ok?status=200');
    await fetch('/api/redirect?status=302');
    await fetch(new Request(`${location.origin}/api/cart?status=503&id=SECRET-ID`, { method: 'POST' }));
    await fetch('https://other.example/x?y=1', { method: 'delete' });
    await expect(fetch('https://cdn.example/neterr?k=SECRET-K')).rejects.toThrow('Failed to fetch');
    await expect(fetch('/aborted')).rejects.toThrow();
    await tick();
    const reqs = ofType(await t.events(), 'request');
    expect(reqs.map((r) => [r.url, r.method, r.status])).toEqual([
      [`${location.origin}/api/items`, 'GET', 404],
      [`${location.origin}/api/cart`, 'POST', 503],
      ['https://other.example/x', 'DELETE', 500],
      ['https://cdn.example/neterr', 'GET', 0],
    ]);
    for (const r of reqs) {
      expect(typeof r.duration_ms).toBe('number');
      expect(r.duration_ms).toBeGreaterThanOrEqual(0);
    }
    expect(t.bodies.join()).not.toContain('SECRET');
    expect(page).toHaveBeenCalledTimes(7);
  });

  it("never reports the tracker's own endpoint, and stop() restores fetch", async () => {
    const t = start();
    sl = t.sl;
    await fetch(`${ENDPOINT}?status=500`);
    await fetch(ENDPOINT, { method: 'DELETE' });
    expect(ofType(await t.events(), 'request')).toEqual([]);
    sl.stop();
    expect(window.fetch).toBe(page);
  });

  it('reports failed XMLHttpRequests, not successful or aborted ones', async () => {
    class FakeXHR extends EventTarget {
      status = 0;
      url = '';
      open(_m: string, u: string) {
        this.url = u;
      }
      send() {
        const status = this.url.includes('neterr') ? 0 : Number(/status=(\d+)/.exec(this.url)?.[1] || 200);
        setTimeout(() => {
          if (this.url.includes('abort')) this.dispatchEvent(new Event('abort'));
          this.status = status;
          this.dispatchEvent(new Event('loadend'));
        });
      }
    }
    const orig = window.XMLHttpRequest;
    (window as { XMLHttpRequest: unknown }).XMLHttpRequest = FakeXHR;
    const { open, send } = FakeXHR.prototype;
    try {
      const t = start();
      sl = t.sl;
      const go = (method: string, url: string) =>
        new Promise<void>((done) => {
          const x = new XMLHttpRequest();
          x.open(method, url);
          x.addEventListener('loadend', () => done());
          x.send();
        });
      await go('GET', '/x/ok?status=200');
      await go('PUT', '/x/items?status=422&secret=SECRET');
      await go('GET', 'https://api.example/neterr?z=1');
      await go('GET', '/x/abort?status=0');
      await go('POST', `${ENDPOINT}?status=500`);
      const reqs = ofType(await t.events(), 'request');
      expect(reqs.map((r) => [r.url, r.method, r.status])).toEqual([
        [`${location.origin}/x/items`, 'PUT', 422],
        ['https://api.example/neterr', 'GET', 0],
      ]);
      expect(FakeXHR.prototype.open).not.toBe(open);
      sl.stop();
      expect(FakeXHR.prototype.open).toBe(open);
      expect(FakeXHR.prototype.send).toBe(send);
    } finally {
      (window as { XMLHttpRequest: unknown }).XMLHttpRequest = orig;
    }
  });
});
