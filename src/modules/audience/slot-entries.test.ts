import { describe, expect, it } from 'vitest';
import { appendEntry, clearSlot, createSlotEntries, rowsOf } from './slot-entries.ts';

function valuesOf(entries: ReturnType<typeof createSlotEntries>, slot: number): number[][] {
  return rowsOf(entries, slot).map((row) => entries.columns.map((column) => column[row] ?? Number.NaN));
}

describe('slot entries', () => {
  it('keeps each slot its own rows, newest first, and replaces them when the slot is cleared', () => {
    const entries = createSlotEntries(2);
    appendEntry(entries, 0, [1, 10]);
    appendEntry(entries, 2, [2, 20]);
    appendEntry(entries, 0, [3, 30]);
    expect(valuesOf(entries, 0)).toEqual([
      [3, 30],
      [1, 10],
    ]);
    expect([valuesOf(entries, 1), valuesOf(entries, 2), valuesOf(entries, 7)]).toEqual([[], [[2, 20]], []]);
    clearSlot(entries, 0);
    appendEntry(entries, 0, [4, 40]);
    expect(valuesOf(entries, 0)).toEqual([[4, 40]]);
    expect(entries.owner).toEqual([-1, 2, -1, 0]);
    expect(entries.dead).toBe(2);
  });

  it('drops dead rows once they are the most, keeping every live slot its rows in order', () => {
    const entries = createSlotEntries(1);
    const slots = 1_000;
    for (let round = 0; round < 250; round += 1) {
      for (let slot = 0; slot < slots; slot += 1) appendEntry(entries, slot, [round * slots + slot]);
    }
    // Every slot but 3 and 7 cleared and given one new row: 249,500 rows die.
    for (let slot = 0; slot < slots; slot += 1) {
      if (slot === 3 || slot === 7) continue;
      clearSlot(entries, slot);
      appendEntry(entries, slot, [-slot]);
    }
    // Compacted on the way: far fewer rows than were appended, and dead ones left only below the threshold.
    expect(entries.owner.length).toBeLessThan(200_000);
    expect(entries.dead).toBeLessThanOrEqual(100_000);
    expect(entries.owner.filter((owner) => owner === -1)).toHaveLength(entries.dead);
    const history = (slot: number) => Array.from({ length: 250 }, (_, round) => (249 - round) * slots + slot);
    expect(valuesOf(entries, 3).map(([value]) => value)).toEqual(history(3));
    expect(valuesOf(entries, 7).map(([value]) => value)).toEqual(history(7));
    for (const slot of [0, 4, 500, 999]) expect(valuesOf(entries, slot)).toEqual([[-slot]]);
    const live = entries.owner.filter((owner) => owner !== -1).length;
    expect(live).toBe(2 * 250 + 998);
  });
});
