import { z } from 'zod';
import { ZId } from '../trpc';
import { ZSecretName, ZText } from '../schemas';
import { parseAllowEntry } from '../../env/allow-list';

/** Inputs of the environment procedures (project page card, Settings → Registries), written once. */

/** A registry the setup phase may reach: host, host:port, *.domain or an http(s) URL. */
export const ZRegistryEntry = ZText.trim()
  .min(1, 'is required')
  .max(300, 'must be at most 300 characters')
  .superRefine((v, ctx) => {
    try {
      parseAllowEntry(v);
    } catch (err) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: (err as Error).message });
    }
  });

/** A mirror or private index installers are pointed at. */
export const ZRegistryUrl = ZText.trim()
  .max(500, 'must be at most 500 characters')
  .url('must be a URL, e.g. https://npm.example.com/')
  .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL');

/** The host (or host:port) a registry token is sent to. */
export const ZRegistryHost = ZText.trim()
  .toLowerCase()
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$/, 'must be a host name, optionally with :port (e.g. npm.example.com)');

export const ZRegistryToken = z.object({ host: ZRegistryHost, secret: ZSecretName });

export const ZSetRegistriesInput = z.object({
  extra: z.array(ZRegistryEntry).max(50, 'at most 50 registries'),
  replaceDefaults: z.boolean(),
  urls: z.object({ npm: ZRegistryUrl.optional(), pip: ZRegistryUrl.optional(), go: ZRegistryUrl.optional() }),
  tokens: z.array(ZRegistryToken).max(20, 'at most 20 tokens'),
});

/** A workspace-relative folder a setup leaves that tasks need (project setting `cachePaths`). */
export const ZCachePath = ZText.trim()
  .min(1)
  .max(200)
  .refine((p) => !p.startsWith('/') && !p.split('/').includes('..') && !p.split('/').includes('.git'), 'must be a folder inside the repository (relative, no .. or .git)');

export const ZProjectEnvInput = z.object({ projectId: ZId });

export const ZSetProjectEnvInput = z.object({
  projectId: ZId,
  /** Blank: detect from the repository. A committed .nightshift/setup.sh still wins. */
  setupCommand: ZText.trim().max(2000, 'must be at most 2000 characters').nullable(),
  cachePaths: z.array(ZCachePath).max(20, 'at most 20 paths'),
});
