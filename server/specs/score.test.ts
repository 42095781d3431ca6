import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scoreSpecWithCritique } from './critique';
import { acceptanceCriteriaOf } from './criteria';
import { outline } from './outline';
import { CONCERN_POINTS } from './concerns';
import { DEFAULT_ACCEPT_THRESHOLD, scoreSpec, type RepoIndex } from './score';

const fixture = (name: string) => readFileSync(join(__dirname, '../../test/fixtures/specs', name), 'utf8');
const good = fixture('good-spec.md');
const vague = fixture('vague-spec.md');
const concern = (md: string, key: string) => scoreSpec(md).breakdown.find((b) => b.key === key)!;

describe('outline', () => {
  it('reads ATX, setext, bold, numbered and label headings, skipping fenced code and comments', () => {
    const md = [
      'Title', '=====', '', 'Goals', '-----', 'text', '', '**Non-goals**', '', '- x', '', '2.1 Test plan', '', '- unit',
      '', '```', '## Not a heading', '```', '<!-- ## hidden -->', '**Acceptance Scenarios**:', '', '1. a',
    ].join('\n');
    const o = outline(md);
    expect(o.title).toEqual({ text: 'Title', line: 1 });
    expect(o.headings.map((h) => [h.text, h.kind])).toEqual([
      ['Title', 'setext'],
      ['Goals', 'setext'],
      ['Non-goals', 'bold'],
      ['Test plan', 'numbered'],
      ['Acceptance Scenarios', 'label'],
    ]);
    expect(o.headings.map((h) => Object.keys(h.region ?? {}))).toEqual([[], ['build'], ['scope'], ['tests'], ['acceptance']]);
    expect(o.blocks.find((b) => b.kind === 'code')?.text).toBe('## Not a heading');
  });

  it('keeps a multi-line Given/When/Then list item whole', () => {
    const md = '## Acceptance\n\n1. **Given** a user,\n   **When** they save,\n   **Then** the page shows "Saved".\n';
    expect(acceptanceCriteriaOf(md)).toEqual(['**Given** a user, **When** they save, **Then** the page shows "Saved".']);
  });
});

