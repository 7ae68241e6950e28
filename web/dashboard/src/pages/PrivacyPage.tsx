// /settings/privacy — privacy options of the current site (chosen with the site switcher).
import { api, unwrap } from '../api/client';
import { useAsync } from '../api/hooks';
import { Card, ErrorBox, PageHeader, SkeletonRows } from '../components/ui';
import { findSite, useCurrentSiteKey, useSites } from '../state/sites';
import { NoSites } from './NoSites';
import { PrivacyForm } from './siteForms';

export function PrivacyPage() {
  const { sites } = useSites();
  const key = useCurrentSiteKey();
  if (sites && sites.length === 0) return <NoSites />;
  const site = findSite(sites, key);
  return (
    <div className="page">
      <PageHeader
        title="Privacy"
        subtitle={
          <>
            What the tracker records on {site ? <strong>{site.name}</strong> : 'this site'}, and for how long it is kept. Switch site with the menu at the top.
          </>
        }
      />
      {key ? <PrivacyLoader key={key} siteKey={key} /> : <SkeletonRows rows={6} />}
    </div>
  );
}

function PrivacyLoader({ siteKey }: { siteKey: string }) {
  const { data: site, error, reload, setData } = useAsync(
    (signal) => unwrap(api.GET('/api/v1/sites/{site}', { params: { path: { site: siteKey } }, signal })),
    [siteKey],
  );
  if (error && !site) return <ErrorBox title="Could not load the site" message={error} onRetry={reload} />;
  if (!site) return <SkeletonRows rows={6} />;
  return (
    <Card className="tab-card">
      <PrivacyForm site={site} onSaved={setData} />
    </Card>
  );
}
