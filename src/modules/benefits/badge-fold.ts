import type { DerivedEvent, LoggedEvent } from '../../platform/processor/stage.ts';
import { pointsGrantedEvent } from '../loyalty/points-grants.ts';
import type { BadgeDefinition, BadgeOperation } from './badge-definition.schema.ts';
import {
  applyBadgeInput,
  measureValue,
  nextLevel,
  readBadgeInput,
  type BadgeInput,
  type Contribution,
} from './badge-rules.ts';
import { couponGrantedEventName } from './product-code-fold.ts';

/** Badges in log order: each event moves the members' measures, levels are awarded (and rewarded) once. */

export interface BadgeState {
  id: string;
  definition: BadgeDefinition;
  createdAt: number;
  updatedAt: number;
}

export interface MemberBadge {
  memberId: string;
  badgeId: string;
  contributions: Contribution[];
  levelIndex: number;
  value: number;
  awardedAt: number | null;
  updatedAt: number;
}

export interface BadgeFoldState {
  workspaceId: string;
  currency: string;
  timeZone: string;
  badges: Map<string, BadgeState>;
  /** By `badgeId|memberId`. */
  held: Map<string, MemberBadge>;
  changedBadges: Set<string>;
  changed: Set<string>;
  answers: Map<string, { status: number; body: Record<string, unknown> }>;
  derivedEvents: DerivedEvent[];
}

/** The event being folded, and the log event it stands for (itself, or the one a derived event came from). */
type Cause = LoggedEvent & { causeEventId: string };

export const heldBadgeKey = (badgeId: string, memberId: string): string => `${badgeId}|${memberId}`;

/** Only what can still count is kept: the window's contributions, a streak's current run, a lifetime count as one sum. */
function compact(definition: BadgeDefinition, contributions: Contribution[], now: number): Contribution[] {
  const { measure } = definition;
  if (measure.type === 'streak') {
    const days = [...contributions].sort((left, right) => (left.key < right.key ? 1 : -1));
    return days.filter((_, index) => index < Math.max(1, measureValue(definition, contributions, now, 'UTC')) + 1);
  }
  if (definition.windowMonths === undefined && measure.type === 'events' && contributions.length > 1) {
    const total = contributions.reduce((sum, held) => sum + held.amount, 0);
    return [{ key: 'earlier', at: contributions[0]?.at ?? now, amount: total, base: total }];
  }
  return contributions;
}

function reward(state: BadgeFoldState, badge: BadgeState, memberId: string, levelIndex: number, event: Cause) {
  const level = badge.definition.levels[levelIndex];
  if (!level) return;
  state.derivedEvents.push({
    workspaceId: state.workspaceId,
    memberId,
    name: 'Badge Awarded',
    at: event.eventTime,
    properties: { badgeId: badge.id, badge: badge.definition.name, level: level.name, unlocks: level.unlocks ?? null },
    causeEventId: event.causeEventId,
  });
  if (level.reward?.type === 'points') {
    const reason = `${badge.definition.name}: ${level.name}`;
    const grant = {
      memberId,
      points: level.reward.points,
      reason,
      sourceType: 'benefit' as const,
      sourceId: `badge:${badge.id}`,
    };
    state.derivedEvents.push(pointsGrantedEvent(grant, state.workspaceId, event.eventTime, event.causeEventId));
  }
  if (level.reward?.type === 'coupon') {
    state.derivedEvents.push({
      workspaceId: state.workspaceId,
      memberId,
      name: couponGrantedEventName,
      at: event.eventTime,
      properties: { templateId: level.reward.templateId, source: `badge:${badge.id}` },
      causeEventId: event.causeEventId,
    });
  }
}

function advance(state: BadgeFoldState, badge: BadgeState, memberId: string, input: BadgeInput, event: Cause) {
  const key = heldBadgeKey(badge.id, memberId);
  const before = state.held.get(key) ?? {
    memberId,
    badgeId: badge.id,
    contributions: [],
    levelIndex: -1,
    value: 0,
    awardedAt: null,
    updatedAt: event.eventTime,
  };
  const { definition } = badge;
  const contributions = applyBadgeInput(definition.measure, before.contributions, input);
  const value = measureValue(definition, contributions, event.eventTime, state.timeZone);
  const levelIndex = nextLevel(definition, before.levelIndex, value, input);
  for (let index = before.levelIndex + 1; index <= levelIndex; index += 1) reward(state, badge, memberId, index, event);
  if (levelIndex < before.levelIndex) {
    state.derivedEvents.push({
      workspaceId: state.workspaceId,
      memberId,
      name: 'Badge Revoked',
      at: event.eventTime,
      properties: { badgeId: badge.id, level: definition.levels[before.levelIndex]?.name ?? null },
      causeEventId: event.causeEventId,
    });
  }
  state.held.set(key, {
    ...before,
    contributions: compact(definition, contributions, event.eventTime),
    levelIndex,
    value,
    awardedAt: levelIndex > before.levelIndex ? event.eventTime : levelIndex < 0 ? null : before.awardedAt,
    updatedAt: event.eventTime,
  });
  state.changed.add(key);
}

export function foldBadgeEvent(
  state: BadgeFoldState,
  logged: LoggedEvent,
  operation: BadgeOperation | undefined,
  memberId: string | null,
  causeEventId: string = logged.id,
) {
  const event: Cause = { ...logged, causeEventId };
  if (operation) {
    const { badgeId, definition } = operation.request;
    const existing = state.badges.get(badgeId);
    state.badges.set(badgeId, {
      id: badgeId,
      definition,
      createdAt: existing?.createdAt ?? event.eventTime,
      updatedAt: event.eventTime,
    });
    state.changedBadges.add(badgeId);
    state.answers.set(event.id, { status: existing ? 200 : 201, body: { badgeId } });
    return;
  }
  if (!memberId) return;
  for (const badge of state.badges.values()) {
    const input = readBadgeInput(badge.definition.measure, event, state);
    if (input) advance(state, badge, memberId, input, event);
  }
}
