import type { LoyaltyProgram } from './loyalty-program.schema.ts';
import type { EntryGroup } from './points.repo.ts';

export interface ExplanationLine {
  /** What produced these points, in words. */
  label: string;
  kind: string;
  source: { type: string; id: string | null };
  /** Their effect on what the member holds (available + pending + held). */
  points: number;
  entries: number;
  firstAt: number;
  lastAt: number;
}

const kindLabels: Record<string, string> = {
  adjust: 'staff adjustment',
  redeem: 'redeemed',
  commit: 'spent at checkout',
  expire: 'expired',
  cancel: 'cancelled by a refund inside the return window',
  clawback: 'taken back by a refund after the return window',
};

function labelOf(group: EntryGroup, ruleNames: Map<string, string>): string {
  if (group.kind === 'earn' && group.sourceType === 'rule') {
    const name = ruleNames.get(group.sourceId ?? '');
    return name
      ? `earned by rule "${name}" (${group.sourceId})`
      : `earned by rule ${group.sourceId} (no longer in the program)`;
  }
  if (group.kind === 'reserve' || group.kind === 'release') return 'held for checkout, not yet spent';
  const label = kindLabels[group.kind] ?? group.kind;
  return group.sourceId && group.sourceType === 'order' ? `${label} (order ${group.sourceId})` : label;
}

/**
 * "Why does this member have 1,250 points?": the ledger summed by cause, largest first. The lines
 * add up to what the ledger holds; `sinceLastActivity` is what time alone changed since the
 * member's last event (points expired on the way), which the stored entries do not show yet.
 */
export function explainPoints(input: { groups: EntryGroup[]; programs: LoyaltyProgram[]; sinceLastActivity: number }): {
  lines: ExplanationLine[];
  total: number;
} {
  const ruleNames = new Map<string, string>();
  for (const program of input.programs) for (const rule of program.earning) ruleNames.set(rule.id, rule.name);
  const merged = new Map<string, ExplanationLine>();
  for (const group of input.groups) {
    // Activation moves points from pending to available: nothing to explain in the total.
    if (group.kind === 'activate') continue;
    const label = labelOf(group, ruleNames);
    const points = group.available + group.pending + group.reserved;
    const key = `${label}\u0000${group.sourceType}\u0000${group.sourceId ?? ''}`;
    const line = merged.get(key);
    if (line) {
      line.points += points;
      line.entries += group.entries;
      line.firstAt = Math.min(line.firstAt, group.firstAt);
      line.lastAt = Math.max(line.lastAt, group.lastAt);
    } else {
      merged.set(key, {
        label,
        kind: group.kind,
        source: { type: group.sourceType, id: group.sourceId },
        points,
        entries: group.entries,
        firstAt: group.firstAt,
        lastAt: group.lastAt,
      });
    }
  }
  const lines = [...merged.values()].filter((line) => line.points !== 0 || line.kind === 'earn');
  if (input.sinceLastActivity !== 0) {
    lines.push({
      label: 'expired or released since the last activity',
      kind: 'expire',
      source: { type: 'program', id: null },
      points: input.sinceLastActivity,
      entries: 0,
      firstAt: 0,
      lastAt: 0,
    });
  }
  lines.sort((a, b) => Math.abs(b.points) - Math.abs(a.points) || a.label.localeCompare(b.label));
  return { lines, total: lines.reduce((sum, line) => sum + line.points, 0) };
}