describe('scoreSpec', () => {
  it('explains every point: the breakdown minus the deductions is the score', () => {
    for (const md of [good, vague, fixture('complete/kep-queue-priority.md'), fixture('gaming/numbers-sprinkled.md')]) {
      const r = scoreSpec(md);
      const sum = r.breakdown.reduce((s, b) => s + b.points, 0) - r.deductions.reduce((s, d) => s + d.points, 0);
      expect(r.score).toBe(Math.max(0, Math.min(100, sum)));
      for (const b of r.breakdown) expect(b.max).toBe(CONCERN_POINTS[b.key]);
    }
  });

  it('accepts a complete spec and rejects a vague one', () => {
    const g = scoreSpec(good);
    expect(g.accepted).toBe(true);
    expect(g.score).toBeGreaterThanOrEqual(DEFAULT_ACCEPT_THRESHOLD);
    expect(g.findings.filter((f) => f.severity === 'error')).toEqual([]);
    const v = scoreSpec(vague);
    expect(v.accepted).toBe(false);
    expect(v.score).toBeLessThan(30);
  });

  it('scores an empty or blank document 0 with the finding "empty"', () => {
    for (const md of ['', '   \n\n\t', '\ufeff']) {
      const r = scoreSpec(md);
      expect(r.score).toBe(0);
      expect(r.accepted).toBe(false);
      expect(r.findings).toEqual([expect.objectContaining({ code: 'empty', severity: 'error', message: expect.stringMatching(/^empty/) })]);
    }
  });

  it('blocks an open [NEEDS CLARIFICATION] anywhere, but not a mention of the marker', () => {
    const open = good.replace('valid for 30 minutes', 'valid for [NEEDS CLARIFICATION: how long?]');
    const r = scoreSpec(open);
    expect(r.accepted).toBe(false);
    const line = open.split('\n').findIndex((l) => l.includes('NEEDS CLARIFICATION')) + 1;
    expect(r.findings).toContainEqual(expect.objectContaining({ code: 'clarification', line, blocking: true }));
    const mention = `${good}\n## Review checklist\n\n- [x] No [NEEDS CLARIFICATION] markers remain\n`;
    expect(scoreSpec(mention).accepted).toBe(true);
  });

  it('judges each acceptance criterion and names the vague ones with an example from the spec', () => {
    const md = good.replace('6. More than 5 requests per email per hour return HTTP 429.', '6. The flow works well and is intuitive.');
    const r = scoreSpec(md);
    const line = md.split('\n').findIndex((l) => l.startsWith('6. The flow')) + 1;
    const f = r.findings.find((x) => x.code === 'vague-criterion' && x.line === line);
    expect(f?.message).toMatch(/not testable: “6?\.? ?The flow works well/);
    // The example is another criterion of the same spec, quoted with its line.
    expect(f?.message).toMatch(/like line \d+: “/);
    expect(concern(md, 'acceptance').points).toBeLessThan(concern(good, 'acceptance').points);
  });

  it('maps the formats teams use onto the same concerns', () => {
    const kep = scoreSpec(fixture('complete/kep-queue-priority.md'));
    const rfc = scoreSpec(fixture('complete/rfc-must-use-results.md'));
    const speckit = scoreSpec(fixture('complete/speckit-bookmark-export.md'));
    for (const r of [kep, rfc, speckit]) {
      expect(r.accepted).toBe(true);
      expect(r.breakdown.find((b) => b.key === 'scope')!.status).toBe('met'); // Non-Goals / Future possibilities / Out of Scope
      expect(r.breakdown.find((b) => b.key === 'build')!.status).toBe('met');
    }
    expect(kep.breakdown.find((b) => b.key === 'tests')!.status).toBe('met'); // Test Plan
  });

  it('gives nothing for headings filled with lorem ipsum, "it works" or placeholders', () => {
    for (const name of ['gaming/lorem-six-headings.md', 'gaming/it-works-everywhere.md', 'gaming/placeholders-everywhere.md', 'gaming/headings-only.md']) {
      const r = scoreSpec(fixture(name));
      expect(r.score, name).toBeLessThan(15);
      expect(r.accepted, name).toBe(false);
    }
    const lorem = scoreSpec(fixture('gaming/lorem-six-headings.md'));
    expect(lorem.findings.some((f) => f.code === 'filler')).toBe(true);
    const works = scoreSpec(fixture('gaming/it-works-everywhere.md'));
    expect(works.findings.some((f) => f.code === 'empty-claim')).toBe(true);
  });

  it('says what is missing with an example built from names in the spec', () => {
    const md = '# Tag filter\n\n## What to build\n\n`GET /api/notes?tag=x` returns only the notes with tag `x`, newest first, 20 per page.\n\n## Acceptance\n\n- `GET /api/notes?tag=work` returns 200 with 2 notes when 2 of 5 notes have the tag `work`.\n';
    const r = scoreSpec(md);
    const scope = r.findings.find((f) => f.concern === 'scope');
    expect(scope?.message).toMatch(/No changes to/);
    const tests = r.findings.find((f) => f.concern === 'tests');
    expect(tests?.message).toMatch(/checks that/);
    expect(tests?.message).toContain('returns 200 with 2 notes');
  });

  it('grounds named files and scripts in the repository when one is known', () => {
    const md = `${good}\n- Reuses \`server/notify/missing.ts\` and \`npm run nope\`.\n- Creates \`server/auth/reset-token.ts\`.\n`;
    const files = new Set(['server/notify/email.ts', 'server/notify', 'server', 'server/auth/roles.ts', 'server/auth']);
    const repo: RepoIndex = { has: (p) => files.has(p), scripts: new Set(['test']) };
    const r = scoreSpec(md, { repo });
    const missing = r.findings.filter((f) => f.code === 'missing-path').map((f) => f.message);
    expect(missing.some((m) => m.startsWith('`server/notify/missing.ts` does not exist'))).toBe(true);
    expect(missing.some((m) => m.includes('reset-token.ts'))).toBe(false); // "creates" → will be created
    expect(r.findings.some((f) => f.code === 'missing-script' && f.message.includes('npm run nope'))).toBe(true);
    expect(r.deductions.find((d) => d.key === 'grounding')?.count).toBeGreaterThan(0);
    expect(scoreSpec(md).deductions.find((d) => d.key === 'grounding')).toBeUndefined();
  });

  it('honours a per-organisation threshold', () => {
    const { score } = scoreSpec(good);
    expect(scoreSpec(good, { threshold: score + 1 }).accepted).toBe(false);
    expect(scoreSpec(vague, { threshold: 0 }).accepted).toBe(false); // blocked: an open clarification, no testable criterion
  });

  it('has no node: imports in the modules the browser worker loads', () => {
    for (const file of ['concerns.ts', 'criteria.ts', 'decode.ts', 'items.ts', 'lexicon.ts', 'outline.ts', 'score.ts', 'score-json.ts', 'signals.ts', 'critique.ts', 'speckit-tasks.ts', 'speckit-convert.ts']) {
      expect(readFileSync(join(__dirname, file), 'utf8'), file).not.toMatch(/from ['"]node:|require\(/);
    }
  });
});

describe('scoreSpecWithCritique', () => {
  it('adds the critique findings but never raises the score', async () => {
    const base = scoreSpec(vague);
    const result = await scoreSpecWithCritique(vague, async () => [{ section: 'Acceptance criteria', line: 9, message: 'Say which queries must match.', severity: 'warning' }]);
    expect(result.score).toBe(base.score);
    expect(result.accepted).toBe(false);
    expect(result.findings).toHaveLength(base.findings.length + 1);
    expect(result.findings.at(-1)).toEqual({ section: 'Acceptance criteria', line: 9, message: 'Say which queries must match.', severity: 'warning', source: 'llm' });
  });

  it('turns a failing critic into an info finding', async () => {
    const result = await scoreSpecWithCritique(good, async () => {
      throw new Error('model unavailable');
    });
    expect(result.score).toBe(scoreSpec(good).score);
    expect(result.findings.at(-1)).toMatchObject({ severity: 'info', source: 'llm', message: expect.stringContaining('model unavailable') });
  });
});
