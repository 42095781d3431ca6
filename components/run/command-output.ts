/**
 * What a command the agents ran came to, read from `run_command`'s result text (`$ cmd`, then
 * `exit code N` / `timed out after Ns` / `killed: out of memory`, then the output): the exit code,
 * how many tests failed and passed when a test runner says so, and the lines that name the
 * failures — so the run page can say "Ran `npm test` — exit 1, 3 failing" without expanding.
 *
 * Pure: used by the run page and its tests.
 */

export type CommandSummary = {
  command: string | null;
  /** null when the command did not exit on its own (timeout, out of memory) or the text says nothing. */
  exitCode: number | null;
  outcome: 'passed' | 'failed' | 'timed-out' | 'out-of-memory' | 'unknown';
  failing: number | null;
  passing: number | null;
  /** The lines naming what failed (tests, assertions), or the output's last lines when no runner was recognised. */
  failingLines: string[];
  /** The command's own output (without the `$ cmd` and status lines), ANSI colours removed. */
  body: string;
};

/** Lines of failures shown without expanding. */
export const FAILING_LINES_SHOWN = 8;

// ESC [ … final byte: colours and cursor movement a runner prints even without a terminal.
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

type Counts = { failing: number | null; passing: number | null };

/** Test runners' summary lines, most specific first; each returns counts when its line is present. */
const COUNTERS: Array<(text: string) => Counts | null> = [
  // node --test, TAP reporter: "# pass 1" / "# fail 2"; spec reporter: "ℹ pass 1" / "ℹ fail 2".
  (t) => {
    const fail = /^(?:#|ℹ) fail (\d+)\s*$/m.exec(t);
    const pass = /^(?:#|ℹ) pass (\d+)\s*$/m.exec(t);
    return fail || pass ? { failing: fail ? Number(fail[1]) : 0, passing: pass ? Number(pass[1]) : null } : null;
  },
  // Vitest: "      Tests  1 failed | 2 passed (3)".
  (t) => {
    const m = /^\s*Tests\s+(.+\(\d+\))\s*$/m.exec(t);
    if (!m) return null;
    return { failing: num(/(\d+) failed/.exec(m[1])) ?? 0, passing: num(/(\d+) passed/.exec(m[1])) };
  },
  // Jest: "Tests:       1 failed, 2 passed, 3 total".
  (t) => {
    const m = /^Tests:\s+(.+total)\s*$/m.exec(t);
    if (!m) return null;
    return { failing: num(/(\d+) failed/.exec(m[1])) ?? 0, passing: num(/(\d+) passed/.exec(m[1])) };
  },
  // pytest: "==== 3 failed, 2 passed in 0.12s ====" (also "1 passed in", "2 failed, 1 error in").
  (t) => {
    const m = /^(?:=+ )?((?:\d+ (?:passed|failed|errors?|skipped|deselected|xfailed|xpassed|warnings?)(?:, )?)+) in [\d.]+s(?: \([^)]*\))?(?: =+)?\s*$/m.exec(t);
    if (!m) return null;
    const failed = (num(/(\d+) failed/.exec(m[1])) ?? 0) + (num(/(\d+) errors?\b/.exec(m[1])) ?? 0);
    return { failing: failed, passing: num(/(\d+) passed/.exec(m[1])) };
  },
  // Cargo: "test result: FAILED. 2 passed; 1 failed; 0 ignored".
  (t) => {
    const all = [...t.matchAll(/^test result: \w+\. (\d+) passed; (\d+) failed;/gm)];
    if (!all.length) return null;
    return { failing: all.reduce((n, m) => n + Number(m[2]), 0), passing: all.reduce((n, m) => n + Number(m[1]), 0) };
  },
  // Mocha: "  2 passing (5ms)" / "  1 failing".
  (t) => {
    const fail = /^\s*(\d+) failing\s*$/m.exec(t);
    const pass = /^\s*(\d+) passing\b/m.exec(t);
    return fail || pass ? { failing: fail ? Number(fail[1]) : 0, passing: pass ? Number(pass[1]) : null } : null;
  },
  // go test: one "--- FAIL: TestX (0.00s)" per failing test.
  (t) => {
    const fails = t.match(/^\s*--- FAIL: /gm)?.length ?? 0;
    const passes = t.match(/^\s*--- PASS: /gm)?.length ?? 0;
    return fails || passes ? { failing: fails, passing: passes || null } : null;
  },
];

function num(m: RegExpExecArray | null): number | null {
  return m ? Number(m[1]) : null;
}

/**
 * Lines that name a failure, as the common runners print them, in tiers: the failing tests' own
 * lines first; a runner's failure headings (which repeat them) only when there are none; thrown
 * errors and assertion lines only when no test was named.
 */
const FAILURE_TIERS: RegExp[][] = [
  [
    /^not ok \d+ - /, // TAP (node --test, tape)
    /^✖ (?!failing tests:)/, // node --test spec reporter
    /^\s*(?:×|✗|✕) /, // Vitest, Jest and others
    /^FAILED /, // pytest short summary
    /^\s*--- FAIL: /, // go test
    /^test .+ \.\.\. FAILED$/, // cargo
    /^\s*\d+\) \S/, // Mocha
  ],
  [
    /^ FAIL /, // Vitest's failure headings ("FAIL  file > test")
    /^\s*● /, // Jest's failure headings
  ],
  [
    /^E\s{2,}\S/, // pytest assertion lines
    /^\s*(?:AssertionError|Error|TypeError|ReferenceError|SyntaxError)\b.*:/, // thrown errors
    /^\s*(?:npm (?:ERR!|error)) /, // npm's own failure
  ],
];

