import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, NETWORK_ERROR_MESSAGE, errorFromResponse, makeClient, onUnauthorized, setCsrfToken, unwrap } from '../src/api/client';

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

/** A client whose fetch records requests and answers with `reply`. */
function clientWith(reply: (req: Request) => Response | Promise<Response>) {
  const seen: Request[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = input instanceof Request ? input : new Request(input, init);
    seen.push(req);
    return reply(req);
  });
  return { api: makeClient({ baseUrl: 'http://sightline.test', fetch: fetch as unknown as typeof globalThis.fetch }), seen };
}

afterEach(() => {
  setCsrfToken(null);
  onUnauthorized(null);
});

describe('errors', () => {
  it("uses the server's error.message and code", async () => {
    const { api } = clientWith(() => json(401, { error: { code: 'invalid_credentials', message: 'Wrong email or password.' } }));
    const err = await unwrap(api.POST('/api/v1/login', { body: { email: 'a@b.c', password: 'x' } })).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(401);
    expect(err.code).toBe('invalid_credentials');
    expect(err.message).toBe('Wrong email or password.');
  });
  it('shows the rate-limit message of a 429', async () => {
    const { api } = clientWith(() => json(429, { error: { code: 'rate_limited', message: 'Too many login attempts; try again in 60 s.' } }, { 'retry-after': '60' }));
    await expect(unwrap(api.POST('/api/v1/login', { body: { email: 'a@b.c', password: 'x' } }))).rejects.toMatchObject({
      status: 429,
      code: 'rate_limited',
      message: 'Too many login attempts; try again in 60 s.',
    });
  });
  it('gives a readable message for bodies without an error object', async () => {
    const { api } = clientWith(() => new Response('<html>Bad Gateway</html>', { status: 502, statusText: 'Bad Gateway' }));
    await expect(unwrap(api.GET('/api/v1/sites'))).rejects.toMatchObject({ status: 502, code: 'http_502', message: expect.stringMatching(/unavailable/) });
    expect(errorFromResponse(401, { error: { code: 'invalid_credentials', message: 'wrong email or password' } }).message).toBe('Wrong email or password');
    expect(errorFromResponse(418, { error: 'nope' }, "I'm a teapot").message).toBe("Request failed (HTTP 418 I'm a teapot).");
    expect(errorFromResponse(500, { error: { code: 'x', message: '' } }).message).toMatch(/server/);
  });
  it('turns a network failure into a readable error', async () => {
    const { api } = clientWith(() => {
      throw new TypeError('fetch failed');
    });
    await expect(unwrap(api.GET('/api/v1/sites'))).rejects.toMatchObject({ status: 0, code: 'network', message: NETWORK_ERROR_MESSAGE });
  });
  it('passes aborts through untouched', async () => {
    const ctrl = new AbortController();
    // like fetch: rejects at once when already aborted, else when the abort comes
    const { api } = clientWith(
      (req) =>
        new Promise((_, reject) => {
          const abort = () => reject(new DOMException('aborted', 'AbortError'));
          if (req.signal.aborted) abort();
          else req.signal.addEventListener('abort', abort);
        }),
    );
    const p = unwrap(api.GET('/api/v1/sites', { signal: ctrl.signal }));
    ctrl.abort();
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
  });
  it('returns data on success and undefined for 204', async () => {
    const { api } = clientWith((req) => (req.method === 'DELETE' ? new Response(null, { status: 204 }) : json(200, { needs_setup: true })));
    expect(await unwrap(api.GET('/api/v1/setup'))).toEqual({ needs_setup: true });
    expect(await unwrap(api.DELETE('/api/v1/tokens/{id}', { params: { path: { id: 3 } } }))).toBeUndefined();
  });
});

describe('CSRF', () => {
  it('sends X-CSRF-Token on state-changing requests only', async () => {
    const { api, seen } = clientWith((req) => (req.method === 'GET' ? json(200, []) : new Response(null, { status: 204 })));
    setCsrfToken('tok-123');
    await unwrap(api.GET('/api/v1/sites'));
    await unwrap(api.POST('/api/v1/logout'));
    await unwrap(api.DELETE('/api/v1/sites/{site}/members/{user_id}', { params: { path: { site: 'k', user_id: 2 } } }));
    await unwrap(api.PUT('/api/v1/sites/{site}', {
      params: { path: { site: 'k' } },
      body: { name: 'n', domains: [], allowed_origins: [], page_groups: [], mask_selectors: [], persistent_ids: false, respect_dnt: true, retention_days: 30 },
    })).catch(() => {});
    expect(seen.map((r) => [r.method, r.headers.get('x-csrf-token')])).toEqual([
      ['GET', null],
      ['POST', 'tok-123'],
      ['DELETE', 'tok-123'],
      ['PUT', 'tok-123'],
    ]);
    expect(seen[3]!.url).toBe('http://sightline.test/api/v1/sites/k');
  });
  it('sends no header before a token is known', async () => {
    const { api, seen } = clientWith(() => json(200, { user: { id: 1, email: 'a', role: 'admin', created_at: 0 }, csrf_token: 't' }));
    await unwrap(api.POST('/api/v1/login', { body: { email: 'a', password: 'b' } }));
    expect(seen[0]!.headers.has('x-csrf-token')).toBe(false);
  });
});

describe('401 handling', () => {
  it('reports a lost session from any data endpoint', async () => {
    const handler = vi.fn();
    onUnauthorized(handler);
    const { api } = clientWith(() => json(401, { error: { code: 'unauthenticated', message: 'Log in first.' } }));
    await expect(unwrap(api.GET('/api/v1/sites'))).rejects.toMatchObject({ status: 401 });
    expect(handler).toHaveBeenCalledTimes(1);
  });
  it('does not treat a 401 of the auth endpoints as a lost session', async () => {
    const handler = vi.fn();
    onUnauthorized(handler);
    const { api } = clientWith(() => json(401, { error: { code: 'invalid_credentials', message: 'Wrong email or password.' } }));
    await unwrap(api.GET('/api/v1/me')).catch(() => {});
    await unwrap(api.POST('/api/v1/login', { body: { email: 'a', password: 'b' } })).catch(() => {});
    expect(handler).not.toHaveBeenCalled();
  });
});

describe('query strings', () => {
  it('sends the overview filters as plain query parameters', async () => {
    const { api, seen } = clientWith(() => json(200, {}));
    await unwrap(
      api.GET('/api/v1/sites/{site}/overview', {
        params: { path: { site: 'abc' }, query: { from: '2026-01-01', to: '2026-01-31', page: '/a b?c', visitor_type: 'new' } },
      }),
    );
    const url = new URL(seen[0]!.url);
    expect(url.pathname).toBe('/api/v1/sites/abc/overview');
    expect(Object.fromEntries(url.searchParams)).toEqual({ from: '2026-01-01', to: '2026-01-31', page: '/a b?c', visitor_type: 'new' });
  });
});
