// Visitors / sessions / pageviews per day, as a line chart. Missing days are drawn as zero.
import { lazy, Suspense, useMemo } from 'react';
import type { SeriesPoint } from '../api/types';
import { eachDay, shortDay, type DateRange } from '../lib/dates';
import { formatCompact, formatNumber } from '../lib/format';
import { Skeleton } from './ui';

const EChart = lazy(() => import('./EChart'));

export const SERIES_METRICS = [
  { key: 'visitors', label: 'Visitors', color: '#4f46e5' },
  { key: 'sessions', label: 'Sessions', color: '#0ea5e9' },
  { key: 'pageviews', label: 'Pageviews', color: '#f59e0b' },
] as const;

/** One value per day of the range (zero where the API had no row). */
export function fillSeries(series: readonly SeriesPoint[], range: DateRange): SeriesPoint[] {
  const byDay = new Map(series.map((p) => [p.day, p]));
  return eachDay(range).map((day) => byDay.get(day) ?? { day, visitors: 0, sessions: 0, pageviews: 0 });
}

export function TimeSeriesChart({ series, range, height = 280 }: { series: readonly SeriesPoint[]; range: DateRange; height?: number }) {
  const option = useMemo(() => {
    const points = fillSeries(series, range);
    const multiYear = range.from.slice(0, 4) !== range.to.slice(0, 4);
    return {
      animation: false,
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      legend: {
        top: 0,
        left: 0,
        icon: 'roundRect',
        itemWidth: 10,
        itemHeight: 10,
        textStyle: { color: '#4b5563', fontSize: 12 },
      },
      tooltip: {
        trigger: 'axis',
        backgroundColor: '#ffffff',
        borderColor: '#e5e7eb',
        textStyle: { color: '#111827', fontSize: 12 },
        valueFormatter: (v: unknown) => formatNumber(Number(v)),
      },
      xAxis: {
        type: 'category',
        boundaryGap: false,
        data: points.map((p) => shortDay(p.day, multiYear)),
        axisLine: { lineStyle: { color: '#e5e7eb' } },
        axisTick: { show: false },
        axisLabel: { color: '#6b7280', fontSize: 11, hideOverlap: true },
      },
      yAxis: {
        type: 'value',
        minInterval: 1,
        splitLine: { lineStyle: { color: '#f1f3f6' } },
        axisLabel: { color: '#6b7280', fontSize: 11, formatter: (v: number) => formatCompact(v) },
      },
      series: SERIES_METRICS.map((m, i) => ({
        name: m.label,
        type: 'line',
        smooth: 0.2,
        smoothMonotone: 'x',
        symbol: points.length > 45 ? 'none' : 'circle',
        symbolSize: 5,
        showSymbol: points.length <= 45,
        data: points.map((p) => p[m.key]),
        lineStyle: { width: i === 0 ? 2.5 : 1.75, color: m.color },
        itemStyle: { color: m.color },
        areaStyle: i === 0 ? { color: 'rgba(79,70,229,0.08)' } : undefined,
        emphasis: { focus: 'series' },
      })),
    };
  }, [series, range]);

  return (
    <Suspense fallback={<Skeleton height={height} />}>
      <EChart option={option} height={height} ariaLabel="Visitors, sessions and pageviews per day" />
    </Suspense>
  );
}
