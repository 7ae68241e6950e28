// A tiny ECharts wrapper over `echarts/core` with only what the dashboard draws (tree-shaken): line charts,
// bars (funnels) and sankeys (journeys). Loaded lazily (see TimeSeriesChart.tsx), so pages without charts
// never download ECharts. `onClick` gets ECharts' click parameters (`dataType` 'node' | 'edge' on a sankey).
import { BarChart, LineChart, SankeyChart } from 'echarts/charts';
import { GridComponent, LegendPlainComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';

echarts.use([LineChart, BarChart, SankeyChart, GridComponent, TooltipComponent, LegendPlainComponent, CanvasRenderer]);

export type EChartsOption = echarts.EChartsCoreOption;
export type EChartsInstance = echarts.ECharts;

/** The part of ECharts' event parameters the dashboard reads. */
export interface ChartClick {
  componentType?: string;
  seriesType?: string;
  seriesIndex?: number;
  dataType?: string;
  dataIndex: number;
  name?: string;
  data?: unknown;
}

export default function EChart({
  option,
  height = 280,
  ariaLabel,
  onClick,
  onRendered,
  testId,
}: {
  option: EChartsOption;
  height?: number;
  ariaLabel?: string;
  onClick?: (params: ChartClick) => void;
  /** After each completed render (animation included), with the chart instance. */
  onRendered?: (chart: echarts.ECharts) => void;
  testId?: string;
}) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  const clickRef = useRef(onClick);
  clickRef.current = onClick;
  const renderedRef = useRef(onRendered);
  renderedRef.current = onRendered;

  useEffect(() => {
    if (!el.current) return;
    const c = echarts.init(el.current, undefined, { renderer: 'canvas' });
    chart.current = c;
    c.on('click', (p) => clickRef.current?.(p as unknown as ChartClick));
    c.on('finished', () => renderedRef.current?.(c));
    const ro = new ResizeObserver(() => c.resize());
    ro.observe(el.current);
    return () => {
      ro.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption(option, { notMerge: true });
  }, [option]);

  useEffect(() => {
    chart.current?.resize();
  }, [height]);

  return <div ref={el} className="echart" style={{ height }} role="img" aria-label={ariaLabel} data-testid={testId} />;
}
