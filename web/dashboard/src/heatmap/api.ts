// Calls of the heatmap page. The snapshot and sessions endpoints are not in openapi.json yet: they go
// through the same client (CSRF, 401 handling, readable errors) with hand-written types (api/types.ts).
import { api, unwrap } from '../api/client';
import { MAX_RANGE_DAYS, addDays, isoDay } from '../lib/dates';
import type { HeatmapKind, HeatmapResponse, HeatmapSessionsResponse, HeatmapSnapshotResponse, ZonesResponse } from '../api/types';

type Query = Record<string, string>;

interface UntypedGet {
  GET(path: string, init: { params: { path: { site: string }; query: Query }; signal?: AbortSignal }): Promise<{ data?: unknown; error?: unknown; response: Response }>;
}
const untyped = api as unknown as UntypedGet;

export function loadHeatmap(site: string, query: Query, kind: HeatmapKind, signal: AbortSignal): Promise<HeatmapResponse> {
  const q = { page: '', ...query, kind };
  return unwrap(api.GET('/api/v1/sites/{site}/heatmap', { params: { path: { site }, query: q }, signal }));
}

export function loadZones(site: string, query: Query, signal: AbortSignal): Promise<ZonesResponse> {
  const q = { page: '', ...query };
  return unwrap(api.GET('/api/v1/sites/{site}/zones', { params: { path: { site }, query: q }, signal }));
}

/**
 * The snapshot to draw a panel on: the newest in its range, else (data of an older period, a range before
 * the page was recorded) the newest of the longest range the API takes, up to today. `outOfRange` says so.
 */
export async function loadPanelSnapshot(site: string, query: Query, signal: AbortSignal, now = Date.now()): Promise<HeatmapSnapshotResponse & { outOfRange: boolean }> {
  const inRange = await loadSnapshot(site, query, signal);
  if (inRange.snapshot) return { ...inRange, outOfRange: false };
  const to = isoDay(now);
  const wider = await loadSnapshot(site, { ...query, from: addDays(to, -(MAX_RANGE_DAYS - 1)), to }, signal);
  return { ...wider, outOfRange: wider.snapshot !== null };
}

export async function loadSnapshot(site: string, query: Query, signal: AbortSignal): Promise<HeatmapSnapshotResponse> {
  const { page, from, to, device } = query;
  const q: Query = { page: page ?? '' };
  if (from) q.from = from;
  if (to) q.to = to;
  if (device) q.device = device;
  return (await unwrap(untyped.GET('/api/v1/sites/{site}/heatmap/snapshot', { params: { path: { site }, query: q }, signal }))) as HeatmapSnapshotResponse;
}

export async function loadClickSessions(site: string, query: Query, selector: string, signal: AbortSignal): Promise<HeatmapSessionsResponse> {
  return (await unwrap(untyped.GET('/api/v1/sites/{site}/heatmap/sessions', { params: { path: { site }, query: { ...query, selector } }, signal }))) as HeatmapSessionsResponse;
}
