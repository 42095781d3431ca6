import { redirect } from 'next/navigation';

/** Settings opens on its first section; every section has its own URL. */
export default async function SettingsHome({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  redirect(`/o/${slug}/settings/general`);
}
