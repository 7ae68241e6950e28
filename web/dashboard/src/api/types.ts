// The schema names the dashboard relies on, in one place: when the server's generated OpenAPI document
// replaces src/api/openapi.json, a rename there is fixed here.
import type { components } from './schema';

type S = components['schemas'];

/** A site with its tracker snippet (`SiteView` = `Site` settings + `snippet`). */
export type Site = S['SiteView'];
export type SiteUpdate = S['SiteUpdate'];
export type User = S['User'];
export type Role = S['Role'];
export type Me = S['Me'];
/** `OverviewResponse` = `Overview` totals and breakdowns + `site_id`, `from`, `to`, `series`. */
export type Overview = S['OverviewResponse'];
export type Breakdown = S['Breakdown'];
export type SeriesPoint = S['SeriesPoint'];
export type Member = S['Member'];
/** What lowering a site's retention to `retention_days` would delete now. */
export type RetentionPreview = S['RetentionPreview'];
export type TokenInfo = S['TokenInfo'];
export type CreatedToken = S['CreatedToken'];
export type ErrorBody = S['ErrorBody'];
/** One row of the sessions list, and a page of them (`total`: all matching sessions). */
export type SessionSummary = S['SessionSummary'];
export type SessionPage = S['SessionPage'];
/** One stored event of a session (`ts` ms; `type` pageview, click, error, custom, …). */
export type StoredEvent = S['StoredEvent'];
export type SessionEvents = S['SessionEvents'];
/** One entry of a session's replay chunk index (playback order). */
export type ReplayChunk = S['ReplayChunk'];
/** A problem: a frustration kind on a page group (and element), what it costs, a hypothesis, links. */
export type Problem = S['Problem'];
export type ProblemsResponse = S['ProblemsResponse'];
/** A rate difference with its 95 % interval (0..1 rates). */
export type Interval = S['Interval'];
/** JS errors of one fingerprint, or failed requests of one method + URL pattern. */
export type IssueGroup = S['IssueGroup'];
/** Web vitals of one page group and device class. */
export type VitalStats = S['VitalStats'];
/** One detection of the analysis pass (the replay's frustration markers). */
export type Detection = S['StoredDetection'];
/** A session's plain-words summary (`text`, `moments`, `outcome`…); not the sessions list's `SessionSummary` row. */
export type SessionNarrative = S['SessionSummaryResponse'];
export type Moment = S['Moment'];

export const ROLES: readonly Role[] = ['admin', 'analyst', 'viewer'];

export const ROLE_LABELS: Record<Role, string> = {
  admin: 'Admin',
  analyst: 'Analyst',
  viewer: 'Viewer',
};

export const ROLE_HINTS: Record<Role, string> = {
  admin: 'everything, including users, sites and tokens',
  analyst: 'reports and site settings',
  viewer: 'reports only',
};
