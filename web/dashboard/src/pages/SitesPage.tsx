// /settings/sites: every accessible site; admins add sites here.
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { Icon } from '../components/Icon';
import { Card, ErrorBox, PageHeader, SkeletonRows } from '../components/ui';
import { formatDateTime } from '../lib/format';
import { sitePagePath, siteSettingsPath } from '../lib/paths';
import { useUser } from '../state/auth';
import { rememberSite, useSites } from '../state/sites';
import { AddSiteForm } from './AddSiteForm';
import { NoSites } from './NoSites';

export function SitesPage() {
  const user = useUser();
  const { sites, error, reload } = useSites();
  const [adding, setAdding] = useState(false);
  const navigate = useNavigate();

  if (error && !sites) return <ErrorBox title="Could not load your sites" message={error} onRetry={reload} />;
  if (!sites) return <SkeletonRows rows={5} />;
  if (sites.length === 0) return <NoSites />;

  return (
    <div className="page">
      <PageHeader
        title="Sites"
        subtitle="The websites this server records. Each has its own tracker snippet, settings and members."
        actions={
          user.role === 'admin' &&
          !adding && (
            <button type="button" className="btn btn-primary" onClick={() => setAdding(true)}>
              <Icon name="plus" size={15} /> Add site
            </button>
          )
        }
      />
      {adding && (
        <Card title="Add a site">
          <AddSiteForm
            autoFocus
            onCancel={() => setAdding(false)}
            onCreated={(site) => {
              setAdding(false);
              rememberSite(site.key);
              reload();
              navigate(siteSettingsPath(site.key, 'tracking'));
            }}
          />
        </Card>
      )}
      <Card padded={false}>
        <table className="table" data-testid="sites-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Domains</th>
              <th>Site key</th>
              <th>Created</th>
              <th aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {sites.map((s) => (
              <tr key={s.id}>
                <td>
                  <Link to={siteSettingsPath(s.key)} className="strong-link">
                    {s.name}
                  </Link>
                </td>
                <td className="muted">{s.domains.join(', ') || '—'}</td>
                <td>
                  <code className="mono-chip">{s.key}</code>
                </td>
                <td className="muted nowrap">{formatDateTime(s.created_at)}</td>
                <td className="actions-cell">
                  <Link to={sitePagePath(s.key)} className="btn btn-ghost btn-sm">
                    <Icon name="overview" size={14} /> Overview
                  </Link>
                  <Link to={siteSettingsPath(s.key)} className="btn btn-secondary btn-sm">
                    <Icon name="settings" size={14} /> Settings
                  </Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
    </div>
  );
}
