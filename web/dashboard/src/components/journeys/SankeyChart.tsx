// The journey's sankey: pages (or events) per step, left to right, link widths = sessions, drop-offs in grey.
// Over the canvas, one invisible focusable button per node (placed from the chart's own layout) gives keyboard
// and screen-reader users the nodes and their counts; pointer clicks pass through to the chart. Each link's
// middle is marked too (hidden, `data-link`: where a pointer click picks that link, for the browser tests).
import { lazy, Suspense, useCallback, useMemo, useState } from 'react';
import { formatNumber, formatPercent } from '../../lib/format';
import { sankeyHeight, type SankeyLink, type SankeyModel, type SankeyNode } from '../../lib/journeys';
import type { ChartClick, EChartsInstance } from '../EChart';
import { Skeleton } from '../ui';

const EChart = lazy(() => import('../EChart'));

const KIND_COLORS: Record<SankeyNode['kind'], string> = { page: '#4f46e5', event: '#0ea5e9', other: '#94a3b8', exit: '#d1d5db' };
/** Room per column for a node and its label. */
const COLUMN_PX = 150;
const LABEL_PX = 150;
/** The last column's labels also say how many left there. */
const LAST_LABEL_PX = 190;

interface NodeBox {
  id: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The middle of a link's band, and its thickness. */
interface LinkMark {
  index: number;
  x: number;
  y: number;
  h: number;
}

interface Layouts {
  nodes: NodeBox[];
  links: LinkMark[];
}

export function SankeyChart({
  model,
  onNode,
  onLink,
  ariaLabel,
  testId,
}: {
  model: SankeyModel;
  onNode: (n: SankeyNode) => void;
  onLink: (l: SankeyLink) => void;
  ariaLabel: string;
  testId?: string;
}) {
  const height = sankeyHeight(model);
  const option = useMemo(() => sankeyOption(model), [model]);
  const [layouts, setLayouts] = useState<Layouts>({ nodes: [], links: [] });
  const byId = useMemo(() => new Map(model.nodes.map((n) => [n.id, n])), [model]);

  const onClick = useCallback(
    (p: ChartClick) => {
      if (p.seriesType !== 'sankey') return;
      if (p.dataType === 'node') onNode(model.nodes[p.dataIndex]!);
      else if (p.dataType === 'edge') onLink(model.links[p.dataIndex]!);
    },
    [model, onNode, onLink],
  );
  const onRendered = useCallback(
    (chart: EChartsInstance) => {
      const next = chartLayouts(chart, model);
      setLayouts((prev) => (JSON.stringify(prev) === JSON.stringify(next) ? prev : next));
    },
    [model],
  );

  return (
    <div className="sankey-scroll">
      <div className="sankey" style={{ minWidth: (model.columns - 1) * COLUMN_PX + LAST_LABEL_PX, height }} data-testid={testId}>
        <Suspense fallback={<Skeleton height={height} />}>
          <EChart option={option} height={height} ariaLabel={ariaLabel} onClick={onClick} onRendered={onRendered} />
        </Suspense>
        <div className="sankey-hotspots">
          {layouts.links.map((m) => {
            const l = model.links[m.index];
            if (!l) return null;
            return (
              <span
                key={`link-${m.index}`}
                className="sankey-link-mark"
                aria-hidden="true"
                style={{ left: m.x, top: m.y }}
                data-link={l.kind}
                data-step={l.step}
                data-node={l.node}
                data-next={l.next}
                data-sessions={l.value}
                data-thickness={m.h}
              />
            );
          })}
          {layouts.nodes.map((b) => {
            const n = byId.get(b.id);
            if (!n) return null;
            return (
              <button
                key={b.id}
                type="button"
                className="sankey-hotspot"
                style={{ left: b.x, top: b.y, width: b.w, height: Math.max(b.h, 4) }}
                data-node={n.name}
                data-step={n.step}
                data-kind={n.kind}
                data-sessions={n.sessions}
                data-exits={n.exits}
                aria-label={nodeText(n)}
                title={nodeText(n)}
                disabled={n.kind === 'exit'}
                onClick={() => onNode(n)}
              />
            );
          })}
        </div>
      </div>
    </div>
  );
}

function nodeText(n: SankeyNode): string {
  if (n.kind === 'exit') return `${n.name} after step ${n.step + 1}: ${formatNumber(n.sessions)} sessions`;
  return `Step ${n.step + 1}: ${n.name} — ${formatNumber(n.sessions)} sessions, ${formatNumber(n.exits)} left here (${formatPercent(n.sessions ? n.exits / n.sessions : 0)})`;
}

type NodeLayout = { x: number; y: number; dx: number; dy: number };
type EdgeLayout = { sy: number; ty: number; dy: number };
/** The parts of ECharts' series model read here (not in its public types). */
interface SankeySeriesModel {
  layoutInfo?: { x: number; y: number };
  getData: () => { getItemLayout: (i: number) => NodeLayout | undefined };
  getGraph: () => { edges: { dataIndex: number; getLayout: () => EdgeLayout; node1: { getLayout: () => NodeLayout }; node2: { getLayout: () => NodeLayout } }[] };
}

/** Where ECharts laid the nodes and links out, in px from the chart's top left (its series' box + the layouts). */
function chartLayouts(chart: EChartsInstance, model: SankeyModel): Layouts {
  const series = (chart as unknown as { getModel: () => { getSeriesByIndex: (i: number) => unknown } }).getModel().getSeriesByIndex(0) as SankeySeriesModel | undefined;
  if (!series?.layoutInfo) return { nodes: [], links: [] };
  const { x: ox, y: oy } = series.layoutInfo;
  const data = series.getData();
  const nodes: NodeBox[] = [];
  model.nodes.forEach((n, i) => {
    const l = data.getItemLayout(i);
    if (l) nodes.push({ id: n.id, x: Math.round(ox + l.x), y: Math.round(oy + l.y), w: Math.round(l.dx), h: Math.round(l.dy) });
  });
  // a link's band starts at its source's right edge (sy down from its top) and ends at its target's left edge;
  // the curve is symmetric, so its middle is halfway between the two, half its thickness down
  const links = series.getGraph().edges.map((e) => {
    const [a, b, l] = [e.node1.getLayout(), e.node2.getLayout(), e.getLayout()];
    const [x1, y1, x2, y2] = [a.x + a.dx, a.y + l.sy, b.x, b.y + l.ty];
    return { index: e.dataIndex, x: Math.round(ox + (x1 + x2) / 2), y: Math.round(oy + (y1 + y2) / 2 + l.dy / 2), h: Math.round(l.dy) };
  });
  return { nodes, links };
}

function sankeyOption(model: SankeyModel) {
  const nodes = model.nodes.map((n) => ({
    name: n.id,
    depth: n.depth,
    value: n.sessions,
    itemStyle: { color: KIND_COLORS[n.kind], borderWidth: 0 },
    label:
      n.kind === 'exit'
        ? { color: '#6b7280', fontStyle: 'italic' as const }
        : !model.backward && n.step === model.lastStep
          ? { width: LAST_LABEL_PX - 14 }
          : undefined,
    emphasis: n.kind === 'exit' ? { disabled: true } : undefined,
  }));
  const links = model.links.map((l) => ({
    source: l.source,
    target: l.target,
    value: l.value,
    lineStyle: l.kind === 'exit' ? { color: '#d1d5db', opacity: 0.55 } : undefined,
  }));
  const byId = new Map(model.nodes.map((n) => [n.id, n]));
  return {
    animation: false,
    tooltip: {
      trigger: 'item',
      backgroundColor: '#ffffff',
      borderColor: '#e5e7eb',
      textStyle: { color: '#111827', fontSize: 12 },
      // ECharts renders tooltips as HTML: page names are escaped
      formatter: (p: { dataType?: string; dataIndex: number }) =>
        escapeHtml(p.dataType === 'edge' ? linkTooltip(model.links[p.dataIndex]!, byId) : nodeText(model.nodes[p.dataIndex]!)),
    },
    series: [
      {
        type: 'sankey',
        left: 8,
        right: LAST_LABEL_PX,
        top: 12,
        bottom: 12,
        nodeWidth: 12,
        nodeGap: 14,
        layoutIterations: 0,
        draggable: false,
        emphasis: { focus: 'adjacency' },
        data: nodes,
        links,
        lineStyle: { color: 'source', curveness: 0.5, opacity: 0.28 },
        label: {
          position: 'right',
          fontSize: 11.5,
          color: '#374151',
          width: LABEL_PX - 14,
          overflow: 'truncate',
          formatter: (p: { dataIndex: number }) => {
            const n = model.nodes[p.dataIndex]!;
            // forward, the last column has room for its drop-off figure (backward, it is the leftmost: tooltip only)
            const lastColumn = !model.backward && n.kind !== 'exit' && n.step === model.lastStep && n.exits > 0;
            return lastColumn ? `${n.name}  ${formatNumber(n.sessions)} · ${formatNumber(n.exits)} left` : `${n.name}  ${formatNumber(n.sessions)}`;
          },
        },
        labelLayout: { hideOverlap: true },
      },
    ],
  };
}

function linkTooltip(l: SankeyLink, byId: Map<string, SankeyNode>): string {
  const from = byId.get(l.source);
  const share = from && from.sessions ? ` (${formatPercent(l.value / from.sessions)} of ${from.kind === 'exit' ? 'them' : from.name})` : '';
  if (l.kind === 'exit') return `${formatNumber(l.value)} sessions ${from?.kind === 'exit' ? `started at ${l.node}` : `left after ${l.node}`}${share}`;
  return `${from?.name ?? ''} → ${byId.get(l.target)?.name ?? ''}: ${formatNumber(l.value)} sessions${share}`;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
