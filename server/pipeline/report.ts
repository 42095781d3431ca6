import { describeProof, type Proof } from '../recording/evidence';
import type { PipelineResult, PipelineRole, RoleOutcome } from './types';

const usd = (n: number) => `$${n.toFixed(4)}`;

/** Where the report links a recorded command (its output on the run page's recording). */
export type ReportLinks = { command(seq: number): string };

/** A checked citation in markdown: a recorded command links to its output. */
function proofText(p: Proof, links?: ReportLinks): string {
  if (p.kind === 'command') {
    const label = `\`${p.command.replace(/`/g, "'")}\` → exit ${p.exitCode}`;
    const shows = p.shows ? ` — ${p.shows}` : '';
    return links ? `[${label}](${links.command(p.seq)})${shows}` : `${label} (recorded command #${p.seq})${shows}`;
  }
  return describeProof(p);
}

/**
 * The evidence for criterion `index`: QA's citations as checked against the recording (a command
 * with its recorded exit code and a link to its output, a file in the change, a web-tester step),
 * the reviewer's notes. Met (✅) only when the last QA pass proved it; a criterion without proof is
 * never shown met.
 */
function criterionEvidence(result: PipelineResult, index: number, links?: ReportLinks): { met: boolean | null; lines: string[] } {
  const lines: string[] = [];
  let met: boolean | null = null;
  for (const c of result.cycles) {
    const qa = c.qa?.finish?.criteria?.find((x) => x.criterion === index + 1);
    if (qa) {
      const proof = qa.proof ?? [];
      met = qa.met && proof.length > 0 ? true : qa.met ? null : false;
      const shown = proof.length ? proof.map((p) => proofText(p, links)).join(' · ') : 'no recorded evidence';
      lines.push(`QA (cycle ${c.cycle}): ${qa.met ? 'met' : 'not met'} — ${shown}`);
    }
    const reviewer = c.reviewer?.finish?.criteria?.find((x) => x.criterion === index + 1);
    if (reviewer) lines.push(`Reviewer (cycle ${c.cycle}): ${reviewer.met ? 'met' : 'not met'} — ${reviewer.evidence}`);
  }
  return { met, lines };
}

function roleLine(role: PipelineRole, o: RoleOutcome | undefined): string {
  if (!o) return `- ${role}: did not run`;
  const verdict = o.finish?.verdict ? ` — **${o.finish.verdict}**` : '';
  return `- ${role}${verdict}: ${o.finish?.summary ?? o.reason ?? o.status} (${o.turns} ${o.turns === 1 ? 'turn' : 'turns'})`;
}

/**
 * The verification report a pull request carries: each acceptance criterion with its evidence,
 * the QA cycles, the reviewer's steelman and findings, tokens and cost per role, prompt versions.
 */
/** A dependency setup of the task (server/env/session-setup.ts `steps()`), as the report lists it. */
export type ReportSetupStep = {
  trigger: 'task-start' | 'agent';
  status: 'ready' | 'failed' | 'none';
  command: string | null;
  cached: boolean;
  durationMs: number;
  cacheKey: string | null;
  error?: string;
  toolchain?: string[];
};

