/**
 * How many due subjects the next clock tick of a workspace may advance. A tick is a batch of its
 * own, and every event that arrives meanwhile waits for it: with 100 saved segments, 500 members
 * took a tick 1–2 s. Sizing each tick from how long the last one took keeps ticks near `targetMilliseconds`
 * however costly a subject is. The size is written into the tick, so a replay repeats it.
 */
export interface TickSizing {
  targetMilliseconds: number;
  minimum: number;
  maximum: number;
}

export function nextTickLimit(limit: number, elapsedMilliseconds: number, sizing: TickSizing): number {
  // Grow at most twofold per tick: one cheap tick (few subjects were due) says little about the next.
  const scale = Math.min(2, sizing.targetMilliseconds / Math.max(elapsedMilliseconds, 1));
  return Math.max(sizing.minimum, Math.min(sizing.maximum, Math.floor(limit * scale)));
}
