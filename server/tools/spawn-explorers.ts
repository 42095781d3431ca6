import { z } from 'zod/v4';
import { defineTool, listOf } from './define-tool';

export const MIN_EXPLORERS = 2;
export const MAX_EXPLORERS = 5;

export interface ExplorerMandate {
  name: string;
  mandate: string;
  paths?: string[];
}

export interface ExplorerReport {
  name: string;
  status: string;
  summary: string;
  findings: Array<{ title: string; detail?: string; files?: string[] }>;
  reason?: string;
}

export const description = `Start ${MIN_EXPLORERS}–${MAX_EXPLORERS} read-only explorer agents in parallel, each with a narrow mandate (e.g. "data layer: how are orders stored?", "API layer: which routes touch orders?", "tests: how are order tests written?"). Each has its own small context and returns a summary and structured findings. Use it to map a large or unfamiliar codebase quickly.`;

/** `spawn_explorers`, bound to a function that runs the explorers (the loop provides it). */
export function createSpawnExplorersTool(spawn: (mandates: ExplorerMandate[], signal?: AbortSignal) => Promise<ExplorerReport[]>) {
  return defineTool({
    name: 'spawn_explorers',
    description,
    parameters: z.object({
      explorers: z
        .array(
          z.object({
            name: z.string().trim().min(1).describe('Short name, e.g. "data-layer".'),
            mandate: z.string().trim().min(1).describe('The one question this explorer must answer.'),
            paths: listOf(z.string()).optional().describe('Folders or files to start from (optional).'),
          }),
        )
        .min(MIN_EXPLORERS)
        .max(MAX_EXPLORERS)
        .describe('One entry per explorer.'),
    }),
    async execute(args, ctx) {
      const reports = await spawn(args.explorers, ctx.signal);
      const text = reports
        .map((r) => `## ${r.name} (${r.status}${r.reason ? `: ${r.reason}` : ''})\n${r.summary}\n${r.findings.map((f) => `- ${f.title}${f.detail ? `: ${f.detail}` : ''}${f.files?.length ? ` [${f.files.join(', ')}]` : ''}`).join('\n')}`)
        .join('\n\n');
      return { output: text, meta: { reports } };
    },
  });
}
