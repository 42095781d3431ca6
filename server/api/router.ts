import { router } from './trpc';
import { authRouter } from './routers/auth';
import { orgRouter } from './routers/org';
import { invitationRouter, memberRouter } from './routers/member';
import { projectRouter } from './routers/project';
import { apiTokenRouter, secretRouter } from './routers/settings';
import { specRouter } from './routers/spec';
import { runRouter } from './routers/run';
import { integrationsRouter } from './routers/integrations';
import { chatRouter } from './routers/chat';
import { dashboardRouter } from './routers/dashboard';
import { planningRouter } from './routers/planning';
import { mcpRouter } from './routers/mcp';
import { agentSettingsRouter } from './routers/agent-settings';
import { environmentRouter } from './routers/environment';
import { viabilityRouter } from './routers/viability';
import { instanceRouter } from './routers/instance';
import { evalsRouter } from './routers/evals';
import { rsiRouter } from './routers/rsi';
import { recordingRouter } from './routers/recording';
import { modelsRouter } from './routers/models';

/** Composes the routers; procedures live in routers/. */
export const appRouter = router({
  auth: authRouter,
  org: orgRouter,
  member: memberRouter,
  invitation: invitationRouter,
  project: projectRouter,
  secret: secretRouter,
  apiToken: apiTokenRouter,
  spec: specRouter,
  run: runRouter,
  integrations: integrationsRouter,
  chat: chatRouter,
  dashboard: dashboardRouter,
  planning: planningRouter,
  mcp: mcpRouter,
  agentSettings: agentSettingsRouter,
  environment: environmentRouter,
  viability: viabilityRouter,
  instance: instanceRouter,
  evals: evalsRouter,
  rsi: rsiRouter,
  recording: recordingRouter,
  models: modelsRouter,
});

export type AppRouter = typeof appRouter;
