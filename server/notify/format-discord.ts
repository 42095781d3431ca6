import { clip, type Notice } from './notice';

/** A Discord webhook body: one embed per notice, `content` empty so the embed carries it. */
export type DiscordMessage = {
  content: string;
  embeds: Array<{ title: string; description?: string; url?: string; color: number; fields?: Array<{ name: string; value: string; inline?: boolean }> }>;
  /** Never ping @everyone or roles from text that came from a spec or a model. */
  allowed_mentions: { parse: [] };
};

export const DISCORD_COLORS = { good: 0x2eb67d, bad: 0xe01e5a, info: 0x36c5f0, neutral: 0x7c7c7c } as const;

/** Discord limits: embed title 256, description 4096 characters. */
const TITLE_MAX = 256;

function message(embed: DiscordMessage['embeds'][number]): DiscordMessage {
  return { content: '', embeds: [{ ...embed, title: clip(embed.title, TITLE_MAX) }], allowed_mentions: { parse: [] } };
}

export function formatDiscord(notice: Notice): DiscordMessage {
  switch (notice.kind) {
    case 'spec.scored':
      return message({
        title: `Spec ${notice.accepted ? 'accepted' : 'rejected'}: ${notice.specTitle}`,
        url: notice.url,
        color: notice.accepted ? DISCORD_COLORS.good : DISCORD_COLORS.bad,
        fields: [
          { name: 'Score', value: String(notice.score), inline: true },
          ...(notice.threshold !== undefined ? [{ name: 'Threshold', value: String(notice.threshold), inline: true }] : []),
        ],
      });
    case 'run.started':
      return message({
        title: `Run started: ${notice.specTitle}`,
        url: notice.url,
        color: DISCORD_COLORS.info,
        ...(notice.taskCount !== undefined ? { fields: [{ name: 'Tasks', value: String(notice.taskCount), inline: true }] } : {}),
      });
    case 'task.failed':
      return message({ title: `Task failed: ${notice.taskTitle}`, url: notice.url, color: DISCORD_COLORS.bad, description: clip(notice.reason) });
    case 'pull-request.opened':
      return message({ title: `Pull request opened: ${notice.title}`, url: notice.url, color: DISCORD_COLORS.good, description: clip(notice.summary) });
    case 'digest':
      return message({
        title: `Nightshift digest for ${notice.date}`,
        url: notice.url,
        color: DISCORD_COLORS.neutral,
        fields: [
          { name: 'Runs started', value: String(notice.runsStarted), inline: true },
          { name: 'Runs failed', value: String(notice.runsFailed), inline: true },
          { name: 'Pull requests', value: String(notice.pullRequestsOpened), inline: true },
          { name: 'Tokens used', value: notice.tokensUsed.toLocaleString('en-US'), inline: true },
        ],
      });
    case 'eval.regressed': {
      const rate = (x: number | null) => (x === null ? '—' : `${Math.round(x * 1000) / 10}%`);
      return message({
        title: `Eval regression: ${notice.suite} with ${notice.model}`,
        url: notice.url,
        color: DISCORD_COLORS.bad,
        description: clip(`No longer passing: ${notice.regressions.join(', ')}`),
        fields: [
          { name: 'Pass rate', value: rate(notice.passRate), inline: true },
          { name: 'Previous run', value: rate(notice.previousPassRate), inline: true },
          { name: 'Mode', value: notice.mode, inline: true },
        ],
      });
    }
    case 'improvement.adopted':
      return message({
        title: `Improvement adopted: ${notice.title}`,
        url: notice.url,
        color: DISCORD_COLORS.good,
        description: clip(notice.verdict),
        fields: [
          { name: 'Change', value: notice.change, inline: true },
          { name: 'Adopted by', value: notice.adoptedBy, inline: true },
        ],
      });
    case 'channel.test':
      return message({ title: `Nightshift is connected to ${notice.channelName}`, color: DISCORD_COLORS.info });
  }
}
