import type { DbExecutor } from '../../platform/db/database.ts';
import { HearthError } from '../../platform/errors.ts';
import { loadTemplates } from './coupons.repo.ts';

/** Where a request names a coupon template (its path in the request), or undefined where it names none. */
export type NamedTemplate = readonly [path: string, templateId: string | undefined];

/**
 * Rewards and benefits that give coupons must name templates the workspace has. Templates are never
 * deleted, so one that exists at the request still exists when the log decides the operation.
 */
export async function checkNamedTemplates(
  db: DbExecutor,
  workspaceId: string,
  named: readonly NamedTemplate[],
): Promise<void> {
  if (named.every(([, templateId]) => templateId === undefined)) return;
  const templates = await loadTemplates(db, workspaceId);
  const issues = named
    .filter(([, templateId]) => templateId !== undefined && !templates.has(templateId))
    .map(([path, templateId]) => ({ path, message: `no coupon template ${templateId ?? ''}` }));
  const [first] = issues;
  if (first) throw new HearthError('invalid_request', `${first.path}: ${first.message}`, { issues });
}
