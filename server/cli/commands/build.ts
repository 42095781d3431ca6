import { ensureBuilt } from './start';
import { projectRoot } from '../../http/server';

/** `nightshift build`: builds the web app now (images, CI), so the first start does not. */
export async function run(): Promise<number> {
  ensureBuilt(projectRoot(), true);
  return 0;
}
