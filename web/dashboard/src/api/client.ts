// The typed API client (openapi-fetch over the generated schema) and its two pieces of policy:
// - every state-changing request carries `X-CSRF-Token` (the token comes from /me, /login, /setup);
// - a 401 from any non-auth endpoint tells the app the session is gone (it then shows /login or /setup).
// Errors become `ApiError` with the server's readable `error.message`.
import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema';

export class ApiError extends Error {
  /** HTTP status; 0 when the server could not be reached. */
  readonly status: number;
  /** The server's `error.code` (`invalid_credentials`, `rate_limited`…), or `http_<status>` / `network`. */
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

const STATUS_MESSAGES: Record<number, string> = {
  400: 'The request was not accepted.',
  401: 'You are not logged in.',
  403: 'You do not have permission to do that.',
  404: 'Not found.',
  409: 'That conflicts with something that already exists.',
  413: 'The request is too large.',
  429: 'Too many requests. Wait a moment and try again.',
  500: 'The server failed to answer this request.',
  502: 'The server is unavailable (bad gateway).',
  503: 'The server is unavailable right now. Try again shortly.',
  504: 'The server took too long to answer.',
};

/** Server messages are lower-case phrases ("wrong email or password"): shown as a sentence. */
function sentence(message: string): string {
  return message[0]!.toUpperCase() + message.slice(1);
}

/** An ApiError from a failed response's status and (parsed or raw) body. */
export function errorFromResponse(status: number, body: unknown, statusText = ''): ApiError {
  if (body && typeof body === 'object' && 'error' in body) {
    const e = (body as { error: unknown }).error;
    if (e && typeof e === 'object') {
      const { code, message } = e as { code?: unknown; message?: unknown };
      if (typeof message === 'string' && message.trim() !== '') {
        return new ApiError(status, typeof code === 'string' ? code : `http_${status}`, sentence(message.trim()));
      }
    }
  }
  const fallback =
    STATUS_MESSAGES[status] ?? (status >= 500 ? `The server answered with an error (HTTP ${status}).` : `Request failed (HTTP ${status}${statusText ? ` ${statusText}` : ''}).`);
  return new ApiError(status, `http_${status}`, fallback);
}

export const NETWORK_ERROR_MESSAGE = 'Could not reach the Sightline server. Check that it is running and try again.';

let csrfToken: string | null = null;
let unauthorized: (() => void) | null = null;

/** Set from `/me`, `/login` or `/setup`; cleared on logout. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export function getCsrfToken(): string | null {
  return csrfToken;
}

/** Called when a request answers 401 (the session expired or was logged out elsewhere). */
export function onUnauthorized(handler: (() => void) | null): void {
  unauthorized = handler;
}

/** Endpoints whose 401 is an answer, not a lost session. */
const AUTH_ENDPOINTS = new Set(['/api/v1/me', '/api/v1/login', '/api/v1/setup', '/api/v1/logout']);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const csrfMiddleware: Middleware = {
  onRequest({ request }) {
    if (!SAFE_METHODS.has(request.method.toUpperCase()) && csrfToken) {
      request.headers.set('X-CSRF-Token', csrfToken);
    }
    return request;
  },
};

export const unauthorizedMiddleware: Middleware = {
  onResponse({ request, response }) {
    if (response.status === 401 && unauthorized) {
      let path = request.url;
      try {
        path = new URL(request.url).pathname;
      } catch {
        /* relative URL */
      }
      if (!AUTH_ENDPOINTS.has(path)) unauthorized();
    }
    return undefined;
  },
};

export function makeClient(options: { baseUrl?: string; fetch?: typeof fetch } = {}) {
  const client = createClient<paths>({
    baseUrl: options.baseUrl ?? (typeof window !== 'undefined' ? window.location.origin : ''),
    fetch: options.fetch,
    credentials: 'same-origin',
    headers: { Accept: 'application/json' },
  });
  client.use(csrfMiddleware, unauthorizedMiddleware);
  return client;
}

export type ApiClient = ReturnType<typeof makeClient>;

/** The app's client: same origin as the page (the server serves both). */
export const api: ApiClient = makeClient();

type Result<T> = { data?: T; error?: unknown; response: Response };

/**
 * Awaits an openapi-fetch call and returns its data, or throws an ApiError: the server's message for
 * an error answer, a readable one for a network failure. Aborted requests rethrow the AbortError.
 */
export async function unwrap<T>(call: Promise<Result<T>>): Promise<T> {
  let result: Result<T>;
  try {
    result = await call;
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    if (e instanceof Error && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', NETWORK_ERROR_MESSAGE);
  }
  const { response } = result;
  if (!response.ok) throw errorFromResponse(response.status, result.error, response.statusText);
  return result.data as T;
}

export function isAbort(e: unknown): boolean {
  return e instanceof Error && e.name === 'AbortError';
}

/**
 * A JSON request to an endpoint the generated schema does not describe yet (the issue-12 analysis
 * endpoints): the same policy as `api` (CSRF header on state-changing requests, a 401 ends the session,
 * errors as `ApiError`). `query` values that are undefined or '' are left out; 204 resolves to undefined.
 */
export async function requestJson<T>(
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  options: { query?: Record<string, string | number | boolean | undefined>; body?: unknown; signal?: AbortSignal } = {},
): Promise<T> {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined && v !== '') params.set(k, String(v));
  const qs = params.toString();
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (!SAFE_METHODS.has(method) && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(`${path}${qs ? `?${qs}` : ''}`, {
      method,
      headers,
      credentials: 'same-origin',
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (e) {
    if (isAbort(e)) throw e;
    throw new ApiError(0, 'network', NETWORK_ERROR_MESSAGE);
  }
  if (response.status === 401 && unauthorized && !AUTH_ENDPOINTS.has(path)) unauthorized();
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  if (!response.ok) throw errorFromResponse(response.status, body, response.statusText);
  return body as T;
}

/** A readable message for anything thrown. */
export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error && e.message) return e.message;
  return 'Something went wrong.';
}