/** For a TAP `not ok` line, the first line of its YAML `error:` block (the assertion message). */
function tapErrorAfter(lines: string[], at: number): string | null {
  for (let i = at + 1; i < Math.min(lines.length, at + 40); i++) {
    if (/^(?:not )?ok \d+ /.test(lines[i]) || /^# Subtest/.test(lines[i])) return null;
    const m = /^\s+error: (?:\|-?)?\s*(.*)$/.exec(lines[i]);
    if (!m) continue;
    if (m[1] && m[1] !== "''") return m[1].replace(/^'|'$/g, '');
    const parts: string[] = [];
    for (let j = i + 1; j < Math.min(lines.length, i + 8); j++) {
      const l = lines[j].trim();
      if (/^\w+:/.test(l) && !/^(Expected|Actual|Received)/.test(l)) break;
      if (l) parts.push(l);
      if (parts.length === 2) break;
    }
    return parts.join(' ') || null;
  }
  return null;
}

function failureLines(body: string): string[] {
  const lines = body.split('\n');
  for (const tier of FAILURE_TIERS) {
    const found = matching(lines, tier);
    if (found.length) return found;
  }
  return [];
}

function matching(lines: string[], patterns: RegExp[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  lines.forEach((line, i) => {
    if (!patterns.some((re) => re.test(line))) return;
    let shown = line.trimEnd().replace(/^\s+/, '');
    if (/^not ok \d+ - /.test(line)) {
      const why = tapErrorAfter(lines, i);
      if (why) shown = `${shown} — ${why}`;
    }
    if (seen.has(shown)) return;
    seen.add(shown);
    out.push(shown);
  });
  return out;
}

/**
 * Reads a `run_command` result. `exitCodeHint` is the exit code the event carried, when it did
 * (the text is read otherwise, so older stored events read the same).
 * @example summariseCommand('$ npm test\nexit code 1\n# fail 3').failing === 3
 */
export function summariseCommand(output: string, exitCodeHint?: number | null): CommandSummary {
  const text = stripAnsi(output.replace(/\r\n?/g, '\n'));
  const lines = text.split('\n');
  let command: string | null = null;
  let i = 0;
  if (lines[0]?.startsWith('$ ')) {
    command = lines[0].slice(2).trim();
    i = 1;
  }
  let exitCode: number | null = exitCodeHint ?? null;
  let outcome: CommandSummary['outcome'] = 'unknown';
  const status = lines[i] ?? '';
  const exit = /^exit code (-?\d+)\s*$/.exec(status);
  if (exit) {
    exitCode ??= Number(exit[1]);
    i++;
  } else if (/^timed out after /.test(status)) {
    outcome = 'timed-out';
    exitCode = null;
    i++;
  } else if (/^killed: out of memory/.test(status)) {
    outcome = 'out-of-memory';
    exitCode = null;
    i++;
  }
  const body = lines.slice(i).join('\n').replace(/^\(no output\)$/, '');
  if (outcome === 'unknown' && exitCode !== null) outcome = exitCode === 0 ? 'passed' : 'failed';

  let counts: Counts = { failing: null, passing: null };
  for (const count of COUNTERS) {
    const c = count(body);
    if (c) {
      counts = c;
      break;
    }
  }
  let failingLines = outcome === 'passed' && !counts.failing ? [] : failureLines(body);
  if (outcome !== 'passed' && failingLines.length === 0) {
    // No runner recognised: the end of the output is where a failure is usually explained.
    failingLines = body
      .split('\n')
      .map((l) => l.trimEnd())
      .filter((l) => l.trim())
      .slice(-4);
  }
  return { command, exitCode, outcome, failing: counts.failing, passing: counts.passing, failingLines, body };
}

/** "exit 1, 3 failing" / "exit 0, 12 passing" / "timed out" — the headline of a command. */
export function commandHeadline(s: CommandSummary): string {
  const parts: string[] = [];
  if (s.outcome === 'timed-out') parts.push('timed out');
  else if (s.outcome === 'out-of-memory') parts.push('killed: out of memory');
  else if (s.exitCode !== null) parts.push(`exit ${s.exitCode}`);
  if (s.failing) parts.push(`${s.failing} failing`);
  else if (s.passing !== null && s.exitCode === 0) parts.push(`${s.passing} passing`);
  return parts.join(', ');
}