function setupLine(s: ReportSetupStep): string {
  const when = s.trigger === 'task-start' ? 'before the first role' : 'install_dependencies';
  const secs = `${(Math.round(s.durationMs / 100) / 10).toFixed(1)} s`;
  if (s.status === 'none') return `- no recognisable stack: nothing to install (${when})`;
  const what = `\`${s.command}\``;
  if (s.status === 'failed') return `- ${what} → **failed** after ${secs} (${when}): ${(s.error ?? '').split('\n')[0]}`;
  return `- ${what} → ready, ${s.cached ? 'from the cache (no install)' : 'installed'} in ${secs}${s.cacheKey ? ` · cache key \`${s.cacheKey}\`` : ''} (${when})`;
}

export function verificationReport(input: {
  task: { key: string; title: string };
  acceptanceCriteria: string[];
  result: PipelineResult;
  branch?: string;
  commitSha?: string;
  /** The task's dependency setups, in order (issue 21). */
  environment?: ReportSetupStep[];
  links?: ReportLinks;
}): string {
  const { result, links } = input;
  const out: string[] = [];
  out.push(`## Verification report — ${input.task.title}`);
  out.push('');
  if (result.capHit) {
    out.push(`> ⚠️ **The cap of ${result.capHit.maxQaCycles} QA cycles was hit**: QA and review did not converge, so this change is **not verified**. The findings still open are listed below.`);
    out.push('');
  }
  out.push(`Status: **${result.status}**${result.reason ? ` (${result.reason})` : ''} · task \`${input.task.key}\`${input.branch ? ` · branch \`${input.branch}\`` : ''}${input.commitSha ? ` · commit \`${input.commitSha.slice(0, 12)}\`` : ''}`);
  out.push('');
  out.push('### Acceptance criteria');
  if (!input.acceptanceCriteria.length) out.push('_The spec listed no acceptance criteria._');
  input.acceptanceCriteria.forEach((criterion, i) => {
    const ev = criterionEvidence(result, i, links);
    const mark = ev.met === true ? '✅' : ev.met === false ? '❌' : '⚪';
    out.push(`${i + 1}. ${mark} ${criterion}`);
    for (const line of ev.lines) out.push(`   - ${line}`);
    if (!ev.lines.length) out.push('   - no evidence recorded');
  });
  if (input.environment?.length) {
    out.push('');
    out.push('### Environment setup');
    for (const step of input.environment) {
      out.push(setupLine(step));
      for (const problem of step.toolchain ?? []) out.push(`  - toolchain: ${problem}`);
    }
  }
  out.push('');
  out.push('### Tests run in the sandbox');
  const commands = result.cycles.flatMap((c) => (c.qa?.commands ?? []).map((cmd) => ({ ...cmd, cycle: c.cycle })));
  if (!commands.length) out.push('_QA recorded no commands._');
  for (const c of commands) {
    const label = `\`${c.command.replace(/`/g, "'")}\` → exit ${c.exitCode}`;
    out.push(`- cycle ${c.cycle}: ${links && c.seq !== undefined ? `[${label}](${links.command(c.seq)})` : label}`);
  }
  const web = result.cycles.flatMap((c) => c.qa?.webTest ? [{ cycle: c.cycle, ...c.qa.webTest }] : []);
  if (web.length) {
    out.push('');
    out.push('### Web tester');
    for (const w of web) {
      out.push(`Cycle ${w.cycle}:`);
      for (const line of w.transcript) out.push(`- ${line}`);
      for (const shot of w.screenshots) out.push(`- screenshot: ${shot}`);
      for (const v of w.visual ?? []) {
        const detail = v.status === 'changed' ? ` — ${v.diffPixels} pixels differ, diff: ${v.diffImage}` : v.status === 'baseline-created' ? ' — baseline recorded' : '';
        out.push(`- visual ${v.status}: ${v.screenshot.split('/').pop()}${detail}`);
      }
    }
  }
  out.push('');
  out.push(`### Roles and QA cycles (${result.cycles.length})`);
  out.push(roleLine('architect', result.architect));
  for (const c of result.cycles) {
    // Blank lines around it: otherwise Markdown reads it as part of the list item above.
    out.push('', `**Cycle ${c.cycle}**`, '');
    out.push(roleLine('developer', c.developer));
    for (const k of c.contested) out.push(`  - contested ${k.findingId}: ${k.evidence}${c.withdrawn.includes(k.findingId) ? ' — withdrawn by QA' : ' — upheld by QA'}`);
    out.push(roleLine('qa', c.qa));
    for (const f of c.qa?.finish?.findings ?? []) out.push(`  - ${f.id ?? ''} [${f.category ?? 'other'}] ${f.message}`);
    if (c.reviewer) {
      out.push(roleLine('reviewer', c.reviewer));
      if (c.reviewer.finish?.steelman) out.push(`  - steelman: ${c.reviewer.finish.steelman}`);
      for (const f of c.reviewer.finish?.findings ?? []) out.push(`  - ${f.id ?? ''} [${f.category ?? 'other'}] ${f.message}`);
    }
  }
  if (result.openFindings.length) {
    out.push('');
    out.push('### Open findings');
    for (const f of result.openFindings) out.push(`- [${f.category ?? 'other'}] ${f.message}${f.file ? ` (${f.file})` : ''}`);
  }
  if (result.remediation.length) {
    out.push('');
    out.push('### Split into a remediation task');
    for (const f of result.remediation) out.push(`- [${f.category ?? 'other'}] ${f.message}${f.file ? ` (${f.file})` : ''}`);
  }
  out.push('');
  out.push('### Tokens and cost');
  out.push('| role | input tokens | output tokens | cost |');
  out.push('|---|---:|---:|---:|');
  let total = 0;
  for (const [role, u] of Object.entries(result.usageByRole)) {
    total += u.costUsd;
    out.push(`| ${role} | ${u.inputTokens} | ${u.outputTokens} | ${usd(u.costUsd)} |`);
  }
  out.push(`| total | | | ${usd(total)} |`);
  const versions = Object.entries(result.promptVersions);
  if (versions.length) {
    out.push('');
    out.push(`Prompt versions: ${versions.map(([id, v]) => `${id}@${v}`).join(', ')}`);
  }
  return out.join('\n') + '\n';
}
