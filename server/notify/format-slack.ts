import { clip, type Notice } from './notice';

/** A Slack message: `text` is the notification/fallback line, `blocks` the Block Kit body. */
export type SlackMessage = { text: string; blocks: SlackBlock[] };
export type SlackBlock =
  | { type: 'section'; text: { type: 'mrkdwn'; text: string } }
  | { type: 'context'; elements: Array<{ type: 'mrkdwn'; text: string }> };

/** Slack mrkdwn treats &, < and > as control characters; user text must be escaped. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function link(url: string | undefined, label: string): string {
  return url ? `<${url}|${escapeSlack(label)}>` : escapeSlack(label);
}

const section = (text: string): SlackBlock => ({ type: 'section', text: { type: 'mrkdwn', text } });
const context = (text: string): SlackBlock => ({ type: 'context', elements: [{ type: 'mrkdwn', text }] });

export function formatSlack(notice: Notice): SlackMessage {
  switch (notice.kind) {
    case 'spec.scored': {
      const verdict = notice.accepted ? 'accepted' : 'rejected';
      const bar = notice.threshold !== undefined ? ` (threshold ${notice.threshold})` : '';
      const text = `Spec ${verdict}: ${notice.specTitle} — score ${notice.score}${bar}`;
      return {
        text,
        blocks: [section(`${notice.accepted ? ':white_check_mark:' : ':x:'} Spec *${link(notice.url, notice.specTitle)}* ${verdict}`), context(`Score *${notice.score}*${bar}`)],
      };
    }
    case 'run.started': {
      const tasks = notice.taskCount !== undefined ? `, ${notice.taskCount} ${notice.taskCount === 1 ? 'task' : 'tasks'}` : '';
      return {
        text: `Run started: ${notice.specTitle}${tasks}`,
        blocks: [section(`:rocket: Run started for *${link(notice.url, notice.specTitle)}*${tasks}`)],
      };
    }
    case 'task.failed':
      return {
        text: `Task failed: ${notice.taskTitle} — ${clip(notice.reason, 200)}`,
        blocks: [section(`:warning: Task *${link(notice.url, notice.taskTitle)}* failed`), section(`>${escapeSlack(clip(notice.reason)).replace(/\n/g, '\n>')}`)],
      };
    case 'pull-request.opened':
      return {
        text: `Pull request opened: ${notice.title}`,
        blocks: [section(`:sparkles: Pull request opened: *${link(notice.url, notice.title)}*`), section(escapeSlack(clip(notice.summary)))],
      };
    case 'digest':
      return {
        text: `Nightshift digest for ${notice.date}`,
        blocks: [
          section(`:crescent_moon: *Nightshift digest* for ${notice.date}${notice.url ? ` — ${link(notice.url, 'open')}` : ''}`),
          section(
            [`• Runs started: *${notice.runsStarted}*`, `• Runs failed: *${notice.runsFailed}*`, `• Pull requests opened: *${notice.pullRequestsOpened}*`, `• Tokens used: *${notice.tokensUsed.toLocaleString('en-US')}*`].join('\n'),
          ),
        ],
      };
    case 'eval.regressed': {
      const rate = (x: number | null) => (x === null ? '—' : `${Math.round(x * 1000) / 10}%`);
      const tasks = notice.regressions.slice(0, 20).map((t) => `\`${escapeSlack(t)}\``).join(', ');
      const more = notice.regressions.length > 20 ? ` and ${notice.regressions.length - 20} more` : '';
      return {
        text: `Eval regression in ${notice.suite} with ${notice.model}: ${notice.regressions.length} task(s) no longer pass`,
        blocks: [
          section(`:chart_with_downwards_trend: Eval *${link(notice.url, notice.suite)}* regressed with \`${escapeSlack(notice.model)}\` (${escapeSlack(notice.mode)} mode)`),
          section(`No longer passing: ${tasks}${more}`),
          context(`Pass rate *${rate(notice.passRate)}* (previous run ${rate(notice.previousPassRate)})`),
        ],
      };
    }
    case 'improvement.adopted':
      return {
        text: `Improvement adopted: ${notice.title} (${notice.change})`,
        blocks: [
          section(`:seedling: Improvement adopted: *${link(notice.url, notice.title)}* — ${escapeSlack(notice.change)}`),
          section(escapeSlack(clip(notice.verdict))),
          context(`Adopted by ${escapeSlack(notice.adoptedBy)}; revert it on the Improvements page`),
        ],
      };
    case 'channel.test':
      return { text: `Nightshift is connected to ${notice.channelName}`, blocks: [section(`:wave: Nightshift is connected to *${escapeSlack(notice.channelName)}*.`)] };
  }
}
