/** Branch names for task work: `nightshift/<task-slug>-<short id>`. */
export const BRANCH_PREFIX = 'nightshift/';
/** Long slugs make branch names unreadable in PR lists; the id keeps them unique anyway. */
const MAX_SLUG_LENGTH = 48;
const SHORT_ID_LENGTH = 8;

export function slugify(text: string): string {
  const slug = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_SLUG_LENGTH)
    .replace(/-+$/g, '');
  return slug || 'task';
}

export function shortId(id: string): string {
  const clean = id.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (!clean) throw new Error(`task id "${id}" has no letters or digits to build a branch name from`);
  return clean.slice(0, SHORT_ID_LENGTH);
}

/** taskBranchName('Add login form', '4f1c2d9e-…') → 'nightshift/add-login-form-4f1c2d9e' */
export function taskBranchName(taskTitleOrSlug: string, taskId: string): string {
  return `${BRANCH_PREFIX}${slugify(taskTitleOrSlug)}-${shortId(taskId)}`;
}
