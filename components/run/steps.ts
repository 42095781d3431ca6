/**
 * An agent's tool call said in plain language for the run page: "Read `src/math.js`",
 * "Edited `src/a.js`, created `test/a.test.js`", "Ran `npm test` — exit 1, 3 failing".
 * Backticks mark code; the page renders them as code. Pure: used by the page and its tests.
 */
import { commandHeadline, summariseCommand, type CommandSummary } from './command-output';

export type StepTone = 'ok' | 'error' | 'neutral';

export type StepView = {
  /** One line; `backticks` around code. */
  title: string;
  tone: StepTone;
  /** Lines worth seeing without expanding (the failing tests of a command, an error's first line). */
  detail: string[];
  /** A command's reading, when the step ran one. */
  command?: CommandSummary;
};

/** The singular or plural of a count: plural(1, 'turn') → "1 turn", plural(3, 'turn') → "3 turns". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
}

/** Inline code that cannot break out of its backticks. */
export function code(s: unknown): string {
  const text = String(s ?? '').replace(/`/g, "'").replace(/\s+/g, ' ').trim();
  return `\`${text.length > 120 ? `${text.slice(0, 119)}…` : text}\``;
}

function obj(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function firstLine(s: string): string {
  return s.split('\n').find((l) => l.trim())?.trim() ?? '';
}

function list(items: string[], max = 3): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

function target(a: Record<string, unknown>): string {
  if (typeof a.name === 'string' && a.name) return `${typeof a.role === 'string' ? `${a.role} ` : ''}${code(a.name)}`;
  if (typeof a.ref === 'string') return `element ${code(a.ref)}`;
  return 'an element';
}

type ToolEvent = { toolName: string; args: unknown; output: string; isError?: boolean; exitCode?: number };

/** The plain-language view of one tool call and its result. */
export function describeStep(e: ToolEvent): StepView {
  const a = obj(e.args);
  const failed = Boolean(e.isError);
  const tone: StepTone = failed ? 'error' : 'neutral';
  const errorDetail = failed ? [firstLine(e.output)].filter(Boolean) : [];
  switch (e.toolName) {
    case 'read_file': {
      const range = a.start_line || a.end_line ? ` (lines ${a.start_line ?? 1}–${a.end_line ?? '…'})` : '';
      return { title: `${failed ? 'Could not read' : 'Read'} ${code(a.path)}${range}`, tone, detail: errorDetail };
    }
    case 'list_files':
      return { title: `Listed ${code(a.path ?? '.')}${a.glob ? ` matching ${code(a.glob)}` : ''}`, tone, detail: errorDetail };
    case 'search_code': {
      const where = Array.isArray(a.paths) && a.paths.length ? ` in ${list((a.paths as unknown[]).map(code))}` : '';
      const hits = failed ? null : /^No matches for /.test(e.output) ? 0 : e.output.split('\n').filter((l) => /^[^\s:][^:]*:\d+:/.test(l)).length;
      return { title: `Searched for ${code(a.pattern)}${where}${hits === null ? '' : ` — ${plural(hits, 'match', 'matches')}`}`, tone, detail: errorDetail };
    }
    case 'apply_code_changes': {
      const changes = Array.isArray(a.changes) ? (a.changes as unknown[]).map(obj) : [];
      const created = [...new Set(changes.filter((c) => c.mode === 'create').map((c) => code(c.path)))];
      const edited = [...new Set(changes.filter((c) => c.mode !== 'create').map((c) => code(c.path)))].filter((p) => !created.includes(p));
      const parts = [edited.length ? `edited ${list(edited)}` : '', created.length ? `created ${list(created)}` : ''].filter(Boolean);
      const what = parts.join(', ') || 'changed nothing';
      if (failed) return { title: `Edit of ${list([...edited, ...created]) || 'the files'} refused`, tone: 'error', detail: errorDetail };
      return { title: what.charAt(0).toUpperCase() + what.slice(1), tone: 'ok', detail: [] };
    }
    case 'run_command': {
      const summary = summariseCommand(e.output, e.exitCode);
      const cmd = typeof a.command === 'string' ? a.command : summary.command ?? '';
      const head = commandHeadline(summary);
      const ok = summary.outcome === 'passed';
      return {
        title: `Ran ${code(cmd)}${head ? ` — ${head}` : ''}`,
        tone: ok ? 'ok' : summary.outcome === 'unknown' && !failed ? 'neutral' : 'error',
        detail: ok ? [] : summary.failingLines.slice(0, 8),
        command: summary,
      };
    }
    case 'install_dependencies':
      return { title: failed ? 'Installing dependencies failed' : 'Installed dependencies', tone: failed ? 'error' : 'ok', detail: errorDetail };
    case 'finish':
      return { title: failed ? 'Tried to finish — refused' : 'Finished', tone: failed ? 'error' : 'neutral', detail: errorDetail };
    case 'update_working_state':
      return { title: 'Updated its working notes', tone, detail: errorDetail };
    case 'recall':
      return { title: `Recalled ${code(a.ref)}`, tone, detail: errorDetail };
    case 'load_skill':
      return { title: `Loaded the skill ${code(a.name)}`, tone, detail: errorDetail };
    case 'read_skill_resource':
      return { title: `Read ${code(a.path)} of the skill ${code(a.name)}`, tone, detail: errorDetail };
    case 'run_skill_script':
      return { title: `Ran the script ${code(a.script)} of the skill ${code(a.name)}`, tone: failed ? 'error' : 'ok', detail: errorDetail };
    case 'spawn_explorers': {
      const ex = Array.isArray(a.explorers) ? (a.explorers as unknown[]).map((x) => code(obj(x).name)) : [];
      return { title: `Sent ${plural(ex.length, 'explorer')}${ex.length ? `: ${list(ex)}` : ''}`, tone, detail: errorDetail };
    }
    case 'mcp_list_tools':
      return { title: `Listed the tools of ${code(a.server ?? 'MCP servers')}`, tone, detail: errorDetail };
    case 'mcp_describe_tool':
      return { title: `Looked up ${code(a.tool)} on ${code(a.server)}`, tone, detail: errorDetail };
    case 'mcp_call':
      return { title: `Called ${code(a.tool)} on ${code(a.server)}`, tone, detail: errorDetail };
    case 'mcp_read_resource':
      return { title: `Read the resource ${code(a.uri ?? a.resource)} from ${code(a.server)}`, tone, detail: errorDetail };
    case 'browser_open':
      return { title: `Opened ${code(a.url)} in the browser`, tone, detail: errorDetail };
    case 'browser_snapshot':
      return { title: 'Looked at the page', tone, detail: errorDetail };
    case 'browser_click':
      return { title: `Clicked ${target(a)}`, tone, detail: errorDetail };
    case 'browser_fill':
      return { title: `Typed ${code(a.value)} into ${target(a)}`, tone, detail: errorDetail };
    case 'browser_press':
      return { title: `Pressed ${code(a.key)}`, tone, detail: errorDetail };
    case 'browser_eval': {
      const pass = /\bPASS\b/.test(e.output);
      return { title: `Checked ${code(a.expression)} — ${failed ? 'error' : pass ? 'true' : 'false'}`, tone: failed || !pass ? 'error' : 'ok', detail: errorDetail };
    }
    case 'browser_screenshot':
      return { title: `Took a screenshot ${code(a.name)}`, tone, detail: errorDetail };
    case 'submit_plan': {
      const tasks = Array.isArray(a.tasks) ? a.tasks.length : 0;
      return { title: `Proposed a plan of ${plural(tasks, 'task')}`, tone, detail: errorDetail };
    }
    default:
      return { title: `Used ${code(e.toolName)}`, tone, detail: errorDetail };
  }
}
