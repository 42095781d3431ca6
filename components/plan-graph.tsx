'use client';
import { useEffect, useMemo } from 'react';
import { Background, Controls, MarkerType, ReactFlow, getViewportForBounds, useReactFlow, useStore, type Edge, type Node } from '@xyflow/react';
import '@xyflow/react/dist/style.css';

export type PlanGraphInput = {
  waves: string[][];
  edges: Array<{ task: string; dependsOn: string; kind: string; reason: string }>;
  conflicts: Array<{ tasks: [string, string]; files: string[]; separatedBy: string }>;
  titles?: Record<string, string>;
  forecast?: Record<string, { inputTokens: number; outputTokens: number; costUsd: number | null }>;
  /** Task statuses once the run started, to colour the nodes. */
  statuses?: Record<string, string>;
};

const COLUMN_WIDTH = 280;
const NODE_WIDTH = 220;
const ROW_HEIGHT = 96;
/** Never zoom in past 100 %: one task is a card, not a poster. */
const MAX_ZOOM = 1;

const STATUS_FILL: Record<string, string> = { succeeded: '#ecfdf5', running: '#eef2ff', failed: '#fef2f2', dead: '#fef2f2', cancelled: '#f1f5f9' };

/** Zoomed out this far at most: a plan of several waves still fits a phone. */
const MIN_ZOOM = 0.2;
const PADDING = 0.2;
const FIT = { maxZoom: MAX_ZOOM, minZoom: MIN_ZOOM, padding: PADDING } as const;

/**
 * Fits the plan once its nodes are measured, and again when the graph's size changes (a phone
 * turned, a window resized). Measured is read from the store's internal nodes: with controlled
 * nodes and no onNodesChange, the nodes passed in never carry their measured size, so
 * `useNodesInitialized()` stays false and a plan fitted at 1440 px stayed off-screen at 390 px
 * (seen in e2e/run-page.spec.ts). The viewport is computed and set here for the same reason:
 * `fitView()` waits for the nodes to count as initialised.
 */
function RefitOnResize() {
  const { getNodesBounds, setViewport } = useReactFlow();
  const width = useStore((s) => s.width);
  const height = useStore((s) => s.height);
  const measuredIds = useStore((s) => {
    const ids: string[] = [];
    for (const [id, n] of s.nodeLookup) {
      if (!n.measured.width || !n.measured.height) return '';
      ids.push(id);
    }
    return ids.join('\n');
  });
  useEffect(() => {
    if (!width || !height || !measuredIds) return;
    void setViewport(getViewportForBounds(getNodesBounds(measuredIds.split('\n')), width, height, MIN_ZOOM, MAX_ZOOM, PADDING));
  }, [width, height, measuredIds, getNodesBounds, setViewport]);
  return null;
}

function plural(n: number, one: string, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * The plan as a picture: one column per wave (the waves are the layers of the dependency graph,
 * so the layout follows from the plan itself), an arrow per dependency labelled with its kind,
 * and tasks in a predicted conflict outlined in red. Its height follows the tallest wave.
 */
export function PlanGraph({ plan }: { plan: PlanGraphInput }) {
  const { nodes, edges } = useMemo(() => {
    const inConflict = new Set(plan.conflicts.flatMap((c) => c.tasks));
    const nodes: Node[] = plan.waves.flatMap((wave, w) =>
      wave.map((id, i) => {
        const f = plan.forecast?.[id];
        const status = plan.statuses?.[id];
        return {
          id,
          position: { x: w * COLUMN_WIDTH, y: i * ROW_HEIGHT },
          data: {
            label: (
              <div className="text-left text-xs" aria-label={`Task ${id}${inConflict.has(id) ? ', predicted conflict' : ''}`}>
                <strong>{id}</strong> {plan.titles?.[id] ?? ''}
                <div className="text-slate-500">
                  Wave {w + 1}
                  {status ? ` · ${status}` : f ? ` · ~${Math.max(1, Math.round((f.inputTokens + f.outputTokens) / 1000))}k tokens` : ''}
                </div>
              </div>
            ),
          },
          style: { width: NODE_WIDTH, border: inConflict.has(id) ? '2px solid #dc2626' : '1px solid #94a3b8', borderRadius: 8, background: (status && STATUS_FILL[status]) || '#fff' },
        } satisfies Node;
      }),
    );
    const edges: Edge[] = plan.edges.map((e, i) => ({
      id: `e${i}`,
      source: e.dependsOn,
      target: e.task,
      label: e.kind,
      markerEnd: { type: MarkerType.ArrowClosed },
      style: e.kind === 'same-file' ? { stroke: '#dc2626', strokeDasharray: '4 3' } : undefined,
    }));
    return { nodes, edges };
  }, [plan]);

  const rows = Math.max(1, ...plan.waves.map((w) => w.length));
  const heightPx = Math.min(448, Math.max(160, rows * ROW_HEIGHT + 64));

  return (
    <div
      style={{ height: heightPx }}
      className="rounded-md border bg-slate-50"
      role="img"
      aria-label={`Plan: ${plural(plan.waves.length, 'wave')}, ${plural(nodes.length, 'task')}, ${plural(plan.conflicts.length, 'predicted conflict')}`}
    >
      <ReactFlow
        nodes={nodes}
        edges={edges}
        fitView
        fitViewOptions={FIT}
        minZoom={MIN_ZOOM}
        maxZoom={2}
        nodesDraggable={false}
        nodesConnectable={false}
        preventScrolling={false}
        proOptions={{ hideAttribution: true }}
      >
        <Background />
        <Controls showInteractive={false} />
        <RefitOnResize />
      </ReactFlow>
    </div>
  );
}
