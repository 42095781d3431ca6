/**
 * A skill proposal through the whole gate (runCycle, bwrap, fake LLM, real Postgres): two eval
 * attempts fail the same way; the reporter proposes an edit of the built-in `node-testing` skill;
 * calibration runs the suite without and with the edited SKILL.md laid over the organisation's
 * skills (the scripted developer loads the skill and behaves by what it says): 50% → 100%, both
 * observed failures pass → adopted as the organisation's text of the skill; revert restores the
 * built-in text, and a second revert is refused.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bwrapAvailable } from '../../sandbox/bwrap-driver';
import { detectCgroups } from '../../sandbox/cgroups';
import { startFakeLlm, type FakeLlm, type Turn } from '../../test/fake-llm/server';
import { createTestDatabase, type TestDatabase } from '../../test/support/db';
import { GUIDANCE, MISREMEMBERED, rsiSuite } from '../../test/support/rsi-fixtures';
import { createPublisher } from '../realtime/publish';
import { loadSkillLibrary } from '../skills/library';
import { revertProposal } from './adopt';
import { runCycle } from './cycle';
import { currentSkillText } from './proposals';
import { runCli } from '../../test/support/cli';

const skip = !bwrapAvailable() || detectCgroups().version === 0;
const MODEL = 'openai:gpt-4o-mini';
const SKILL = 'node-testing';
const LINE = '5. **No sleeps, no real network.**';

type Msg = { role: string; content?: unknown };
const text = (c: unknown): string => (typeof c === 'string' ? c : JSON.stringify(c ?? ''));
const call = (name: string, args: Record<string, unknown>): Turn => ({ toolCalls: [{ name, args }] });

describe.skipIf(skip)('a skill proposal calibrated, adopted and reverted (bwrap, fake LLM, real Postgres)', () => {
  let t: TestDatabase;
  let llm: FakeLlm;
  let root: string;
  let suiteDir: string;
  let dataDir: string;

  beforeAll(async () => {
    t = await createTestDatabase('rsiskill');
    root = mkdtempSync(join(tmpdir(), 'ns-rsiskill-'));
    suiteDir = join(root, 'suite');
    dataDir = join(root, 'data');
    mkdirSync(dataDir);
    rsiSuite(suiteDir);
    llm = await startFakeLlm({
      script: (body: Record<string, unknown>): Turn => {
        const messages = (body.messages ?? []) as Msg[];
        const tools = ((body.tools ?? []) as Array<{ function?: { name?: string } }>).map((x) => x.function?.name);
        const step = messages.filter((m) => m.role === 'assistant').length;
        if (tools.includes('propose_improvement')) {
          // ---- the reporter: one skill edit for the tool-error observation ----
          if (step === 0) return call('read_file', { path: 'observations.md' });
          const obs = messages.map((m) => text(m.content)).find((x) => x.includes('# Observations'))?.replace(/\\n/g, '\n') ?? '';
          const id = /(O\d+) — apply_code_changes returned an error/.exec(obs)?.[1] ?? 'O-missing';
          if (step === 1) return call('propose_improvement', { kind: 'skill', target: SKILL, observations: [id], title: 'Re-read before editing', rationale: 'edits from memory are refused', edits: [{ search: LINE, replace: `${LINE} ${GUIDANCE}` }] });
          return call('finish', { summary: 'one skill edit' });
        }
        // ---- the developer: loads node-testing, and edits right only if the skill says to re-read ----
        const isAdd = text(messages.find((m) => m.role === 'user')?.content).includes('Fix add');
        const skillSays = messages.filter((m) => m.role === 'tool').some((m) => text(m.content).includes(GUIDANCE));
        if (step === 0) return call('load_skill', { name: SKILL });
        if (step === 1) return call('read_file', { path: isAdd ? 'src/math.js' : 'src/clamp.js' });
        if (step === 2) {
          if (isAdd) return call('apply_code_changes', { changes: [{ path: 'src/math.js', mode: 'replace', search: skillSays ? 'return a - b;' : MISREMEMBERED, replace: 'return a + b;' }] });
          return call('apply_code_changes', { changes: [{ path: 'src/clamp.js', mode: 'replace', search: "throw new Error('not implemented');", replace: 'return Math.min(hi, Math.max(lo, x));' }] });
        }
        return call('finish', { summary: 'done' });
      },
    });
  });

  afterAll(async () => {
    await llm?.close();
    await t?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('is adopted as the organisation’s text of the skill only after calibration passes, and reverts to the built-in text', async () => {
    const env = { DATABASE_URL: t.url, NIGHTSHIFT_DATA_DIR: dataDir, SANDBOX_DRIVER: 'bwrap', OPENAI_API_KEY: 'sk-test-skill', NIGHTSHIFT_OUTBOUND_ALLOW: '127.0.0.1' };
    const ev = await runCli(['eval', 'run', '--suite', suiteDir, '--model', MODEL, '--base-url', `${llm.url}/v1`, '--repeat', '2', '--no-setup'], env);
    expect(ev.code, ev.stderr).toBe(0);
    const failing = JSON.parse(ev.stdout.trim().split('\n').at(-1)!).tasks.filter((x: { id: string; status: string }) => x.id === 'add' && x.status === 'failed');
    expect(failing).toHaveLength(2);

    const org = await t.db.selectFrom('organizations').innerJoin('memberships', 'memberships.org_id', 'organizations.id').select(['organizations.id', 'memberships.user_id']).executeTakeFirstOrThrow();
    const builtIn = (await currentSkillText(t.db, org.id, SKILL, loadSkillLibrary()))!.text;
    const summary = await runCycle({
      db: t.db,
      databaseUrl: t.url,
      dataDir,
      orgId: org.id,
      trigger: 'manual',
      settings: { model: MODEL, autoAdopt: true },
      baseUrl: `${llm.url}/v1`,
      suite: suiteDir,
      driver: 'bwrap',
      publish: createPublisher(t.db, t.pool),
      setupDependencies: false,
    });
    expect(summary.proposals).toHaveLength(1);
    const p = summary.proposals[0];
    expect(p).toMatchObject({ kind: 'skill', target: SKILL, status: 'adopted', calibration: { status: 'passed', baseline: { passRate: 0.5 }, candidate: { passRate: 1 }, fixed: 2 } });
    expect(summary.adopted).toEqual([p.id]);
    const adopted = await currentSkillText(t.db, org.id, SKILL, loadSkillLibrary());
    expect(adopted?.text).toContain(`${LINE} ${GUIDANCE}`);
    // What the agents now load is the organisation's text.
    const row = await t.db.selectFrom('org_skills').select('manifest').where('org_id', '=', org.id).where('name', '=', SKILL).executeTakeFirstOrThrow();
    expect(row.manifest).toContain(GUIDANCE);

    const scope = { orgId: org.id, userId: org.user_id, role: 'owner' as const };
    expect(await revertProposal(t.db, scope, { proposalId: p.id })).toEqual({ reverted: true });
    expect((await currentSkillText(t.db, org.id, SKILL, loadSkillLibrary()))?.text).toBe(builtIn);
    await expect(revertProposal(t.db, scope, { proposalId: p.id })).rejects.toThrow('Only an adopted proposal can be reverted (this one is reverted)');
  }, 600_000);
});
