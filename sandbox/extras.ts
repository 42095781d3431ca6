/**
 * What the isolating drivers share for the optional parts of a sandbox: extra bind mounts (a
 * cached environment's dependencies) and the egress wrapper of the setup phase.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, posix } from 'node:path';
import { EGRESS_FORWARDER_NAME, EGRESS_MOUNT, EGRESS_SOCKET_NAME, type SandboxBind, type SandboxOptions } from './types';

/** Targets a bind may not cover: the toolchain and the sandbox's own system folders. */
const FORBIDDEN_TARGETS = ['/', '/usr', '/bin', '/sbin', '/lib', '/lib64', '/etc', '/proc', '/dev', '/tmp', '/run', EGRESS_MOUNT];

/** Checks binds before any driver uses them; a bad one is a programming error, said plainly. */
export function validateBinds(binds: SandboxBind[] = []): SandboxBind[] {
  for (const b of binds) {
    if (!isAbsolute(b.source) || !existsSync(b.source) || !statSync(b.source).isDirectory()) {
      throw new Error(`bind source "${b.source}" is not an existing absolute directory`);
    }
    const target = posix.normalize(b.target);
    if (!posix.isAbsolute(target) || target !== b.target.replace(/\/+$/, '') || FORBIDDEN_TARGETS.includes(target)) {
      throw new Error(`bind target "${b.target}" must be a normalised absolute path other than a system folder`);
    }
    if (target.split('/').includes('..')) throw new Error(`bind target "${b.target}" may not contain ".."`);
  }
  return binds;
}

/** The host directory holding the egress socket and forwarder, checked. */
export function egressDir(opts: SandboxOptions): string | undefined {
  if (!opts.egress) return undefined;
  const dir = dirname(opts.egress.socketPath);
  if (!opts.egress.socketPath.endsWith(`/${EGRESS_SOCKET_NAME}`)) throw new Error(`egress socket must be named ${EGRESS_SOCKET_NAME}`);
  if (!isAbsolute(opts.egress.socketPath) || !existsSync(opts.egress.socketPath) || !existsSync(`${dir}/${EGRESS_FORWARDER_NAME}`)) {
    throw new Error(`egress socket "${opts.egress.socketPath}" (with ${EGRESS_FORWARDER_NAME} beside it) does not exist`);
  }
  return dir;
}

/**
 * The command line as the sandbox runs it: behind the forwarder when the sandbox has egress.
 * `mount` is where the egress directory appears to the command (the host path for `none`).
 */
export function wrapForEgress(cmd: string[], opts: SandboxOptions, mount = EGRESS_MOUNT): string[] {
  if (!opts.egress) return cmd;
  return ['node', `${mount}/${EGRESS_FORWARDER_NAME}`, `${mount}/${EGRESS_SOCKET_NAME}`, '--', ...cmd];
}
