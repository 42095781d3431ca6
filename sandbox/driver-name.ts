import { SANDBOX_DRIVERS, SandboxUnavailableError, type SandboxDriverName } from './types';

/** `--driver` / SANDBOX_DRIVER as a driver name (default `auto`); loads no driver. */
export function parseDriver(value: string | undefined): SandboxDriverName {
  const v = (value ?? 'auto').trim().toLowerCase();
  if (v === 'bubblewrap') return 'bwrap';
  if ((SANDBOX_DRIVERS as readonly string[]).includes(v)) return v as SandboxDriverName;
  throw new SandboxUnavailableError(`unknown sandbox driver "${value}"; use one of ${SANDBOX_DRIVERS.join(', ')}`);
}
