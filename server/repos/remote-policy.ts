import { assertOutboundAllowed } from '../net/outbound';

/**
 * git talks to http(s) remotes itself, so the outbound policy (server/net/outbound.ts) is checked
 * on the remote's host before each fetch and push. Local paths and file:// remotes are not network
 * destinations; ssh remotes go through the operator's own ssh configuration.
 */
export async function assertRemoteAllowed(remote: string): Promise<void> {
  if (!/^https?:\/\//i.test(remote)) return;
  await assertOutboundAllowed(remote);
}
