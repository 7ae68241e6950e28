// The site switcher: every accessible site; switching keeps the current page, range and filters.
import { Link, useLocation, useNavigate } from 'react-router';
import { switchSitePath } from '../lib/paths';
import { rememberSite, useCurrentSite, useSites } from '../state/sites';
import { Icon } from './Icon';
import { Popover } from './ui';

export function SiteSwitcher() {
  const { sites } = useSites();
  const current = useCurrentSite();
  const { pathname, search } = useLocation();
  const navigate = useNavigate();
  if (!sites || sites.length === 0) return null;
  return (
    <Popover
      buttonClass="site-button"
      label="Switch site"
      button={
        <>
          <span className="site-avatar" aria-hidden="true">
            {(current?.name ?? '?').slice(0, 1).toUpperCase()}
          </span>
          <span className="site-button-text">
            <span className="site-button-name" data-testid="current-site">
              {current?.name ?? 'Choose a site'}
            </span>
            {current?.domains[0] && <span className="site-button-domain">{current.domains[0]}</span>}
          </span>
          <Icon name="chevronDown" size={14} className="muted-icon" />
        </>
      }
      panelClass="site-panel"
    >
      {(close) => (
        <div>
          <div className="menu-heading">Sites</div>
          <ul className="menu-list" role="menu">
            {sites.map((s) => (
              <li key={s.id}>
                <button
                  type="button"
                  role="menuitemradio"
                  aria-checked={s.id === current?.id}
                  className={`menu-item ${s.id === current?.id ? 'menu-item-active' : ''}`}
                  onClick={() => {
                    rememberSite(s.key);
                    navigate(switchSitePath(pathname, search, s.key));
                    close();
                  }}
                >
                  <span className="menu-item-main">
                    <span className="truncate">{s.name}</span>
                    <span className="menu-sub truncate">{s.domains.join(', ') || s.key}</span>
                  </span>
                  {s.id === current?.id && <Icon name="check" size={14} />}
                </button>
              </li>
            ))}
          </ul>
          <div className="menu-footer">
            <Link to="/settings/sites" className="menu-link" onClick={close}>
              <Icon name="settings" size={14} /> Manage sites
            </Link>
          </div>
        </div>
      )}
    </Popover>
  );
}
