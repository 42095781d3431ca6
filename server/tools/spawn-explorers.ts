import { toolError, type ToolDefinition } from './types';

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
export function createSpawnExplorersTool(spawn: (mandates: ExplorerMandate[], signal?: AbortSignal) => Promise<ExplorerReport[]>): ToolDefinition<{ explorers?: unknown }> {
  return {
    name: 'spawn_explorers',
    description,
    parameters: {
      type: 'object',
      properties: {
        explorers: {
          type: 'array',
          minItems: MIN_EXPLORERS,
          maxItems: MAX_EXPLORERS,
          description: 'One entry per explorer.',
          items: {
            type: 'object',
            properties: {
              name: { type: 'string', description: 'Short name, e.g. "data-layer".' },
              mandate: { type: 'string', description: 'The one question this explorer must answer.' },
              paths: { type: 'array', items: { type: 'string' }, description: 'Folders or files to start from (optional).' },
            },
            required: ['name', 'mandate'],
          },
        },
      },
      required: ['explorers'],
    },
    async execute(args, ctx) {
      const list = args?.explorers;
      if (!Array.isArray(list) || list.length < MIN_EXPLORERS || list.length > MAX_EXPLORERS)
        return toolError(`"explorers" must list ${MIN_EXPLORERS} to ${MAX_EXPLORERS} mandates ({name, mandate, paths?})`);
      const mandates: ExplorerMandate[] = [];
      for (const [i, e] of list.entries()) {
        const m = e as Partial<ExplorerMandate> | null;
        if (typeof m?.name !== 'string' || typeof m.mandate !== 'string' || !m.mandate.trim()) return toolError(`explorers[${i}] needs a "name" and a "mandate"`);
        mandates.push({ name: m.name, mandate: m.mandate, paths: Array.isArray(m.paths) ? m.paths.map(String) : undefined });
      }
      const reports = await spawn(mandates, ctx.signal);
      const text = reports
        .map((r) => `## ${r.name} (${r.status}${r.reason ? `: ${r.reason}` : ''})\n${r.summary}\n${r.findings.map((f) => `- ${f.title}${f.detail ? `: ${f.detail}` : ''}${f.files?.length ? ` [${f.files.join(', ')}]` : ''}`).join('\n')}`)
        .join('\n\n');
      return { output: text, meta: { reports } };
    },
  };
}
