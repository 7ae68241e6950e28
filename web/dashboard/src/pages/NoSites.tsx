// No site yet: the first thing a new admin sees.
import { useNavigate } from 'react-router';
import { Icon } from '../components/Icon';
import { Card } from '../components/ui';
import { siteSettingsPath } from '../lib/paths';
import { useUser } from '../state/auth';
import { rememberSite, useSites } from '../state/sites';
import { AddSiteForm } from './AddSiteForm';

export function NoSites() {
  const user = useUser();
  const { reload } = useSites();
  const navigate = useNavigate();
  if (user.role !== 'admin') {
    return (
      <div className="onboarding" data-testid="no-sites">
        <Card>
          <h2 className="onboarding-title">No sites yet</h2>
          <p className="muted">You do not have access to any site. Ask an admin of this Sightline server to add you to one.</p>
        </Card>
      </div>
    );
  }
  return (
    <div className="onboarding" data-testid="no-sites">
      <div className="onboarding-hero">
        <div className="empty-icon">
          <Icon name="sites" size={22} />
        </div>
        <h2 className="onboarding-title">Add your first site</h2>
        <p className="muted">Tell Sightline which website to watch. You will get a one-line snippet to paste into its pages.</p>
      </div>
      <Card>
        <AddSiteForm
          autoFocus
          onCreated={(site) => {
            rememberSite(site.key);
            reload();
            navigate(siteSettingsPath(site.key, 'tracking'));
          }}
        />
      </Card>
      <p className="onboarding-hint">
        <Icon name="terminal" size={14} /> Just looking around? Run <code>sightline demo</code> (or <code>make run</code> in a checkout) for a demo shop with
        simulated traffic.
      </p>
    </div>
  );
}
