// /settings/sites/:site — General, Tracking code and Privacy tabs (`?tab=`).
import { Link, useParams, useSearchParams } from 'react-router';
import { api, unwrap } from '../api/client';
import { useAsync } from '../api/hooks';
import { Icon } from '../components/Icon';
import { Card, CodeBlock, ErrorBox, PageHeader, SkeletonRows, Tabs } from '../components/ui';
import { sitePagePath } from '../lib/paths';
import { GeneralForm, PrivacyForm } from './siteForms';

const TABS = [
  { id: 'general', label: 'General' },
  { id: 'tracking', label: 'Tracking code' },
  { id: 'privacy', label: 'Privacy' },
] as const;
type Tab = (typeof TABS)[number]['id'];

export function SiteSettingsPage() {
  const { site: siteRef = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const tab: Tab = TABS.some((t) => t.id === params.get('tab')) ? (params.get('tab') as Tab) : 'general';
  const { data: site, error, reload, setData } = useAsync(
    (signal) => unwrap(api.GET('/api/v1/sites/{site}', { params: { path: { site: siteRef } }, signal })),
    [siteRef],
  );

  if (error && !site) return <ErrorBox title="Could not load the site" message={error} onRetry={reload} />;
  if (!site) return <SkeletonRows rows={6} />;

  return (
    <div className="page">
      <div className="breadcrumbs">
        <Link to="/settings/sites">Sites</Link>
        <Icon name="chevronRight" size={12} />
        <span>{site.name}</span>
      </div>
      <PageHeader
        title={site.name}
        subtitle={
          <>
            Site key <code className="mono-chip">{site.key}</code>
          </>
        }
        actions={
          <Link to={sitePagePath(site.key)} className="btn btn-secondary">
            <Icon name="overview" size={15} /> View overview
          </Link>
        }
      />
      <Tabs tabs={TABS} value={tab} onChange={(t) => setParams(t === 'general' ? {} : { tab: t }, { replace: true })} />
      <Card className="tab-card">
        {tab === 'general' && <GeneralForm key={`g${site.id}`} site={site} onSaved={setData} />}
        {tab === 'tracking' && <Tracking snippet={site.snippet} />}
        {tab === 'privacy' && <PrivacyForm key={`p${site.id}`} site={site} onSaved={setData} />}
      </Card>
    </div>
  );
}

function Tracking({ snippet }: { snippet: string }) {
  return (
    <div className="tracking" data-testid="tracking-snippet">
      <h3>Install the tracker</h3>
      <p className="muted">
        Paste this into the <code>&lt;head&gt;</code> of every page. It loads a small script from this server and starts recording visits; inputs are masked
        in the browser.
      </p>
      <CodeBlock code={snippet} label="Copy snippet" />
      <p className="muted small">
        Single-page apps need nothing more: route changes are recorded automatically. Visits appear in the overview within seconds.
      </p>
    </div>
  );
}
