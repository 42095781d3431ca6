'use client';
import { useMemo } from 'react';
import { Background, Controls, MarkerType, ReactFlow, type Edge, type Node } from '@xyflow/react';
import '@xyflow/react/dist/style.css';

export type PlanGraphInput = {
  waves: string[][];
  edges: Array<{ task: string; dependsOn: string; kind: string; reason: string }>;
  conflicts: Array<{ tasks: [string, string]; files: string[]; separatedBy: string }>;
  titles?: Record<string, string>;
  forecast?: Record<string, { inputTokens: number; outputTokens: number; costUsd: number | null }>;
};

const COLUMN_WIDTH = 300;
const ROW_HEIGHT = 110;

/**
 * The plan as a picture: one column per wave (the waves are the layers of the dependency graph,
 * so the layout follows from the plan itself), an arrow per dependency labelled with its kind,
 * and tasks in a predicted conflict outlined in red.
 */
export function PlanGraph({ plan }: { plan: PlanGraphInput }) {
  const { nodes, edges } = useMemo(() => {
    const inConflict = new Set(plan.conflicts.flatMap((c) => c.tasks));
    const nodes: Node[] = plan.waves.flatMap((wave, w) =>
      wave.map((id, i) => {
        const f = plan.forecast?.[id];
        return {
          id,
          position: { x: w * COLUMN_WIDTH, y: i * ROW_HEIGHT },
          data: {
            label: (
              <div className="text-left text-xs" aria-label={`Task ${id}${inConflict.has(id) ? ', predicted conflict' : ''}`}>
                <strong>{id}</strong> {plan.titles?.[id] ?? ''}
                {f && (
                  <div className="text-slate-500">
                    ~{Math.round((f.inputTokens + f.outputTokens) / 1000)}k tokens{f.costUsd !== null ? ` · $${f.costUsd.toFixed(2)}` : ''}
                  </div>
                )}
              </div>
            ),
          },
          style: { width: 240, border: inConflict.has(id) ? '2px solid #dc2626' : '1px solid #94a3b8', borderRadius: 8, background: '#fff' },
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

  return (
    <div className="h-[28rem] rounded-md border bg-slate-50" role="img" aria-label={`Plan: ${plan.waves.length} waves, ${nodes.length} tasks, ${plan.conflicts.length} predicted conflicts`}>
      <ReactFlow nodes={nodes} edges={edges} fitView nodesDraggable={false} nodesConnectable={false} proOptions={{ hideAttribution: true }}>
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
