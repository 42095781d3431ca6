import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandHeadline, summariseCommand } from '../../components/run/command-output';
import { describeStep, plural } from '../../components/run/steps';
import { formatElapsed, taskTimeline, verdictTone } from '../../components/run/timeline';

/** The run page's plain-language steps, command readings and role timeline. */
const fixture = (name: string) => fs.readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'command-output', name), 'utf8');
/** `run_command`'s result text around a command's output (server/tools/run-command.ts). */
const result = (command: string, exit: number, output: string) => `$ ${command}\nexit code ${exit}\n${output}`;

describe('reading a command the agents ran', () => {
  it('node --test (TAP): exit code, counts and each failing test with its assertion', () => {
    const s = summariseCommand(result('node --test', 1, fixture('tap.txt')));
    expect(s).toMatchObject({ command: 'node --test', exitCode: 1, outcome: 'failed', failing: 2, passing: 1 });
    expect(s.failingLines).toEqual(['not ok 2 - subtracts — Expected values to be strictly equal: 0 !== 2', 'not ok 3 - multiplies — Expected values to be strictly equal: 4 !== 5']);
    expect(commandHeadline(s)).toBe('exit 1, 2 failing');
  });

  it('node --test spec reporter: the ✖ lines, once each', () => {
    const s = summariseCommand(result('node --test --test-reporter=spec', 1, fixture('spec.txt')));
    expect(s.failing).toBe(2);
    expect(s.failingLines.map((l) => l.replace(/ \([\d.]+ms\)$/, ''))).toEqual(['✖ subtracts', '✖ multiplies']);
  });

  it('Vitest with colours: ANSI removed, the × line rather than the repeated FAIL heading', () => {
    const s = summariseCommand(result('npx vitest run', 1, fixture('vitest.txt')));
    expect(s).toMatchObject({ exitCode: 1, failing: 1, passing: 1 });
    expect(s.failingLines).toEqual([expect.stringMatching(/^× subtracts/)]);
    expect(s.body).not.toMatch(/\u001b/);
  });

  it('pytest -q: the FAILED summary lines', () => {
    const s = summariseCommand(result('pytest -q', 1, fixture('pytest.txt')));
    expect(s).toMatchObject({ failing: 2, passing: 1 });
    expect(s.failingLines).toEqual(['FAILED test_x.py::test_b - assert 1 == 2', "FAILED test_x.py::test_c - AssertionError: assert 'a' == 'b'"]);
  });

  it('a passing run shows no failing lines; an unknown tool falls back to the last lines', () => {
    const ok = summariseCommand(result('node --test', 0, '# tests 4\n# pass 4\n# fail 0\n'));
    expect(ok).toMatchObject({ outcome: 'passed', failing: 0, passing: 4, failingLines: [] });
    expect(commandHeadline(ok)).toBe('exit 0, 4 passing');
    const make = summariseCommand(result('make build', 2, 'cc -o app main.c\nmain.c:3: undefined reference to `run`\nmake: *** [app] Error 1\n'));
    expect(make.failingLines).toEqual(['cc -o app main.c', 'main.c:3: undefined reference to `run`', 'make: *** [app] Error 1']);
    expect(commandHeadline(make)).toBe('exit 2');
  });

  it('timeouts and out-of-memory kills have no exit code', () => {
    expect(commandHeadline(summariseCommand('$ npm start\ntimed out after 120s\nlistening'))).toBe('timed out');
    expect(summariseCommand('$ node big.js\nkilled: out of memory\n(no output)')).toMatchObject({ exitCode: null, outcome: 'out-of-memory' });
  });

  it('the exit code the event carries wins over the text', () => {
    expect(summariseCommand('$ x\nsomething else', 3)).toMatchObject({ exitCode: 3, outcome: 'failed' });
  });
});

