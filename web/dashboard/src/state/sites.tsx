// The sites the user can access, loaded once per login, and "the current site": the `:site` of the
// route, else `?site=`, else the last one used (localStorage), else the first.
import { createContext, useCallback, useContext, useEffect, useMemo, type ReactNode } from 'react';
import { matchPath, useLocation } from 'react-router';
import { api, unwrap } from '../api/client';
import { useAsync } from '../api/hooks';
import type { Site } from '../api/types';

interface SitesApi {
  sites: Site[] | undefined;
  loading: boolean;
  error: string | null;
  reload: () => void;
  /** Replaces one site in the list (after an update) without a reload. */
  replace: (site: Site) => void;
}

const SitesContext = createContext<SitesApi | null>(null);
const LAST_SITE = 'sightline.site';

export function SitesProvider({ children }: { children: ReactNode }) {
  const { data, error, loading, reload, setData } = useAsync(
    (signal) => unwrap(api.GET('/api/v1/sites', { signal })),
    [],
  );
  const replace = useCallback(
    (site: Site) => setData((data ?? []).map((s) => (s.id === site.id ? site : s))),
    [data, setData],
  );
  const value = useMemo(() => ({ sites: data, loading, error, reload, replace }), [data, loading, error, reload, replace]);
  return <SitesContext.Provider value={value}>{children}</SitesContext.Provider>;
}

export function useSites(): SitesApi {
  const ctx = useContext(SitesContext);
  if (!ctx) throw new Error('useSites outside SitesProvider');
  return ctx;
}

export function rememberSite(key: string): void {
  try {
    localStorage.setItem(LAST_SITE, key);
  } catch {
    /* storage disabled */
  }
}

export function lastSite(): string | null {
  try {
    return localStorage.getItem(LAST_SITE);
  } catch {
    return null;
  }
}

/** Finds a site by key or numeric id (both are accepted in URLs). */
export function findSite(sites: readonly Site[] | undefined, ref: string | null | undefined): Site | undefined {
  if (!sites || !ref) return undefined;
  return sites.find((s) => s.key === ref || String(s.id) === ref);
}

/** Site-scoped paths: every analytics page lives under /sites/:site/, a site's settings under /settings/sites/:site. */
export const SITE_PATHS = ['/sites/:site/*', '/settings/sites/:site/*'];

/** The `:site` of a pathname, if it has one. */
export function siteInPath(pathname: string): string | null {
  for (const pattern of SITE_PATHS) {
    const m = matchPath(pattern, pathname);
    if (m?.params.site) return m.params.site;
  }
  return null;
}

/** The key of the site the user is looking at (see the top of this file); null without sites. */
export function useCurrentSiteKey(): string | null {
  const { sites } = useSites();
  const { pathname, search } = useLocation();
  const inPath = siteInPath(pathname);
  const fromQuery = new URLSearchParams(search).get('site');
  const site = findSite(sites, inPath ?? fromQuery) ?? findSite(sites, lastSite()) ?? sites?.[0];
  const key = inPath ?? site?.key ?? null;
  useEffect(() => {
    if (site) rememberSite(site.key);
  }, [site]);
  return key;
}

export function useCurrentSite(): Site | undefined {
  const { sites } = useSites();
  return findSite(sites, useCurrentSiteKey());
}
