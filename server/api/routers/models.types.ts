import { z } from 'zod';
import { ZText } from '../schemas';
import { PROVIDERS } from '../../llm/types';
import { PROVIDER_KINDS } from '../../services/model-providers';

/** Inputs of Settings → Models, written once (the router, its tests and the form use these). */
export const ZProviderKind = z.enum(PROVIDER_KINDS);
export const ZProviderName = z.enum(PROVIDERS);
/** Blank: keep the saved key (or, for a test, use it). */
export const ZProviderKey = ZText.trim().max(2000, 'must be at most 2000 characters').optional();
/** Checked by the service (baseUrlProblem), which knows what each provider accepts. */
export const ZProviderBaseUrl = ZText.trim().max(500, 'must be at most 500 characters').optional();

export const ZProviderInput = z.object({ kind: ZProviderKind, apiKey: ZProviderKey, baseUrl: ZProviderBaseUrl });
export const ZDisconnectProviderInput = z.object({ provider: ZProviderName });
