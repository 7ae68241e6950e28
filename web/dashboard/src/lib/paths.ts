// URLs of the app. Analytics pages live under /sites/:site/<page>; a site's settings under
// /settings/sites/:site; other pages take the site (when they need one) as `?site=`.
import { parseFilters, buildSearch } from './filters';
import { COMPARE_PARAM } from './segments';

const enc = encodeURIComponent;

export function sitePagePath(site: string, page = 'overview', search = ''): string {
  return `/sites/${enc(site)}/${page}${search}`;
}

export function siteSettingsPath(site: string, tab?: string): string {
  return `/settings/sites/${enc(site)}${tab ? `?tab=${enc(tab)}` : ''}`;
}

const SITE_SEGMENT = /^(\/sites\/|\/settings\/sites\/)([^/]+)(\/.*)?$/;

/**
 * Where the site switcher goes: the same page and query (range, filters) for another site.
 * Pages without a site in the path get `?site=<key>`.
 */
export function switchSitePath(pathname: string, search: string, site: string): string {
  const m = SITE_SEGMENT.exec(pathname);
  if (m) return `${m[1]}${enc(site)}${m[3] ?? ''}${search}`;
  const params = new URLSearchParams(search);
  params.set('site', site);
  const s = params.toString();
  return `${pathname}?${s}`;
}

/** The query to carry from one analytics page to another: the range, filters and compared segment only. */
export function carriedSearch(search: string): string {
  const src = new URLSearchParams(search);
  const keep = new URLSearchParams();
  for (const k of ['from', 'to', COMPARE_PARAM]) {
    const v = src.get(k);
    if (v) keep.set(k, v);
  }
  return buildSearch(keep, { filters: parseFilters(src) });
}

/** `next` after login: only same-app paths (never another origin, never the auth pages). */
export function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  if (next.startsWith('/login') || next.startsWith('/setup')) return '/';
  return next;
}

/**
 * Which Content-Security-Policy a page's document needs: the server sends a replay page and the heatmaps page
 * (`/sites/:site/replay/…`, `/sites/:site/heatmaps`) a policy that lets that site's own origins serve images and fonts, and every
 * other document one with no external image or font. A CSP belongs to a document (the replay frame
 * inherits it), so moving between pages of different scopes must load a new document (`DocumentScope`).
 * Mirrors `replay_site_segment` in crates/sightline-server/src/security.rs.
 */
export function documentScope(pathname: string): string {
  // the pages that draw a site's recorded pages: its replays and its heatmaps
  const m = /^\/sites\/([^/]+)\/(replay\/|heatmaps\/?$)/.exec(pathname);
  return m ? `recorded:${m[1]}` : '';
}
