import type { DB } from '../db/client';
import { parseModelName } from '../llm/create-model';
import { chooseModelName } from '../llm/model-factory';
import { loadOrgModelChoice } from './agent-settings';
import { getModelProviders } from './model-providers';
import type { OrgScope } from './scope';

/**
 * The getting-started checklist of an organisation, each item read from real state: a model its
 * runs can reach (the provider of its default model connected — by the organisation, or by the
 * server's own settings), a project, a spec, and someone else invited or joined.
 */
export async function gettingStarted(db: DB, scope: OrgScope, env: Record<string, string | undefined> = process.env) {
  const [choice, providers, projects, specs, members, invitations] = await Promise.all([
    loadOrgModelChoice(db, scope.orgId),
    getModelProviders(db, scope, env),
    db.selectFrom('projects').select(['id', 'name']).where('org_id', '=', scope.orgId).orderBy('created_at').execute(),
    db.selectFrom('specs').select(db.fn.countAll<string>().as('n')).where('org_id', '=', scope.orgId).executeTakeFirstOrThrow(),
    db.selectFrom('memberships').select(db.fn.countAll<string>().as('n')).where('org_id', '=', scope.orgId).executeTakeFirstOrThrow(),
    db.selectFrom('invitations').select(db.fn.countAll<string>().as('n')).where('org_id', '=', scope.orgId).executeTakeFirstOrThrow(),
  ]);
  const model = chooseModelName({}, choice, env);
  let provider: string | null = null;
  try {
    provider = parseModelName(model).provider;
  } catch {
    provider = null;
  }
  const view = providers.providers.find((p) => p.provider === provider);
  const modelSource = !view ? null : view.connected ? 'organization' : view.fromServer ? 'server' : null;
  return {
    model: { done: modelSource !== null, model, provider, source: modelSource, anthropicDefault: providers.builtInDefault },
    repository: { done: projects.length > 0, firstProject: projects[0] ?? null },
    spec: { done: Number(specs.n) > 0 },
    team: { done: Number(members.n) > 1 || Number(invitations.n) > 0 },
  };
}
