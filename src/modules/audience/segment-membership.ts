import type { SegmentDefinition } from './segment-definition.schema.ts';
import { evaluateDefinition } from './segment-evaluation.ts';
import type { EvaluationContext, MemberFacts } from './segment-facts.ts';
import { nextChangeAt } from './segment-timing.ts';
import type { MembershipChange } from './segments.repo.ts';

export interface LiveSegment {
  id: string;
  name: string;
  definition: SegmentDefinition;
}

export interface MembershipDecision {
  entered: MembershipChange[];
  exited: MembershipChange[];
  /** Each member's next time-driven re-evaluation (null: none needed). */
  timers: Array<{ subject: string; dueAt: number | null }>;
  /** Size change per segment. */
  deltas: Map<string, number>;
}

/**
 * Re-decides the members' segments from their facts: pure. A member without facts (merged away,
 * or gone) leaves every segment they were in.
 */
export function decideMemberships(input: {
  segments: readonly LiveSegment[];
  memberIds: readonly string[];
  facts: ReadonlyMap<string, MemberFacts>;
  held: ReadonlyMap<string, ReadonlySet<string>>;
  context: EvaluationContext;
}): MembershipDecision {
  const decision: MembershipDecision = { entered: [], exited: [], timers: [], deltas: new Map() };
  const move = (segmentId: string, by: number) =>
    decision.deltas.set(segmentId, (decision.deltas.get(segmentId) ?? 0) + by);
  for (const memberId of input.memberIds) {
    const facts = input.facts.get(memberId);
    const held = input.held.get(memberId) ?? new Set<string>();
    let dueAt: number | null = null;
    for (const segment of input.segments) {
      const matches = facts !== undefined && evaluateDefinition(segment.definition, facts, input.context);
      if (matches && !held.has(segment.id)) {
        decision.entered.push({ segmentId: segment.id, memberId });
        move(segment.id, 1);
      } else if (!matches && held.has(segment.id)) {
        decision.exited.push({ segmentId: segment.id, memberId });
        move(segment.id, -1);
      }
      const next = facts ? nextChangeAt(segment.definition, facts, input.context) : null;
      if (next !== null && (dueAt === null || next < dueAt)) dueAt = next;
    }
    decision.timers.push({ subject: memberId, dueAt });
  }
  return decision;
}
