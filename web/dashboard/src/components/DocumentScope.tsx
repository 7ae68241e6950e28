// Loads a page as a new document when it needs another Content-Security-Policy than the one this document
// came with (lib/paths.ts `documentScope`: a site's replay page vs. everything else). The router has already
// changed the URL (pushState or popstate), so reload() fetches that URL with its own policy and keeps the
// history entry and its state (the replay page's way back to the filtered sessions list).
import { useEffect, type ReactNode } from 'react';
import { useLocation } from 'react-router';
import { documentScope } from '../lib/paths';
import { FullPageLoading } from './FullPage';

const LOADED_SCOPE = documentScope(window.location.pathname);

export function DocumentScope({ children }: { children: ReactNode }) {
  const { pathname } = useLocation();
  const stale = documentScope(pathname) !== LOADED_SCOPE;
  useEffect(() => {
    if (stale) window.location.reload();
  }, [stale, pathname]);
  // nothing of the page mounts under the wrong policy (its images would be refused, or allowed wrongly)
  return stale ? <FullPageLoading /> : <>{children}</>;
}