describe('steps in plain language', () => {
  it('says what each tool did, code in backticks', () => {
    expect(describeStep({ toolName: 'read_file', args: { path: 'src/math.js' }, output: '1| x' }).title).toBe('Read `src/math.js`');
    expect(describeStep({ toolName: 'read_file', args: { path: 'a.js', start_line: 10, end_line: 20 }, output: '' }).title).toBe('Read `a.js` (lines 10–20)');
    expect(describeStep({ toolName: 'list_files', args: {}, output: '' }).title).toBe('Listed `.`');
    expect(describeStep({ toolName: 'search_code', args: { pattern: 'greet', paths: ['src'] }, output: 'src/a.js:1:greet\nsrc/b.js:4:greet()' }).title).toBe(
      'Searched for `greet` in `src` — 2 matches',
    );
    expect(describeStep({ toolName: 'search_code', args: { pattern: 'nope' }, output: 'No matches for "nope".' }).title).toBe('Searched for `nope` — 0 matches');
    const edit = describeStep({
      toolName: 'apply_code_changes',
      args: { changes: [{ path: 'src/a.js', mode: 'replace', search: 'x', replace: 'y' }, { path: 'test/a.test.js', mode: 'create', content: '' }] },
      output: 'Applied',
    });
    expect(edit).toMatchObject({ title: 'Edited `src/a.js`, created `test/a.test.js`', tone: 'ok' });
    expect(describeStep({ toolName: 'apply_code_changes', args: { changes: [{ path: 'a.js', mode: 'replace' }] }, output: 'change 1 not applied: search text not found', isError: true })).toMatchObject({
      title: 'Edit of `a.js` refused',
      tone: 'error',
      detail: ['change 1 not applied: search text not found'],
    });
    expect(describeStep({ toolName: 'browser_click', args: { role: 'button', name: 'Save' }, output: 'ok' }).title).toBe('Clicked button `Save`');
    expect(describeStep({ toolName: 'mystery_tool', args: {}, output: '' }).title).toBe('Used `mystery_tool`');
  });

  it('a failing command: exit code and failing tests in the step itself', () => {
    const step = describeStep({ toolName: 'run_command', args: { command: 'node --test' }, output: result('node --test', 1, fixture('tap.txt')), isError: true, exitCode: 1 });
    expect(step.title).toBe('Ran `node --test` — exit 1, 2 failing');
    expect(step.tone).toBe('error');
    expect(step.detail).toHaveLength(2);
    expect(describeStep({ toolName: 'run_command', args: { command: 'npm test' }, output: result('npm test', 0, '# pass 3\n# fail 0') })).toMatchObject({
      title: 'Ran `npm test` — exit 0, 3 passing',
      tone: 'ok',
      detail: [],
    });
  });

  it('backticks in arguments cannot break the code span', () => {
    expect(describeStep({ toolName: 'run_command', args: { command: 'echo `date`' }, output: '$ echo `date`\nexit code 0\nx' }).title).toBe("Ran `echo 'date'` — exit 0");
  });

  it('counts are pluralised', () => {
    expect(plural(1, 'turn')).toBe('1 turn');
    expect(plural(2, 'turn')).toBe('2 turns');
    expect(plural(0, 'match', 'matches')).toBe('0 matches');
  });
});

describe('the role timeline of a task', () => {
  const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, s)).toISOString();
  const role = (r: string, cycle: number, state: 'started' | 'finished', s: number, extra: Record<string, string> = {}) => ({ type: 'agent.role', role: r, cycle, state, at: at(s), ...extra });

  it('follows architect → developer ⇄ QA → reviewer with cycles, verdicts and who works now', () => {
    const events = [
      role('architect', 0, 'started', 0),
      role('architect', 0, 'finished', 5, { status: 'done', summary: 'design' }),
      role('developer', 1, 'started', 6),
      role('developer', 1, 'finished', 20, { status: 'done' }),
      role('qa', 1, 'started', 21),
      role('qa', 1, 'finished', 30, { status: 'done' }),
      { type: 'agent.verdict', role: 'qa', verdict: 'fail', at: at(30) },
      role('developer', 2, 'started', 31),
      role('developer', 2, 'finished', 40, { status: 'done' }),
      role('qa', 2, 'started', 41),
    ];
    const t = taskTimeline(events, 'running');
    expect(t.cycle).toBe(2);
    expect(t.working).toEqual({ role: 'qa', cycle: 2, since: at(41) });
    expect(t.ended).toBe(false);
    expect(t.stages.map((s) => [s.role, s.state, s.runs])).toEqual([
      ['architect', 'done', 1],
      ['developer', 'done', 2],
      ['qa', 'working', 2],
      ['reviewer', 'waiting', 0],
    ]);
    // The new QA pass has no verdict yet (cycle 1's fail is not shown as the current one).
    expect(t.stages[2].verdict).toBeNull();

    const done = taskTimeline(
      [
        ...events,
        role('qa', 2, 'finished', 50, { status: 'done' }),
        { type: 'agent.verdict', role: 'qa', verdict: 'pass', at: at(50) },
        role('reviewer', 2, 'started', 51),
        role('reviewer', 2, 'finished', 60, { status: 'done' }),
        { type: 'agent.verdict', role: 'reviewer', verdict: 'approve', at: at(60) },
        { type: 'task.status', status: 'succeeded', at: at(61) },
      ],
      'succeeded',
    );
    expect(done.working).toBeNull();
    expect(done.ended).toBe(true);
    expect(done.finishedAt).toBe(at(61));
    expect(done.stages.map((s) => s.verdict)).toEqual([null, null, 'pass', 'approve']);
  });

  it('a task that ends while a role works marks that role failed and the rest skipped', () => {
    const t = taskTimeline([role('architect', 0, 'started', 0), role('architect', 0, 'finished', 2, { status: 'done' }), role('developer', 1, 'started', 3)], 'cancelled');
    expect(t.stages.map((s) => s.state)).toEqual(['done', 'failed', 'skipped', 'skipped']);
    expect(t.working).toBeNull();
  });

  it('verdicts are coloured by what they mean; elapsed time reads as a clock', () => {
    expect(['pass', 'approve', 'fail', 'request_changes', undefined].map(verdictTone)).toEqual(['good', 'good', 'bad', 'bad', 'neutral']);
    expect(formatElapsed(75_000)).toBe('1:15');
    expect(formatElapsed(3_725_000)).toBe('1:02:05');
  });
});
