// A tiny ECharts wrapper over `echarts/core` with only what the dashboard draws (tree-shaken).
// Loaded lazily (see TimeSeriesChart.tsx), so pages without charts never download ECharts.
// Add a chart type here when a page needs one (e.g. SankeyChart for journeys, FunnelChart for funnels).
import { LineChart } from 'echarts/charts';
import { GridComponent, LegendPlainComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';

echarts.use([LineChart, GridComponent, TooltipComponent, LegendPlainComponent, CanvasRenderer]);

export type EChartsOption = echarts.EChartsCoreOption;

export default function EChart({ option, height = 280, ariaLabel }: { option: EChartsOption; height?: number; ariaLabel?: string }) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);

  useEffect(() => {
    if (!el.current) return;
    const c = echarts.init(el.current, undefined, { renderer: 'canvas' });
    chart.current = c;
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

  return <div ref={el} className="echart" style={{ height }} role="img" aria-label={ariaLabel} />;
}
