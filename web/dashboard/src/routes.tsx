// The route registry: one entry per page. Adding a page = one entry here + one component in pages/.
// - `siteScoped`: the path has `:site` (analytics pages live under /sites/:site/…); the site switcher
//   swaps it, keeping the range and filters.
// - `filters`: the page shows the shared date range picker and filter bar (state in the URL).
// - `nav`: where the page appears in the left navigation; `navUnder`: the nav entry (its path) highlighted
//   on a page that has none of its own (a replay highlights Sessions).
import type { ComponentType } from 'react';
import type { IconName } from './components/Icon';
import { ErrorsPage } from './pages/ErrorsPage';
import { FunnelsPage } from './pages/FunnelsPage';
import { HeatmapPage } from './pages/HeatmapPage';
import { JourneysPage } from './pages/JourneysPage';
import { MembersPage } from './pages/MembersPage';
import { OverviewPage } from './pages/OverviewPage';
import { PrivacyPage } from './pages/PrivacyPage';
import { ProblemsPage } from './pages/ProblemsPage';
import { ReplayPage } from './pages/ReplayPage';
import { RetentionPage } from './pages/RetentionPage';
import { SessionsPage } from './pages/SessionsPage';
import { SiteSettingsPage } from './pages/SiteSettingsPage';
import { SitesPage } from './pages/SitesPage';
import { TokensPage } from './pages/TokensPage';
import { UsersPage } from './pages/UsersPage';

export type NavSection = 'analytics' | 'settings';

export interface AppRoute {
  path: string;
  title: string;
  component: ComponentType;
  siteScoped?: boolean;
  filters?: boolean;
  adminOnly?: boolean;
  nav?: { label: string; icon: IconName; section: NavSection };
  navUnder?: string;
}

export const NAV_SECTIONS: readonly { id: NavSection; label: string }[] = [
  { id: 'analytics', label: 'Analytics' },
  { id: 'settings', label: 'Settings' },
];

export const ROUTES: readonly AppRoute[] = [
  {
    path: '/sites/:site/overview',
    title: 'Overview',
    component: OverviewPage,
    siteScoped: true,
    filters: true,
    nav: { label: 'Overview', icon: 'overview', section: 'analytics' },
  },
  {
    path: '/sites/:site/sessions',
    title: 'Sessions',
    component: SessionsPage,
    siteScoped: true,
    filters: true,
    nav: { label: 'Sessions', icon: 'sessions', section: 'analytics' },
  },
  {
    path: '/sites/:site/journeys',
    title: 'Journeys',
    component: JourneysPage,
    siteScoped: true,
    filters: true,
    nav: { label: 'Journeys', icon: 'journeys', section: 'analytics' },
  },
  {
    path: '/sites/:site/funnels',
    title: 'Funnels',
    component: FunnelsPage,
    siteScoped: true,
    filters: true,
    nav: { label: 'Funnels', icon: 'funnel', section: 'analytics' },
  },
  {
    path: '/sites/:site/retention',
    title: 'Retention',
    component: RetentionPage,
    siteScoped: true,
    filters: true,
    nav: { label: 'Retention', icon: 'cohorts', section: 'analytics' },
  },
  {
    path: '/sites/:site/heatmaps',
    title: 'Heatmaps',
    component: HeatmapPage,
    siteScoped: true,
    filters: true,
    nav: { label: 'Heatmaps', icon: 'heatmap', section: 'analytics' },
  },
  {
    path: '/sites/:site/problems',
    title: 'Problems',
    component: ProblemsPage,
    siteScoped: true,
    filters: true,
    nav: { label: 'Problems', icon: 'problems', section: 'analytics' },
  },
  {
    path: '/sites/:site/errors',
    title: 'Errors & performance',
    component: ErrorsPage,
    siteScoped: true,
    filters: true,
    nav: { label: 'Errors & performance', icon: 'activity', section: 'analytics' },
  },
  { path: '/sites/:site/replay/:session', title: 'Session replay', component: ReplayPage, siteScoped: true, navUnder: '/sites/:site/sessions' },
  { path: '/settings/sites', title: 'Sites', component: SitesPage, nav: { label: 'Sites', icon: 'sites', section: 'settings' } },
  { path: '/settings/sites/:site', title: 'Site settings', component: SiteSettingsPage, navUnder: '/settings/sites' },
  { path: '/settings/privacy', title: 'Privacy', component: PrivacyPage, nav: { label: 'Privacy', icon: 'privacy', section: 'settings' } },
  { path: '/settings/members', title: 'Members', component: MembersPage, nav: { label: 'Members', icon: 'members', section: 'settings' } },
  {
    path: '/settings/users',
    title: 'Users',
    component: UsersPage,
    adminOnly: true,
    nav: { label: 'Users', icon: 'users', section: 'settings' },
  },
  { path: '/settings/tokens', title: 'API tokens', component: TokensPage, nav: { label: 'API tokens', icon: 'tokens', section: 'settings' } },
];
