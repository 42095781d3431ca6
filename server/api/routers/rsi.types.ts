import { z } from 'zod';
import { ZId } from '../trpc';
import { RSI_PROPOSAL_STATUSES } from '../../db/schema';
import { ZRsiSettings } from '../../rsi/settings';

/** Inputs of the Improvements page's procedures (the router, the page and tests use these). */

/** Any subset of the self-improvement settings; what is left out keeps its value. */
export const ZRsiSettingsInput = ZRsiSettings.partial().strip();
export const ZRsiReportsInput = z.object({ limit: z.number().int().min(1).max(100).optional() });
export const ZRsiObservationsInput = z.object({ reportId: ZId.optional() });
export const ZRsiProposalsInput = z.object({ status: z.array(z.enum(RSI_PROPOSAL_STATUSES)).max(RSI_PROPOSAL_STATUSES.length).optional(), limit: z.number().int().min(1).max(200).optional() });
export const ZRsiProposalInput = z.object({ proposalId: ZId });
export const ZRsiDismissInput = z.object({ proposalId: ZId, reason: z.string().trim().max(500).optional() });
