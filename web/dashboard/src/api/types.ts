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

/** A page's heatmap (only the lists of the requested `kind` are filled) and its parts. */
export type HeatmapResponse = S['HeatmapResponse'];
export type HeatmapKind = S['HeatmapKind'];
/** Clicks on one element at one position inside its box (`rx`, `ry`: 0..1). */
export type ClickPoint = S['ClickPoint'];
/** Pointer samples in one 20 px cell (`x`, `y`: its top left corner, page px). */
export type MoveCell = S['MoveCell'];
export type HoverSpot = S['HoverSpot'];
/** Share of pageviews reaching a depth (% of the document height). */
export type DepthShare = S['DepthShare'];
/** Mean ms per pageview a 5 % band was in view. */
export type DepthTime = S['DepthTime'];
export type Fold = S['Fold'];
/** What one element's visitors did on a page (rates 0..1, null without a denominator). */
export type ZoneStats = S['ZoneStats'];
export type ZonesResponse = S['ZonesResponse'];
export type Quantiles = S['Quantiles'];

/** rrweb events as stored: `type` 4 is Meta, 2 a full snapshot (the API leaves them untyped). */
export interface SnapshotEvent {
  type: number;
  timestamp: number;
  data: unknown;
}

/** The newest snapshot of a page (group) and device class in a range: a Meta and a full snapshot. */
export type HeatmapSnapshot = Omit<S['PageSnapshot'], 'events'> & { events: SnapshotEvent[] };
export type HeatmapSnapshotResponse = Omit<S['SnapshotResponse'], 'snapshot'> & { snapshot: HeatmapSnapshot | null };
/** A session that clicked an element on a page: `at` is its first such click (ms since the epoch). */
export type HeatmapSession = S['ZoneSession'];
export type HeatmapSessionsResponse = S['ZoneSessionsResponse'];

// ---- Issue 12 (segments, journeys, funnels, cohorts): hand-written from the API contract until the
// generated schema describes these endpoints.

/** A saved segment: a named segment expression of a site. */
export interface SavedSegment {
  id: number;
  name: string;
  expression: string;
  created_at: number;
}
export interface SegmentsResponse {
  segments: SavedSegment[];
}

export type PathNodeKind = 'page' | 'event' | 'other';
export type PathNodesMode = 'pages' | 'events' | 'all';

/** One node of a journey: a page (group) or event at a step; `exits`: sessions whose path ended there. */
export interface PathNode {
  id: string;
  step: number;
  name: string;
  kind: PathNodeKind;
  sessions: number;
  exits: number;
}
export interface PathLink {
  source: string;
  target: string;
  sessions: number;
}
export interface TopPath {
  steps: string[];
  sessions: number;
  /** The path ended (the session left) after its last step. */
  exited: boolean;
}
/** GET …/paths: `forward` from the entry or a start page, `backward` (step k = k steps before `end`). */
export interface PathsResponse {
  direction: 'forward' | 'backward';
  anchor: string;
  sessions: number;
  nodes: PathNode[];
  links: PathLink[];
  top_paths: TopPath[];
}

/** One funnel step: exactly one of `page`, `click`, `event`; `on_page` narrows a click or event step. (Saved
 * definitions come back with the unused ones as null.) */
export interface FunnelStepDef {
  page?: string | null;
  click?: string | null;
  event?: string | null;
  on_page?: string | null;
  label?: string | null;
}
export type FunnelOrder = 'loose' | 'strict';
export type FunnelUnit = 'session' | 'visitor';
export const FUNNEL_BREAKDOWNS = ['device', 'browser', 'os', 'channel', 'utm_source', 'utm_medium', 'utm_campaign', 'entry_page', 'visitor'] as const;
export type FunnelBreakdown = (typeof FUNNEL_BREAKDOWNS)[number];

/** What a funnel is (a saved funnel's `definition`); the request adds the range, filters and segment. */
export interface FunnelDefinition {
  steps: FunnelStepDef[];
  window_ms: number;
  order: FunnelOrder;
  unit: FunnelUnit;
  breakdown?: FunnelBreakdown | null;
}
export interface FunnelRequest extends FunnelDefinition {
  from: string;
  to: string;
  segment?: string;
  [filter: string]: unknown;
}
export interface FunnelStepResult {
  label: string;
  count: number;
  conversion_from_previous: number;
  conversion_from_start: number;
  drop_off: number;
  median_ms_to_next: number | null;
  p75_ms_to_next: number | null;
}
export interface FunnelDay {
  day: string;
  started: number;
  completed: number;
  conversion: number;
}
export interface FunnelResponse {
  unit: FunnelUnit;
  order: FunnelOrder;
  window_ms: number;
  steps: FunnelStepResult[];
  daily: FunnelDay[];
  breakdown?: { value: string; steps: FunnelStepResult[] }[];
}
export interface SavedFunnel {
  id: number;
  name: string;
  definition: FunnelDefinition;
  created_at: number;
}
export interface FunnelsResponse {
  funnels: SavedFunnel[];
}

/** A cohort: `returned[k]` = members active in period k (k = 0 is the cohort's own period). */
export interface Cohort {
  start: string;
  size: number;
  returned: number[];
}
export type CohortPeriod = 'day' | 'week';
export interface CohortsResponse {
  period: CohortPeriod;
  cohorts: Cohort[];
  /** Visitors who converted in the range: `returning_customers` had visited before their first converting
   * session, `repeat_customers` converted in two or more sessions (`repeat_purchase_rate` = repeat ÷ customers). */
  customers: { customers: number; returning_customers: number; repeat_customers?: number; repeat_purchase_rate: number };
}
