'use client';
import { useEffect, useMemo } from 'react';
import { Background, Controls, MarkerType, ReactFlow, useNodesInitialized, useReactFlow, useStore, type Edge, type Node } from '@xyflow/react';
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

const FIT = { maxZoom: MAX_ZOOM, padding: 0.2 } as const;

/** Fits the plan once its nodes are measured, and again when the graph's width changes (a phone turned, a window resized). */
function RefitOnResize() {
  const { fitView } = useReactFlow();
  const width = useStore((s) => s.width);
  const measured = useNodesInitialized();
  useEffect(() => {
    if (width > 0 && measured) void fitView(FIT);
  }, [width, measured, fitView]);
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
