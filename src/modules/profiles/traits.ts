import { isRecord } from '../../platform/values.ts';
/** Traits with, per trait, the (event time, log position) that set it: newest event time wins. */
export interface TraitState {
  traits: Record<string, unknown>;
  times: Record<string, [number, number]>;
}

export function emptyTraits(): TraitState {
  return { traits: {}, times: {} };
}

function isNewer(candidate: [number, number], current: [number, number] | undefined): boolean {
  if (!current) return true;
  return candidate[0] > current[0] || (candidate[0] === current[0] && candidate[1] > current[1]);
}

/** Later events may arrive first (offline devices, imports): an older value never overwrites a newer one. */
export function applyTraits(state: TraitState, traits: Record<string, unknown>, eventTime: number, seq: number): void {
  for (const name of Object.keys(traits)) {
    const value = traits[name];
    if (value === undefined) continue;
    const stamp: [number, number] = [eventTime, seq];
    if (!isNewer(stamp, state.times[name])) continue;
    state.traits[name] = value;
    state.times[name] = stamp;
  }
}

export function mergeTraits(into: TraitState, from: TraitState): void {
  for (const [name, stamp] of Object.entries(from.times)) {
    if (!isNewer(stamp, into.times[name])) continue;
    into.traits[name] = from.traits[name];
    into.times[name] = stamp;
  }
}

/** identify traits and any call's context.traits describe the member; a group call's traits describe the account. */
export function traitsOfEvent(type: string, payload: Record<string, unknown>): Record<string, unknown> {
  const context = isRecord(payload.context) ? payload.context : {};
  const fromContext = isRecord(context.traits) ? context.traits : {};
  const own = type === 'identify' && isRecord(payload.traits) ? payload.traits : {};
  // Most events carry traits in one place or none: that object itself, not a copy.
  if (Object.keys(own).length === 0) return fromContext;
  if (Object.keys(fromContext).length === 0) return own;
  return { ...fromContext, ...own };
}
