// The issue-12 analysis endpoints (segments, journeys, funnels, cohorts), over `requestJson` until the generated
// schema describes them. Every analytical call takes the query `apiQuery` builds (range, filters, segment).
import { ApiError, requestJson } from './client';
import type {
  CohortsResponse,
  FunnelDefinition,
  FunnelRequest,
  FunnelResponse,
  FunnelsResponse,
  PathsResponse,
  SavedFunnel,
  SavedSegment,
  SegmentsResponse,
  SessionPage,
} from './types';

type Query = Record<string, string | number | boolean | undefined>;

const sitePath = (site: string, rest: string) => `/api/v1/sites/${encodeURIComponent(site)}/${rest}`;

export const listSegments = (site: string, signal?: AbortSignal) => requestJson<SegmentsResponse>('GET', sitePath(site, 'segments'), { signal });
export const createSegment = (site: string, name: string, expression: string) =>
  requestJson<SavedSegment>('POST', sitePath(site, 'segments'), { body: { name, expression } });
export const deleteSegment = (site: string, id: number) => requestJson<void>('DELETE', sitePath(site, `segments/${id}`));

/**
 * Whether the server accepts a segment expression: null when it does, else its message (an invalid expression
 * answers 400 naming the offending part). Asks for one session of today, the cheapest filtered read.
 */
export async function checkSegment(site: string, expression: string, today: string, signal?: AbortSignal): Promise<string | null> {
  try {
    await requestJson<SessionPage>('GET', sitePath(site, 'sessions'), { query: { from: today, to: today, limit: 1, segment: expression }, signal });
    return null;
  } catch (e) {
    if (e instanceof ApiError && e.status >= 400 && e.status < 500 && e.status !== 401) return e.message;
    throw e;
  }
}

export const getPaths = (site: string, query: Query, signal?: AbortSignal) => requestJson<PathsResponse>('GET', sitePath(site, 'paths'), { query, signal });
export const getPathSessions = (site: string, query: Query, signal?: AbortSignal) =>
  requestJson<SessionPage>('GET', sitePath(site, 'paths/sessions'), { query, signal });

export const runFunnel = (site: string, body: FunnelRequest, signal?: AbortSignal) => requestJson<FunnelResponse>('POST', sitePath(site, 'funnel'), { body, signal });
export const getFunnelSessions = (site: string, body: FunnelRequest & { step: number; outcome: 'dropped' | 'reached'; limit: number }, signal?: AbortSignal) =>
  requestJson<SessionPage>('POST', sitePath(site, 'funnel/sessions'), { body, signal });
export const listFunnels = (site: string, signal?: AbortSignal) => requestJson<FunnelsResponse>('GET', sitePath(site, 'funnels'), { signal });
export const createFunnel = (site: string, name: string, definition: FunnelDefinition) =>
  requestJson<SavedFunnel>('POST', sitePath(site, 'funnels'), { body: { name, definition } });
export const deleteFunnel = (site: string, id: number) => requestJson<void>('DELETE', sitePath(site, `funnels/${id}`));

export const getCohorts = (site: string, query: Query, signal?: AbortSignal) => requestJson<CohortsResponse>('GET', sitePath(site, 'retention'), { query, signal });
