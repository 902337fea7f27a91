/**
 * Rows that belong to a member of a population, any number each (a member's events, a member's
 * children), stored as parallel columns of plain numbers so a million members cost the garbage
 * collector a few arrays rather than a million small objects. Each member's rows form a linked
 * list through `next`, so a member's rows can be replaced when the member changes; replaced rows
 * are left dead until there are enough of them to be worth compacting.
 */
export interface SlotEntries {
  /** The owning slot of each row; -1 once the row is dead. */
  readonly owner: number[];
  /** The next row of the same slot, or -1. */
  next: number[];
  /** The first row of each slot, or -1. */
  readonly head: number[];
  /** One array per value the rows carry, all as long as `owner`. */
  readonly columns: number[][];
  dead: number;
}

export function createSlotEntries(columnCount: number): SlotEntries {
  return { owner: [], next: [], head: [], columns: Array.from({ length: columnCount }, () => []), dead: 0 };
}

function headOf(entries: SlotEntries, slot: number): number {
  return entries.head[slot] ?? -1;
}

/** Adds one row to the slot with its values (one per column, in order). */
export function appendEntry(entries: SlotEntries, slot: number, values: readonly number[]): void {
  while (entries.head.length <= slot) entries.head.push(-1);
  const row = entries.owner.length;
  entries.owner.push(slot);
  entries.next.push(headOf(entries, slot));
  entries.head[slot] = row;
  entries.columns.forEach((column, index) => column.push(values[index] ?? Number.NaN));
}

/** Marks every row of the slot dead (the member changed, or left). */
export function clearSlot(entries: SlotEntries, slot: number): void {
  for (let row = headOf(entries, slot); row !== -1; row = entries.next[row] ?? -1) {
    entries.owner[row] = -1;
    entries.dead += 1;
  }
  if (slot < entries.head.length) entries.head[slot] = -1;
  if (entries.dead > 100_000 && entries.dead * 2 > entries.owner.length) compact(entries);
}

/** The rows of one slot, newest first. */
export function rowsOf(entries: SlotEntries, slot: number): number[] {
  const rows: number[] = [];
  for (let row = headOf(entries, slot); row !== -1; row = entries.next[row] ?? -1) rows.push(row);
  return rows;
}

/** Puts `values` in place of the array's contents (no spread: a million arguments overflow the stack). */
function replaceContents(target: number[], values: readonly number[]): void {
  target.length = values.length;
  for (let index = 0; index < values.length; index += 1) target[index] = values[index] ?? Number.NaN;
}

/** Drops the dead rows, keeping every slot's rows in their order. */
function compact(entries: SlotEntries): void {
  const kept: number[] = [];
  for (let row = 0; row < entries.owner.length; row += 1) if ((entries.owner[row] ?? -1) !== -1) kept.push(row);
  replaceContents(
    entries.owner,
    kept.map((row) => entries.owner[row] ?? -1),
  );
  for (const column of entries.columns) {
    replaceContents(
      column,
      kept.map((row) => column[row] ?? Number.NaN),
    );
  }
  entries.head.fill(-1);
  const next: number[] = [];
  for (let row = 0; row < entries.owner.length; row += 1) {
    const slot = entries.owner[row] ?? 0;
    next.push(entries.head[slot] ?? -1);
    entries.head[slot] = row;
  }
  entries.next = next;
  entries.dead = 0;
}
