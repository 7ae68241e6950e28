// The funnel's charts: steps as bars (one segment: those who reached each step, and in grey those lost since
// the previous step — a click there lists them; two segments: % of starters reaching each step, side by side)
// and the daily conversion (started → completed) as lines.
import { lazy, Suspense, useEffect, useMemo, useRef, useState, type RefObject } from 'react';
import type { FunnelDefinition, FunnelResponse } from '../../api/types';
import { formatCompact, formatNumber, formatPercent } from '../../lib/format';
import { stepName } from '../../lib/funnels';
import { SEGMENT_COLORS, type ComparedSegment } from '../../lib/segments';
import { parseIsoDay, shortDay } from '../../lib/dates';
import type { ChartClick } from '../EChart';
import { Skeleton } from '../ui';

const EChart = lazy(() => import('../EChart'));

export interface FunnelSide {
  segment: ComparedSegment;
  data: FunnelResponse;
}

const AXIS = {
  axisLine: { lineStyle: { color: '#e5e7eb' } },
  axisTick: { show: false },
  axisLabel: { color: '#6b7280', fontSize: 11 },
};
/** Width of a step (px) below which two side-by-side percentage labels would overlap. */
const MIN_STEP_WIDTH_FOR_TWO_LABELS = 90;
const TOOLTIP = { backgroundColor: '#ffffff', borderColor: '#e5e7eb', textStyle: { color: '#111827', fontSize: 12 } };

/** Category labels of the steps: "1. /pricing". */
function categories(def: FunnelDefinition, data: FunnelResponse): string[] {
  return data.steps.map((s, i) => `${i + 1}. ${stepName(def.steps[i], s, i)}`);
}

export function FunnelBarChart({
  def,
  sides,
  onDropoff,
}: {
  def: FunnelDefinition;
  sides: readonly FunnelSide[];
  /** A click on the lost part of bar k: those who reached step k − 1 and not k. */
  onDropoff: (side: ComparedSegment, fromStep: number) => void;
}) {
  const comparing = sides.length > 1;
  const [box, width] = useWidth();
  // each step's label gets its share of the width (truncated; the tooltip and the table have the whole name)
  const labelWidth = Math.max(40, Math.floor((width - 60) / Math.max(1, def.steps.length)) - 10);
  const option = useMemo(
    () => (comparing ? compareOption(def, sides, labelWidth) : singleOption(def, sides[0]!.data, labelWidth)),
    [def, sides, comparing, labelWidth],
  );
  const height = 300;
  return (
    <div ref={box}>
      <Suspense fallback={<Skeleton height={height} />}>
        <EChart
          option={option}
          height={height}
          testId="funnel-chart"
          ariaLabel="Sessions reaching each funnel step"
          onClick={(p: ChartClick) => {
            if (comparing) {
              const side = sides[p.seriesIndex ?? 0];
              if (side && p.dataIndex > 0) onDropoff(side.segment, p.dataIndex - 1);
            } else if (p.seriesIndex === 1 && p.dataIndex > 0) onDropoff(sides[0]!.segment, p.dataIndex - 1);
          }}
        />
      </Suspense>
    </div>
  );
}

/** A ref for an element and its width in px (updated on resize). */
function useWidth(): [RefObject<HTMLDivElement | null>, number] {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(800);
  useEffect(() => {
    if (!ref.current) return;
    const ro = new ResizeObserver(([e]) => setWidth(Math.round(e!.contentRect.width)));
    ro.observe(ref.current);
    return () => ro.disconnect();
  }, []);
  return [ref, width];
}

function singleOption(def: FunnelDefinition, data: FunnelResponse, labelWidth: number) {
  const cats = categories(def, data);
  const lost = data.steps.map((s, i) => (i === 0 ? 0 : Math.max(0, data.steps[i - 1]!.count - s.count)));
  const tallest = Math.max(1, ...data.steps.map((s) => s.count));
  return {
    animation: false,
    grid: { left: 8, right: 16, top: 28, bottom: 8, containLabel: true },
    tooltip: {
      ...TOOLTIP,
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      formatter: (ps: { dataIndex: number }[]) => {
        const i = ps[0]?.dataIndex ?? 0;
        const s = data.steps[i]!;
        const lines = [`<strong>${escapeHtml(cats[i]!)}</strong>`, `${formatNumber(s.count)} reached (${formatPercent(s.conversion_from_start)} of starters)`];
        if (i > 0) lines.push(`${formatNumber(lost[i])} lost since step ${i} (${formatPercent(1 - s.conversion_from_previous)}) — click to list them`);
        return lines.join('<br/>');
      },
    },
    xAxis: { type: 'category', data: cats, ...AXIS, axisLabel: { ...AXIS.axisLabel, interval: 0, width: labelWidth, overflow: 'truncate' } },
    yAxis: { type: 'value', minInterval: 1, splitLine: { lineStyle: { color: '#f1f3f6' } }, axisLabel: { color: '#6b7280', fontSize: 11, formatter: (v: number) => formatCompact(v) } },
    series: [
      {
        name: 'Reached',
        type: 'bar',
        stack: 'funnel',
        barMaxWidth: 72,
        data: data.steps.map((s) => s.count),
        itemStyle: { color: '#4f46e5' },
        // inside the bar when it is tall enough to hold the label (the table has every figure)
        label: {
          show: true,
          position: 'insideTop',
          color: '#ffffff',
          fontSize: 11,
          formatter: (p: { dataIndex: number }) => {
            const s = data.steps[p.dataIndex]!;
            return s.count >= tallest * 0.08 ? formatPercent(s.conversion_from_start) : '';
          },
        },
      },
      {
        name: 'Lost since the previous step',
        type: 'bar',
        stack: 'funnel',
        barMaxWidth: 72,
        data: lost,
        cursor: 'pointer',
        itemStyle: { color: '#e5e7eb', borderColor: '#d1d5db', borderType: 'dashed' },
        label: { show: true, position: 'insideTop', color: '#6b7280', fontSize: 11, formatter: (p: { dataIndex: number; value: number }) => (p.value >= tallest * 0.08 ? `−${formatCompact(p.value)}` : '') },
      },
    ],
  };
}

