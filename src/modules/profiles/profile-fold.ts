import type { LoggedEvent, MemberSnapshot } from '../../platform/processor/stage.ts';
import {
  emptyFeatures,
  mergeFeatures,
  observeEvent,
  presentFeatures,
  recordOrder,
  recordRefund,
  type FeatureState,
} from './features.ts';
import { applyOrderEvent, orderIdOf, parseOrderEvent, type OrderState } from './orders.ts';
import { propertiesOf } from './event-money.ts';
import { applyTraits, emptyTraits, mergeTraits, traitsOfEvent, type TraitState } from './traits.ts';
import { isRecord } from '../../platform/values.ts';

export interface ProfileState {
  traits: TraitState;
  features: FeatureState;
}

export function emptyProfile(): ProfileState {
  return { traits: emptyTraits(), features: emptyFeatures() };
}

export function mergeProfiles(into: ProfileState, from: ProfileState): void {
  mergeTraits(into.traits, from.traits);
  mergeFeatures(into.features, from.features);
}

/**
 * The member as an event leaves them, for the stages after this one (loyalty's rules). Few
 * snapshots are read (for the events rules match), so the features are frozen by copying the
 * state's own maps, whose entries are replaced, never changed, and presented (dates formatted,
 * channels sorted) only when read.
 */
export function snapshotOf(profile: ProfileState): MemberSnapshot {
  const { features } = profile;
  const frozen: FeatureState = {
    ...features,
    categories: { ...features.categories },
    channels: { ...features.channels },
  };
  let presented: Record<string, unknown> | undefined;
  return {
    traits: { ...profile.traits.traits },
    get features() {
      presented ??= presentFeatures(frozen);
      return presented;
    },
  };
}

/** The state one fold works on: profiles by member and orders by id, loaded by the caller. */
export interface FoldState {
  workspaceCurrency: string;
  profiles: Map<string, ProfileState>;
  orders: Map<string, OrderState>;
  changedOrders: Set<string>;
}

/** Where the member was met: `context.channel` (wechat, tmall, jd, douyin, app, store…), else `properties.channel`. */
export function channelOfEvent(payload: Record<string, unknown>): string | undefined {
  const context = isRecord(payload.context) ? payload.context : {};
  const properties = isRecord(payload.properties) ? payload.properties : {};
  const channel = context.channel ?? properties.channel;
  return typeof channel === 'string' && channel.trim() ? channel.trim().toLowerCase() : undefined;
}

function profileOf(state: FoldState, memberId: string): ProfileState {
  let profile = state.profiles.get(memberId);
  if (!profile) {
    profile = emptyProfile();
    state.profiles.set(memberId, profile);
  }
  return profile;
}

/** Applies one attributed event: seen times and channel, traits, and its order or refund. */
export function foldEvent(state: FoldState, event: LoggedEvent): void {
  const memberId = event.memberId;
  if (memberId === null) return;
  const profile = profileOf(state, memberId);
  observeEvent(profile.features, event.eventTime, channelOfEvent(event.payload));
  applyTraits(profile.traits, traitsOfEvent(event.type, event.payload), event.eventTime, event.seq);
  if (event.type !== 'track') return;
  const parsed = parseOrderEvent(event.eventName, event.payload, state.workspaceCurrency);
  if (!parsed) return;
  const { order, effects } = applyOrderEvent(state.orders.get(parsed.orderId), parsed, {
    memberId,
    eventId: event.id,
    eventTime: event.eventTime,
    workspaceCurrency: state.workspaceCurrency,
  });
  state.orders.set(parsed.orderId, order);
  state.changedOrders.add(parsed.orderId);
  for (const effect of effects) {
    const target = profileOf(state, effect.memberId).features;
    if (effect.kind === 'order') recordOrder(target, effect);
    else recordRefund(target, effect.amount);
  }
}

export function orderIdOfEvent(event: LoggedEvent): string | undefined {
  return event.type === 'track' ? orderIdOf(propertiesOf(event.payload)) : undefined;
}
