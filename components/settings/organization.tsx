'use client';
import { useState, type FormEvent } from 'react';
import { trpc } from '../trpc';
import { useOrg } from '../org-context';
import { Button, Card, ErrorMessage, Field, Loading, SavedMessage } from '../ui/form';

/** The organisation's name and the completeness a spec needs before it is planned. */
export function OrganizationSettings({ canEdit }: { canEdit: boolean }) {
  const org = useOrg();
  const utils = trpc.useUtils();
  const current = trpc.org.get.useQuery({ orgId: org.id });
  const update = trpc.org.update.useMutation({
    onSuccess: () => Promise.all([utils.org.get.invalidate({ orgId: org.id }), utils.org.bySlug.invalidate({ slug: org.slug }), utils.org.list.invalidate()]),
  });
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setError(null);
    setSaved(false);
    const form = new FormData(e.currentTarget);
    const threshold = Number(form.get('specThreshold'));
    try {
      await update.mutateAsync({ orgId: org.id, name: String(form.get('name') ?? '').trim(), specThreshold: threshold });
      setSaved(true);
    } catch (err) {
      setError((err as Error).message);
    }
  }

  if (current.isLoading) return <Loading />;
  if (current.error) return <ErrorMessage>{current.error.message}</ErrorMessage>;
  const data = current.data!;
  return (
    <Card title="Organization">
      {canEdit ? (
        <form key={`${data.name}:${data.specThreshold}`} onSubmit={onSubmit} className="flex flex-col gap-3" aria-label="Organization settings">
          <div className="flex flex-wrap items-end gap-3">
            <Field label="Organization name" name="name" defaultValue={data.name} required minLength={2} maxLength={80} />
            <Field
              label="Spec completeness needed (0–100)"
              name="specThreshold"
              type="number"
              min={0}
              max={100}
              defaultValue={data.specThreshold}
              hint="A spec is planned only at this score or above."
              required
            />
          </div>
          <p className="text-sm text-slate-600">
            Address: <code>/o/{data.slug}</code> (kept when the name changes).
          </p>
          <div>
            <Button type="submit" disabled={update.isPending}>
              Save organization
            </Button>
          </div>
        </form>
      ) : (
        <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm">
          <dt className="text-slate-500">Name</dt>
          <dd>{data.name}</dd>
          <dt className="text-slate-500">Spec completeness needed</dt>
          <dd>{data.specThreshold}/100</dd>
          <dt className="text-slate-500">Your role</dt>
          <dd>{org.role}</dd>
        </dl>
      )}
      <ErrorMessage>{error}</ErrorMessage>
      <SavedMessage>{saved && 'Organization saved.'}</SavedMessage>
    </Card>
  );
}