function compareOption(def: FunnelDefinition, sides: readonly FunnelSide[], labelWidth: number) {
  const cats = categories(def, sides[0]!.data);
  return {
    animation: false,
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    legend: { top: 0, left: 0, icon: 'roundRect', itemWidth: 10, itemHeight: 10, textStyle: { color: '#4b5563', fontSize: 12 } },
    tooltip: {
      ...TOOLTIP,
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      formatter: (ps: { dataIndex: number }[]) => {
        const i = ps[0]?.dataIndex ?? 0;
        return [
          `<strong>${escapeHtml(cats[i]!)}</strong>`,
          ...sides.map((s) => {
            const st = s.data.steps[i];
            return `${escapeHtml(s.segment.label)}: ${formatNumber(st?.count)} (${formatPercent(st?.conversion_from_start)})`;
          }),
        ].join('<br/>');
      },
    },
    xAxis: { type: 'category', data: cats, ...AXIS, axisLabel: { ...AXIS.axisLabel, interval: 0, width: labelWidth, overflow: 'truncate' } },
    yAxis: { type: 'value', max: 1, splitLine: { lineStyle: { color: '#f1f3f6' } }, axisLabel: { color: '#6b7280', fontSize: 11, formatter: (v: number) => formatPercent(v) } },
    series: sides.map((s) => ({
      name: s.segment.label,
      type: 'bar',
      barMaxWidth: 48,
      data: s.data.steps.map((st) => st.conversion_from_start),
      itemStyle: { color: SEGMENT_COLORS[s.segment.side] },
      // two bars per step: their labels only when a step has room for both
      label: { show: labelWidth >= MIN_STEP_WIDTH_FOR_TWO_LABELS, position: 'top', color: '#374151', fontSize: 11, formatter: (p: { value: number }) => formatPercent(p.value) },
    })),
  };
}

export function FunnelDailyChart({ sides }: { sides: readonly FunnelSide[] }) {
  const option = useMemo(() => {
    const days = [...new Set(sides.flatMap((s) => s.data.daily.map((d) => d.day)))].sort();
    const multiYear = days.length > 0 && days[0]!.slice(0, 4) !== days[days.length - 1]!.slice(0, 4);
    return {
      animation: false,
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      legend: { top: 0, left: 0, icon: 'roundRect', itemWidth: 10, itemHeight: 10, textStyle: { color: '#4b5563', fontSize: 12 } },
      tooltip: {
        ...TOOLTIP,
        trigger: 'axis',
        formatter: (ps: { dataIndex: number }[]) => {
          const day = days[ps[0]?.dataIndex ?? 0]!;
          return [
            `<strong>${day}</strong>`,
            ...sides.map((s) => {
              const d = s.data.daily.find((x) => x.day === day);
              const who = sides.length > 1 ? `${escapeHtml(s.segment.label)}: ` : '';
              return d ? `${who}${formatPercent(d.conversion)} (${formatNumber(d.completed)} of ${formatNumber(d.started)} completed)` : `${who}no starts`;
            }),
          ].join('<br/>');
        },
      },
      xAxis: { type: 'category', boundaryGap: false, data: days.map((d) => shortDay(parseIsoDay(d) ?? 0, multiYear)), ...AXIS, axisLabel: { ...AXIS.axisLabel, hideOverlap: true } },
      yAxis: { type: 'value', min: 0, splitLine: { lineStyle: { color: '#f1f3f6' } }, axisLabel: { color: '#6b7280', fontSize: 11, formatter: (v: number) => formatPercent(v) } },
      series: sides.map((s) => {
        const byDay = new Map(s.data.daily.map((d) => [d.day, d]));
        return {
          name: sides.length > 1 ? s.segment.label : 'Conversion',
          type: 'line',
          symbolSize: 5,
          showSymbol: days.length <= 45,
          connectNulls: false,
          data: days.map((d) => byDay.get(d)?.conversion ?? null),
          lineStyle: { width: 2.25, color: SEGMENT_COLORS[s.segment.side] },
          itemStyle: { color: SEGMENT_COLORS[s.segment.side] },
        };
      }),
    };
  }, [sides]);
  return (
    <Suspense fallback={<Skeleton height={240} />}>
      <EChart option={option} height={240} testId="funnel-daily" ariaLabel="Funnel conversion per day" />
    </Suspense>
  );
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
