import type { DerivedEvent } from '../../platform/processor/stage.ts';
import { pointsGrantedEventName } from '../loyalty/points-grants.ts';
import type { IssueRefusal } from './coupon-issuing.ts';
import { rewardReasonSchema, type RewardKind, type RewardReason, type RewardStatus } from './reward.schema.ts';

/**
 * What became of each reward a benefit granted. The stage that decides a reward's fate says so
 * in a derived event (points are always earned; a coupon is issued or refused by its template;
 * a referrer's reward can hit the program's caps), and the rewards stage records them all.
 */
export const rewardNotGrantedEventName = 'Reward Not Granted';

export interface RewardOutcome {
  id: string;
  workspaceId: string;
  memberId: string;
  source: string;
  kind: RewardKind;
  templateId: string | null;
  points: number | null;
  status: RewardStatus;
  couponId: string | null;
  reason: RewardReason | null;
  message: string | null;
  at: number;
  eventId: string;
}

export type DueReward = { kind: 'coupon'; templateId: string } | { kind: 'points'; points: number };

export interface RefusedReward {
  memberId: string;
  source: string;
  reward: DueReward;
  reason: RewardReason;
  message: string;
}

const couponReasons: Record<IssueRefusal, RewardReason> = {
  template_ended: 'template_expired',
  quantity_exhausted: 'template_used_up',
  member_limit: 'member_limit_reached',
  no_codes_left: 'no_codes_left',
};

export const couponRefusalReason = (refusal: IssueRefusal): RewardReason => couponReasons[refusal];

export function rewardNotGrantedEvent(
  refused: RefusedReward,
  workspaceId: string,
  at: number,
  causeEventId: string,
): DerivedEvent {
  const { reward, memberId, ...why } = refused;
  return {
    workspaceId,
    memberId,
    name: rewardNotGrantedEventName,
    at,
    properties: { ...why, ...reward },
    causeEventId,
  };
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const count = (value: unknown): number | null => (typeof value === 'number' ? value : null);

type Decided = Omit<RewardOutcome, 'id' | 'workspaceId' | 'memberId' | 'at' | 'eventId'>;

/** The outcome a derived event tells of, if it is one: benefit points earned, a granted coupon issued, a refusal. */
function decidedBy(event: DerivedEvent): Decided | undefined {
  const { properties } = event;
  const none = { templateId: null, points: null, couponId: null, reason: null, message: null };
  if (event.name === pointsGrantedEventName && properties.sourceType === 'benefit') {
    const source = text(properties.sourceId);
    if (source === null) return undefined;
    return { ...none, source, kind: 'points', points: count(properties.points), status: 'granted' };
  }
  // Only a coupon a reward granted carries its source: those a template issued by itself are not rewards.
  if (event.name === 'Coupon Issued' && typeof properties.source === 'string') {
    const [templateId, couponId] = [text(properties.templateId), text(properties.couponId)];
    return { ...none, source: properties.source, kind: 'coupon', templateId, couponId, status: 'granted' };
  }
  const reason = rewardReasonSchema.safeParse(properties.reason);
  if (event.name !== rewardNotGrantedEventName || !reason.success) return undefined;
  return {
    ...none,
    source: text(properties.source) ?? '',
    kind: properties.kind === 'points' ? 'points' : 'coupon',
    templateId: text(properties.templateId),
    points: count(properties.points),
    status: 'not_granted',
    reason: reason.data,
    message: text(properties.message),
  };
}

/**
 * The batch's reward outcomes, numbered within the log event that caused them: stages run in a
 * fixed order over the whole batch, so that numbering is the same however the log is batched.
 */
export function rewardOutcomesOf(derived: DerivedEvent[]): RewardOutcome[] {
  const numbered = new Map<string, number>();
  return derived.flatMap((event) => {
    const decided = decidedBy(event);
    if (!decided) return [];
    const position = (numbered.get(event.causeEventId) ?? 0) + 1;
    numbered.set(event.causeEventId, position);
    const id = `rwd_${event.causeEventId.replace(/^evt_/, '')}_${String(position).padStart(4, '0')}`;
    const { workspaceId, memberId, at, causeEventId: eventId } = event;
    return [{ id, workspaceId, memberId, at, eventId, ...decided }];
  });
}
