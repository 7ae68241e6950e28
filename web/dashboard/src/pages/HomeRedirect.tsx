// `/`: the overview of the current site, or the sites page when there is none yet.
import { Navigate } from 'react-router';
import { ErrorBox, SkeletonRows } from '../components/ui';
import { sitePagePath } from '../lib/paths';
import { useCurrentSiteKey, useSites } from '../state/sites';

export function HomeRedirect() {
  const { sites, error, reload } = useSites();
  const key = useCurrentSiteKey();
  if (error && !sites) return <ErrorBox title="Could not load your sites" message={error} onRetry={reload} />;
  if (!sites) return <SkeletonRows rows={6} />;
  if (sites.length === 0 || !key) return <Navigate to="/settings/sites" replace />;
  return <Navigate to={sitePagePath(key)} replace />;
}
