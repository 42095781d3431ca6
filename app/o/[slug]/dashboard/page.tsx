'use client';
import Link from 'next/link';
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { trpc } from '@/components/trpc';
import { useOrg } from '@/components/org-context';
import { Card, Empty, ErrorMessage, Loading } from '@/components/ui/form';
import { Breadcrumbs, usePageTitle } from '@/components/ui/page-header';
import { RunsList } from '@/components/run/runs-list';
import { dayLabel, fillDays } from '@/components/dashboard/days';
import { GettingStarted } from '@/components/getting-started';

const MAX_BAR_PX = 28;

export default function DashboardPage() {
  const org = useOrg();
  const stats = trpc.dashboard.stats.useQuery({ orgId: org.id }, { refetchInterval: 15_000 });
  const runs = trpc.run.list.useQuery({ orgId: org.id, limit: 10 }, { refetchInterval: 15_000 });
  usePageTitle(['Dashboard', org.name]);
  if (stats.isLoading) return <Loading />;
  if (stats.error) return <ErrorMessage>{stats.error.message}</ErrorMessage>;
  const s = stats.data!;
  const days = fillDays(s.days);
  return (
    <div className="flex min-w-0 flex-col gap-6">
      <div className="flex flex-col gap-2">
        <Breadcrumbs items={[{ label: org.name, href: `/o/${org.slug}/dashboard` }, { label: 'Dashboard' }]} />
        <h1 className="text-2xl font-semibold">Dashboard</h1>
      </div>
      <GettingStarted />
      <dl className="grid grid-cols-2 gap-4 sm:grid-cols-4">
        {[
          ['Runs (30 days)', String(s.totals.runs)],
          ['Success rate', s.successRate === null ? '—' : `${Math.round(s.successRate * 100)}%`],
          ['Tokens', s.totals.tokens.toLocaleString('en')],
          ['Cost', `$${s.totals.costUsd.toFixed(2)}`],
        ].map(([k, v]) => (
          <div key={k} className="rounded-lg border bg-white p-4">
            <dt className="text-xs text-slate-500">{k}</dt>
            <dd className="text-2xl font-semibold">{v}</dd>
          </div>
        ))}
      </dl>
      <Card title="Recent runs" actions={<Link className="text-sm text-indigo-700 underline" href={`/o/${org.slug}/projects`}>All projects</Link>}>
        <RunsList orgSlug={org.slug} runs={runs.data} loading={runs.isLoading} label="Recent runs" emptyText="No runs yet. Write a spec in a project and plan it to start one." />
      </Card>
      <Card title="Runs over time">
        {s.days.length === 0 ? (
          <Empty>No runs in the last 30 days.</Empty>
        ) : (
          <div className="h-64" role="img" aria-label="Runs per day, succeeded and failed">
            <ResponsiveContainer>
              <BarChart data={days} maxBarSize={MAX_BAR_PX}>
                <CartesianGrid strokeDasharray="3 3" vertical={false} />
                <XAxis dataKey="day" tickFormatter={dayLabel} minTickGap={16} />
                <YAxis allowDecimals={false} width={32} />
                <Tooltip labelFormatter={(d) => dayLabel(String(d))} />
                <Legend />
                <Bar dataKey="succeeded" name="Succeeded" stackId="a" fill="#059669" isAnimationActive={false} />
                <Bar dataKey="failed" name="Failed" stackId="a" fill="#dc2626" isAnimationActive={false} />
              </BarChart>
            </ResponsiveContainer>
          </div>
        )}
      </Card>
      <Card title="Tokens and cost">
        {s.days.length === 0 ? (
          <Empty>Nothing spent yet.</Empty>
        ) : (
          <div className="h-64" role="img" aria-label="Tokens and cost per day">
            <ResponsiveContainer>
              <LineChart data={days}>
                <CartesianGrid strokeDasharray="3 3" vertical={false} />
                <XAxis dataKey="day" tickFormatter={dayLabel} minTickGap={16} />
                <YAxis yAxisId="t" tickFormatter={(v: number) => (v >= 1000 ? `${Math.round(v / 1000)}k` : String(v))} width={44} />
                <YAxis yAxisId="c" orientation="right" tickFormatter={(v: number) => `$${v.toFixed(2)}`} width={52} />
                <Tooltip labelFormatter={(d) => dayLabel(String(d))} formatter={(v, name) => (name === 'Cost (USD)' ? `$${Number(v).toFixed(2)}` : Number(v).toLocaleString('en'))} />
                <Legend />
                <Line yAxisId="t" dataKey="tokens" name="Tokens" stroke="#4f46e5" dot={false} isAnimationActive={false} />
                <Line yAxisId="c" dataKey="costUsd" name="Cost (USD)" stroke="#d97706" dot={false} isAnimationActive={false} />
              </LineChart>
            </ResponsiveContainer>
          </div>
        )}
      </Card>
      <Card title="Queue">
        <p className="text-sm">
          {['pending', 'blocked', 'queued', 'running'].map((k) => `${k}: ${s.queue[k] ?? 0}`).join(' · ')}
        </p>
      </Card>
      <Card title="Failing tasks">
        {s.failing.length === 0 && <Empty>No failing tasks.</Empty>}
        <ul className="divide-y">
          {s.failing.map((t) => (
            <li key={t.id} className="py-2 text-sm">
              <Link className="text-indigo-700 underline" href={`/o/${org.slug}/runs/${t.runId}`}>
                {t.key}: {t.title}
              </Link>{' '}
              — {t.status}: <span className="text-red-800">{t.error ?? 'no reason recorded'}</span>
            </li>
          ))}
        </ul>
      </Card>
    </div>
  );
}
