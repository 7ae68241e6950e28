// Replay storage use against the site's quota: a meter (privacy settings) and a warning banner from 80 %
// (privacy settings and the sessions list).
import { Link } from 'react-router';
import type { Site } from '../api/types';
import { formatBytes, formatPercent } from '../lib/format';
import { siteSettingsPath } from '../lib/paths';
import { replayUsage } from '../lib/quota';
import { Icon } from './Icon';

export function ReplayQuotaBanner({ site, settingsLink = true }: { site: Site; settingsLink?: boolean }) {
  const u = replayUsage(site);
  if (!u.warn) return null;
  return (
    <div className={`banner ${u.full ? 'banner-danger' : 'banner-warn'}`} role="alert" data-testid="replay-quota-banner">
      <Icon name="alert" size={18} />
      <div>
        <strong>{u.full ? 'Replay storage is full' : `Replay storage is ${formatPercent(u.ratio)} full`}</strong>{' '}
        <span>
          {formatBytes(u.usedBytes)} of {formatBytes(u.quotaBytes)} used.{' '}
          {u.full
            ? 'New sessions are not being recorded. Raise the quota or lower the sample rate; old replays are removed by retention.'
            : 'When it is full, new sessions are no longer recorded. Raise the quota or lower the sample rate.'}{' '}
          {settingsLink && <Link to={siteSettingsPath(site.key, 'privacy')}>Replay settings</Link>}
        </span>
      </div>
    </div>
  );
}

export function ReplayUsageMeter({ site }: { site: Site }) {
  const u = replayUsage(site);
  const pct = Math.min(100, u.ratio * 100);
  return (
    <div className="usage" data-testid="replay-usage">
      <div className="usage-text">
        <span>
          <strong>{formatBytes(u.usedBytes)}</strong> of {formatBytes(u.quotaBytes)} used
        </span>
        <span className="muted">{formatPercent(u.ratio)}</span>
      </div>
      <div
        className={`usage-bar ${u.full ? 'usage-bar-full' : u.warn ? 'usage-bar-warn' : ''}`}
        role="meter"
        aria-label="Replay storage used"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(pct)}
      >
        <span style={{ width: `${pct}%` }} />
      </div>
    </div>
  );
}
