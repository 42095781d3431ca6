/** The dashboard's days: the charts' x axis. */

/** Days the charts cover, oldest first: every day shows, with or without runs, so one day is one narrow bar. */
const CHART_DAYS = 30;

export type Day = { day: string; runs: number; succeeded: number; failed: number; tokens: number; costUsd: number };

/** The last `n` days as YYYY-MM-DD (UTC, as the server groups them), each with the stats it has or zeros. */
export function fillDays(days: Day[], n = CHART_DAYS, today = new Date()): Day[] {
  const byDay = new Map(days.map((d) => [d.day, d]));
  const out: Day[] = [];
  for (let i = n - 1; i >= 0; i--) {
    const key = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - i)).toISOString().slice(0, 10);
    out.push(byDay.get(key) ?? { day: key, runs: 0, succeeded: 0, failed: 0, tokens: 0, costUsd: 0 });
  }
  return out;
}

/** "2026-03-07" → "7 Mar" on the axis. */
export function dayLabel(day: string): string {
  return new Date(`${day}T00:00:00Z`).toLocaleDateString('en', { day: 'numeric', month: 'short', timeZone: 'UTC' });
}
