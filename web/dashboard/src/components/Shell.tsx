// The authenticated layout: left navigation, top bar (site switcher, user menu), the shared toolbar
// (filters + date range) on analytics pages, and the page itself.
import { useEffect } from 'react';
import { NavLink, Outlet, matchPath, useLocation } from 'react-router';
import { ROUTES, NAV_SECTIONS, type AppRoute } from '../routes';
import { carriedSearch } from '../lib/paths';
import { useUser } from '../state/auth';
import { findSite, useCurrentSiteKey, useSites } from '../state/sites';
import { DateRangePicker } from './DateRangePicker';
import { FilterBar } from './FilterBar';
import { Icon, Logo } from './Icon';
import { SiteSwitcher } from './SiteSwitcher';
import { UserMenu } from './UserMenu';
import { ErrorBox, SkeletonRows, EmptyState } from './ui';
import { NoSites } from '../pages/NoSites';

export function matchRoute(pathname: string): AppRoute | undefined {
  return ROUTES.find((r) => matchPath(r.path, pathname));
}

export function Shell() {
  const { pathname, search } = useLocation();
  const route = matchRoute(pathname);
  const user = useUser();
  const { sites, error, loading, reload } = useSites();
  const siteKey = useCurrentSiteKey();
  const site = findSite(sites, siteKey);

  useEffect(() => {
    const parts = [route?.title, route?.siteScoped ? site?.name : undefined, 'Sightline'].filter(Boolean);
    document.title = parts.join(' · ');
  }, [route, site]);

  let body = <Outlet />;
  if (route?.adminOnly && user.role !== 'admin') {
    body = (
      <EmptyState icon="privacy" title="Admins only">
        <p>Only an admin can manage {route.title.toLowerCase()}. Ask an admin of this Sightline server.</p>
      </EmptyState>
    );
  } else if (route?.siteScoped) {
    if (!sites && loading) body = <SkeletonRows rows={6} />;
    else if (!sites && error) body = <ErrorBox title="Could not load your sites" message={error} onRetry={reload} />;
    else if (sites && sites.length === 0) body = <NoSites />;
    else if (sites && !site)
      body = (
        <EmptyState icon="sites" title="Site not found">
          <p>
            There is no site <code>{siteKey}</code>, or you do not have access to it.
          </p>
          <p>
            <NavLink to="/settings/sites">See your sites</NavLink>
          </p>
        </EmptyState>
      );
  }

  const navHref = (r: AppRoute) =>
    r.siteScoped ? (siteKey ? r.path.replace(':site', encodeURIComponent(siteKey)) + (r.filters ? carriedSearch(search) : '') : '/') : r.path;

  return (
    <div className="app">
      <aside className="sidebar">
        <NavLink to="/" className="brand" aria-label="Sightline home">
          <Logo size={28} />
          <span className="brand-name">Sightline</span>
        </NavLink>
        <nav className="nav" aria-label="Main">
          {NAV_SECTIONS.map((section) => {
            const items = ROUTES.filter((r) => r.nav?.section === section.id && (!r.adminOnly || user.role === 'admin'));
            if (items.length === 0) return null;
            return (
              <div className="nav-section" key={section.id}>
                <div className="nav-section-label">{section.label}</div>
                {items.map((r) => (
                  <NavLink
                    key={r.path}
                    to={navHref(r)}
                    className={({ isActive }) => `nav-item ${isActive || route === r || route?.navUnder === r.path ? 'nav-item-active' : ''}`}
                    title={r.nav!.label}
                  >
                    <Icon name={r.nav!.icon} size={17} />
                    <span className="nav-label">{r.nav!.label}</span>
                  </NavLink>
                ))}
              </div>
            );
          })}
        </nav>
      </aside>
      <div className="main">
        <header className="topbar">
          <SiteSwitcher />
          <div className="topbar-spacer" />
          <UserMenu />
        </header>
        <main className="content">
          {route?.filters && site && (
            <>
              <div className="toolbar">
                <h1 className="page-title">{route.title}</h1>
                <DateRangePicker />
              </div>
              <div className="toolbar-row2">
                <FilterBar />
              </div>
            </>
          )}
          {body}
        </main>
      </div>
    </div>
  );
}
