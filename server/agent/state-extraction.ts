import { clip, type WorkingStateManager } from './working-state';

/**
 * Deterministic extraction: after every tool result the working state learns what it can
 * without asking the model — which files are active, constants and notes seen in them, what a
 * search found, whether verification passes, which edits failed.
 */
export interface ExtractInput {
  toolName: string;
  args: Record<string, unknown>;
  output: string;
  isError: boolean;
  meta?: unknown;
  ref?: string;
  turn: number;
}

/** `   12\tconst X = 1` as read_file prints lines. */
const NUMBERED_LINE = /^\s*\d+\t(.*)$/;
/** UPPER_CASE constants with a short literal value: configuration facts worth keeping. */
const CONSTANT = /^\s*(?:export\s+)?(?:const|let|var|final|static)?\s*([A-Z][A-Z0-9_]{2,})\s*(?::\s*[\w<>[\]| ]+)?\s*[=:]\s*([^;,{}\n]{1,80}?)\s*[;,]?\s*$/;
/** Comments that carry a decision or a warning. */
const MARKED_NOTE = /(?:\/\/|#|\/\*|\*)\s*((?:NOTE|IMPORTANT|WARNING|FIXME|TODO|HACK)\b[:\s].{3,200})/;
const EXPORTED_NAME = /^\s*export\s+(?:default\s+)?(?:async\s+)?(?:function\*?|const|let|class|interface|type|enum)\s+([A-Za-z_$][\w$]*)/;
/** Commands that verify work; their exit code sets the verification status. */
const VERIFY_COMMAND = /\b(test|tests|vitest|jest|mocha|pytest|go test|cargo test|tsc|typecheck|lint|eslint|build|check|node --test)\b/;
const MAX_FACTS_PER_FILE = 12;
const MAX_EXPORTS_NOTED = 8;

export function extractIntoState(state: WorkingStateManager, input: ExtractInput): void {
  const { toolName, args, output, isError, turn } = input;
  const path = typeof args.path === 'string' ? args.path : undefined;
  switch (toolName) {
    case 'read_file': {
      if (!path || isError) return;
      const code = output.split('\n').map((l) => NUMBERED_LINE.exec(l)?.[1]).filter((l): l is string => l !== undefined);
      const exports: string[] = [];
      let facts = 0;
      for (const line of code) {
        const ex = EXPORTED_NAME.exec(line);
        if (ex && exports.length < MAX_EXPORTS_NOTED) exports.push(ex[1]);
        if (facts >= MAX_FACTS_PER_FILE) continue;
        const c = CONSTANT.exec(line);
        if (c) {
          state.addDiscovery(`${path}:${c[1]}`, `${path}: ${c[1]} = ${c[2].trim()}`, turn);
          facts++;
          continue;
        }
        const n = MARKED_NOTE.exec(line);
        if (n) {
          state.addDiscovery(`${path}:note:${n[1].slice(0, 40)}`, `${path}: ${n[1].replace(/\*\/\s*$/, '').trim()}`, turn);
          facts++;
        }
      }
      state.touchFile(path, { ref: input.ref, ...(exports.length ? { note: `exports ${exports.join(', ')}` } : {}) });
      return;
    }
    case 'search_code': {
      if (isError || typeof args.pattern !== 'string') return;
      const files = [...new Set(output.split('\n').map((l) => /^([^:\s][^:]*):\d+:/.exec(l)?.[1]).filter((f): f is string => Boolean(f)))];
      state.addDiscovery(`search:${args.pattern}`, `search "${args.pattern}": ${files.length ? files.slice(0, 6).join(', ') + (files.length > 6 ? ` (+${files.length - 6})` : '') : 'no matches'}`, turn);
      return;
    }
    case 'apply_code_changes': {
      const changes = Array.isArray(args.changes) ? (args.changes as Array<{ path?: unknown }>) : [];
      const paths = changes.map((c) => (typeof c?.path === 'string' ? c.path : '?'));
      if (isError) {
        state.addFailedApproach(`edit of ${paths.join(', ')} was refused: ${firstLine(output)}`);
        return;
      }
      for (const p of paths) state.touchFile(p, { edited: true });
      // Passing checks no longer describe the code once it changed.
      if (state.state.verificationStatus.state === 'passing') state.setVerification({ ...state.state.verificationStatus, state: 'unverified', detail: 'code changed since the last passing check' });
      return;
    }
    case 'run_command': {
      const meta = (input.meta ?? {}) as { exitCode?: number; command?: string };
      const command = meta.command ?? (typeof args.command === 'string' ? args.command : '');
      if (!command || meta.exitCode === undefined) return;
      if (VERIFY_COMMAND.test(command)) {
        const passing = meta.exitCode === 0;
        const previous = state.state.verificationStatus;
        state.setVerification({ state: passing ? 'passing' : 'failing', command, turn, detail: passing ? undefined : failureDigest(output) });
        if (!passing && previous.state === 'failing' && state.state.activeFiles.some((f) => f.edited)) {
          state.addFailedApproach(`after edits to ${state.state.activeFiles.filter((f) => f.edited).map((f) => f.path).join(', ')}, \`${command}\` still fails: ${failureDigest(output)}`);
        }
      } else if (meta.exitCode !== 0) {
        state.addDiscovery(`cmd:${command}`, `\`${command}\` exits ${meta.exitCode}: ${failureDigest(output)}`, turn);
      }
      return;
    }
    default:
      return;
  }
}

function firstLine(text: string): string {
  return clip(text.split('\n').find((l) => l.trim()) ?? '', 200);
}

/** The lines of a failing command most likely to name the failure. */
export function failureDigest(output: string): string {
  const lines = output.split('\n').filter((l) => /(error|fail|assert|expected|✗|×|not ok|exception|cannot|undefined)/i.test(l));
  return clip((lines.length ? lines.slice(0, 4) : output.split('\n').filter((l) => l.trim()).slice(-3)).join(' | '), 400);
}
