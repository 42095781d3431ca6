'use client';
import Link from 'next/link';
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { trpc } from '@/components/trpc';
import { useOrg } from '@/components/org-context';
import { Card, Empty, ErrorMessage, Loading } from '@/components/ui/form';

export default function DashboardPage() {
  const org = useOrg();
  const stats = trpc.dashboard.stats.useQuery({ orgId: org.id }, { refetchInterval: 15_000 });
  if (stats.isLoading) return <Loading />;
  if (stats.error) return <ErrorMessage>{stats.error.message}</ErrorMessage>;
  const s = stats.data!;
  return (
    <div className="flex flex-col gap-6">
      <h1 className="text-2xl font-semibold">Dashboard</h1>
      <dl className="grid grid-cols-2 gap-4 sm:grid-cols-4">
        {[
          ['Runs (30 days)', String(s.totals.runs)],
          ['Success rate', s.successRate === null ? '—' : `${Math.round(s.successRate * 100)}%`],
          ['Tokens', s.totals.tokens.toLocaleString()],
          ['Cost', `$${s.totals.costUsd.toFixed(2)}`],
        ].map(([k, v]) => (
          <div key={k} className="rounded-lg border bg-white p-4">
            <dt className="text-xs text-slate-500">{k}</dt>
            <dd className="text-2xl font-semibold">{v}</dd>
          </div>
        ))}
      </dl>
      <Card title="Runs over time">
        {s.days.length === 0 ? (
          <Empty>No runs in the last 30 days.</Empty>
        ) : (
          <div className="h-64" role="img" aria-label="Runs per day, succeeded and failed">
            <ResponsiveContainer>
              <BarChart data={s.days}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="day" />
                <YAxis allowDecimals={false} />
                <Tooltip />
                <Legend />
                <Bar dataKey="succeeded" stackId="a" fill="#059669" />
                <Bar dataKey="failed" stackId="a" fill="#dc2626" />
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
              <LineChart data={s.days}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="day" />
                <YAxis yAxisId="t" />
                <YAxis yAxisId="c" orientation="right" />
                <Tooltip />
                <Legend />
                <Line yAxisId="t" dataKey="tokens" stroke="#4f46e5" />
                <Line yAxisId="c" dataKey="costUsd" stroke="#d97706" />
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
