import type { DB } from '../db/client';
import { getPlanLimits } from '../billing/limits';
import { monthlyTokensUsed } from '../services/billing';
import { organizationName } from '../services/orgs';
import { runStats } from '../services/run-stats';
import { escapeSlack } from './format-slack';

/** What Slack shows the person who typed the command (ephemeral: only them). */
export type SlackCommandResponse = { response_type: 'ephemeral' | 'in_channel'; text: string; blocks?: unknown[] };

const DAY_MS = 24 * 60 * 60 * 1000;

const HELP = 'Usage: `/nightshift status` — runs in progress, the last 24 hours, and this month\'s token use.';

/**
 * `/nightshift <text>` for an organisation already identified (by its Slack team) and verified
 * (by signature). Unknown subcommands answer with usage rather than an error.
 */
export async function answerSlackCommand(db: DB, input: { orgId: string; text: string; now?: Date }): Promise<SlackCommandResponse> {
  const [sub = 'status'] = input.text.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (sub !== 'status') return { response_type: 'ephemeral', text: HELP };
  const now = input.now ?? new Date();
  const org = await organizationName(db, input.orgId);
  const stats = await runStats(db, input.orgId, new Date(now.getTime() - DAY_MS));
  const { plan, limits, enforced } = await getPlanLimits(db, input.orgId);
  const tokens = await monthlyTokensUsed(db, input.orgId, now);
  const tokenLine = enforced ? `${tokens.toLocaleString('en-US')} of ${limits.monthlyTokens.toLocaleString('en-US')}` : tokens.toLocaleString('en-US');
  const lines = [
    `*Nightshift status* — ${escapeSlack(org ?? 'unknown organization')} (plan: ${plan})`,
    `• Runs in progress: *${stats.runsActive}*`,
    `• Last 24h: *${stats.runsStarted}* runs started, *${stats.runsFailed}* failed, *${stats.pullRequestsOpened}* pull requests opened`,
    `• Tokens this month: *${tokenLine}*`,
  ];
  return { response_type: 'ephemeral', text: lines.join('\n'), blocks: [{ type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } }] };
}
