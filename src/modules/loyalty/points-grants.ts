import type { DerivedEvent, LoggedEvent } from '../../platform/processor/stage.ts';
import { collectTierChanges, advanceMember, memberPointsOf, record, type LoyaltyFoldState } from './loyalty-fold.ts';
import { expiryOf } from './point-dates.ts';
import { earnPoints } from './points-ledger.ts';
import { earningWithinCeiling } from './points-totals.ts';

/**
 * Points another stage granted (a scanned product code, a badge level): it derives a `Points
 * Granted` event, and the loyalty stage earns the points at the place in the log of the event
 * that caused it, so a replay, batched differently, grants them at the same place.
 */
export const pointsGrantedEventName = 'Points Granted';

export interface PointsGrant {
  memberId: string;
  points: number;
  reason: string;
  /** What granted them: a benefit (`product-code:BATCH_ID`) or a store spending its budget (the store id). */
  sourceType: 'benefit' | 'store';
  sourceId: string;
}

export function pointsGrantedEvent(
  grant: PointsGrant,
  workspaceId: string,
  at: number,
  causeEventId: string,
): DerivedEvent {
  return {
    workspaceId,
    memberId: grant.memberId,
    name: pointsGrantedEventName,
    at,
    properties: { points: grant.points, reason: grant.reason, sourceType: grant.sourceType, sourceId: grant.sourceId },
    causeEventId,
  };
}

/** The grants of a batch for one workspace, by the log event that caused them, in order. */
export function grantsByCause(derived: DerivedEvent[], workspaceId: string): Map<string, PointsGrant[]> {
  const byCause = new Map<string, PointsGrant[]>();
  for (const event of derived) {
    if (event.name !== pointsGrantedEventName || event.workspaceId !== workspaceId) continue;
    const { points, reason, sourceType, sourceId } = event.properties;
    if (typeof points !== 'number' || typeof reason !== 'string' || typeof sourceId !== 'string') continue;
    const list = byCause.get(event.causeEventId) ?? [];
    list.push({
      memberId: event.memberId,
      points,
      reason,
      sourceType: sourceType === 'store' ? 'store' : 'benefit',
      sourceId,
    });
    byCause.set(event.causeEventId, list);
  }
  return byCause;
}

/** Earns each grant as active points (expiring as the program says), from the granting source. */
export function foldPointsGrants(state: LoyaltyFoldState, event: LoggedEvent, grants: PointsGrant[]): void {
  for (const [index, grant] of grants.entries()) {
    const member = memberPointsOf(state, state.survivorOf(grant.memberId));
    let next = 0;
    // Their own id series: the causing event may earn entries of its own.
    const newId = () => `pts_${event.id.replace(/^evt_/, '')}_g${index}_${String((next += 1)).padStart(4, '0')}`;
    const changesBefore = member.tier.history.length;
    advanceMember({ state, member, event, newId });
    const program = state.program?.document;
    const expiresAt = program ? expiryOf(program.expiry, event.eventTime, state.timeZone) : null;
    const { points, reason } = earningWithinCeiling(member.totals, grant.points, grant.reason);
    if (points > 0) {
      const entries = earnPoints(
        member.ledger,
        {
          points,
          activatesAt: event.eventTime,
          expiresAt,
          orderId: null,
          reason,
          source: { type: grant.sourceType, id: grant.sourceId },
        },
        { at: event.eventTime, newId },
      );
      record(state, member, event, entries);
    }
    collectTierChanges(state, member, event, changesBefore);
  }
}

/** A paid membership's points multiplier on one event: the membership stage says so, loyalty applies it. */
export const pointsMultipliedEventName = 'Points Multiplied';

export interface PointsMultiplier {
  memberId: string;
  multiplier: number;
  /** What multiplies, e.g. `membership:plus-monthly`. */
  sourceId: string;
}

export function multipliersByCause(derived: DerivedEvent[], workspaceId: string): Map<string, PointsMultiplier[]> {
  const byCause = new Map<string, PointsMultiplier[]>();
  for (const event of derived) {
    const { multiplier, sourceId } = event.properties;
    if (event.name !== pointsMultipliedEventName || event.workspaceId !== workspaceId) continue;
    if (typeof multiplier !== 'number' || typeof sourceId !== 'string') continue;
    byCause.set(event.causeEventId, [
      ...(byCause.get(event.causeEventId) ?? []),
      { memberId: event.memberId, multiplier, sourceId },
    ]);
  }
  return byCause;
}

/**
 * The points the event just earned the member, multiplied: each earning lot gets a bonus lot
 * beside it, pending and expiring with it and on the same order, so a refund takes it back too.
 */
export function foldPointsMultiplier(state: LoyaltyFoldState, event: LoggedEvent, multiplier: PointsMultiplier): void {
  const memberId = state.survivorOf(multiplier.memberId);
  const member = memberPointsOf(state, memberId);
  const earned = state.entries.filter(
    (entry) =>
      entry.eventId === event.id &&
      entry.memberId === memberId &&
      entry.kind === 'earn' &&
      entry.source.type !== 'benefit',
  );
  let next = 0;
  const newId = () => `pts_${event.id.replace(/^evt_/, '')}_m${String((next += 1)).padStart(4, '0')}`;
  for (const entry of earned) {
    const lot = member.ledger.lots.find((held) => held.id === entry.lotId);
    const bonus = earningWithinCeiling(
      member.totals,
      Math.floor(((lot?.points ?? 0) * (multiplier.multiplier - 1) * 100) / 100),
      `paid membership: points x${multiplier.multiplier}`,
    );
    if (!lot || bonus.points <= 0) continue;
    const entries = earnPoints(
      member.ledger,
      {
        points: bonus.points,
        activatesAt: lot.activatesAt,
        expiresAt: lot.expiresAt,
        orderId: lot.orderId,
        reason: bonus.reason,
        source: { type: 'benefit', id: multiplier.sourceId },
      },
      { at: event.eventTime, newId },
    );
    record(state, member, event, entries);
  }
}
