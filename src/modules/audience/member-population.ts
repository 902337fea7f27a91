import { bucketOf } from '../../platform/buckets.ts';
import { numericFeature } from './segment-evaluation.ts';
import {
  dateFeatureNames,
  numericFeatureNames,
  pointsBalanceNames,
  type SegmentDefinition,
} from './segment-definition.schema.ts';
import { expandShorthands } from './segment-shorthands.ts';
import { readPath, type FactEvent, type MemberFacts } from './segment-facts.ts';
import { appendEntry, clearSlot, createSlotEntries, type SlotEntries } from './slot-entries.ts';

/**
 * A workspace's members as columns, for counting a segment over the whole population in memory
 * (population-evaluation.ts). Every column is written from the same MemberFacts the one-member
 * evaluator reads, through the same accessors, so the two cannot read a member differently.
 * Values that repeat (trait values, tiers, stages, event properties) are dictionary-coded: a test
 * is put to each distinct value once, then looked up per member.
 */
export interface ValueDictionary {
  values: unknown[];
  codeOf: Map<string, number>;
}

/** One code per slot (or per row); -1 is no value at all. */
export interface CodedColumn {
  dictionary: ValueDictionary;
  codes: number[];
}

/** A tracked event's rows: column 0 is the time, then one code column per property path held. */
export interface EventColumns {
  paths: string[];
  dictionaries: ValueDictionary[];
  rows: SlotEntries;
}

export type NumberColumnName =
  | `feature:${(typeof numericFeatureNames)[number]}`
  | `date:${(typeof dateFeatureNames)[number]}`
  | `points:${(typeof pointsBalanceNames)[number]}`;

export interface MemberPopulation {
  ids: string[];
  slotOf: Map<string, number>;
  /** 1 for a member of the workspace now; 0 once merged away or gone. */
  live: number[];
  /** The member's traits as JSON, from which trait columns are built when a definition first asks. */
  traitsJson: string[];
  traits: Map<string, CodedColumn>;
  numbers: Map<NumberColumnName, number[]>;
  categories: Map<string, { spend: number[]; orders: number[] }>;
  channels: Map<string, number[]>;
  identifierTypes: Map<string, number[]>;
  tier: CodedColumn;
  rfm: CodedColumn;
  /** Each child's row: stage code, next stage code, next stage time (NaN: none). */
  lifeStages: { dictionary: ValueDictionary; rows: SlotEntries };
  /** Only the events some definition asked about, with only the properties asked about. */
  events: Map<string, EventColumns>;
  /** Random-bucket splits computed so far, by salt and bucket count; -1 where not yet computed. */
  buckets: Map<string, number[]>;
}

const numberColumnNames: NumberColumnName[] = [
  ...numericFeatureNames.map((name) => `feature:${name}` as const),
  ...dateFeatureNames.map((name) => `date:${name}` as const),
  ...pointsBalanceNames.map((name) => `points:${name}` as const),
];

/**
 * An array of `size` copies of the value, grown by push so V8 keeps it packed: `new Array(n)` is
 * holey for good, and every read of a holey array checks for a hole.
 */
function filled(size: number, value: number): number[] {
  const values: number[] = [];
  for (let index = 0; index < size; index += 1) values.push(value);
  return values;
}

function createDictionary(): ValueDictionary {
  return { values: [], codeOf: new Map() };
}

export function createPopulation(): MemberPopulation {
  return {
    ids: [],
    slotOf: new Map(),
    live: [],
    traitsJson: [],
    traits: new Map(),
    numbers: new Map(numberColumnNames.map((name) => [name, []])),
    categories: new Map(),
    channels: new Map(),
    identifierTypes: new Map(),
    tier: { dictionary: createDictionary(), codes: [] },
    rfm: { dictionary: createDictionary(), codes: [] },
    lifeStages: { dictionary: createDictionary(), rows: createSlotEntries(3) },
    events: new Map(),
    buckets: new Map(),
  };
}

/** The value's code, added to the dictionary when new; -1 for undefined. */
export function codeFor(dictionary: ValueDictionary, value: unknown): number {
  if (value === undefined) return -1;
  const key = JSON.stringify(value);
  let code = dictionary.codeOf.get(key);
  if (code === undefined) {
    code = dictionary.values.length;
    dictionary.values.push(value);
    dictionary.codeOf.set(key, code);
  }
  return code;
}

export function numberColumn(population: MemberPopulation, name: NumberColumnName): number[] {
  const column = population.numbers.get(name);
  if (!column) throw new Error(`no column ${name}`);
  return column;
}

/** The member's slot, appended (with every column at its empty value) when new. */
function slotFor(population: MemberPopulation, memberId: string): number {
  const known = population.slotOf.get(memberId);
  if (known !== undefined) return known;
  const slot = population.ids.length;
  population.ids.push(memberId);
  population.slotOf.set(memberId, slot);
  population.live.push(0);
  population.traitsJson.push('{}');
  for (const column of population.traits.values()) column.codes.push(-1);
  for (const [name, column] of population.numbers) column.push(name.startsWith('date:') ? Number.NaN : 0);
  for (const measures of population.categories.values()) {
    measures.spend.push(0);
    measures.orders.push(0);
  }
  for (const flags of [...population.channels.values(), ...population.identifierTypes.values()]) flags.push(0);
  population.tier.codes.push(-1);
  population.rfm.codes.push(-1);
  for (const column of population.buckets.values()) column.push(-1);
  return slot;
}

/** Sets the slot's flag in each column: 1 where the member has the key, 0 elsewhere; new keys get a column. */
function writeFlags(columns: Map<string, number[]>, slot: number, keys: Iterable<string>, size: number): void {
  const held = new Set(keys);
  for (const [key, flags] of columns) flags[slot] = held.has(key) ? 1 : 0;
  for (const key of held) {
    if (columns.has(key)) continue;
    const flags = filled(size, 0);
    flags[slot] = 1;
    columns.set(key, flags);
  }
}

function writeCategories(population: MemberPopulation, slot: number, facts: MemberFacts): void {
  const categories = facts.features.categories;
  for (const [category, measures] of population.categories) {
    const entry = Object.hasOwn(categories, category) ? categories[category] : undefined;
    measures.spend[slot] = entry?.spend ?? 0;
    measures.orders[slot] = entry?.orders ?? 0;
  }
  for (const [category, entry] of Object.entries(categories)) {
    if (population.categories.has(category) || !entry) continue;
    const size = population.ids.length;
    const measures = { spend: filled(size, 0), orders: filled(size, 0) };
    measures.spend[slot] = entry.spend;
    measures.orders[slot] = entry.orders;
    population.categories.set(category, measures);
  }
}

function writeNumbers(population: MemberPopulation, slot: number, facts: MemberFacts): void {
  for (const name of numericFeatureNames)
    numberColumn(population, `feature:${name}`)[slot] = numericFeature(facts, name);
  for (const name of dateFeatureNames)
    numberColumn(population, `date:${name}`)[slot] = facts.features[name] ?? Number.NaN;
  for (const name of pointsBalanceNames) numberColumn(population, `points:${name}`)[slot] = facts.points[name];
}

/** Replaces the slot's rows of each event held (or of the names given) with the member's events of that name. */
export function writeEvents(
  population: MemberPopulation,
  slot: number,
  events: readonly FactEvent[],
  names?: ReadonlySet<string>,
): void {
  const replaced = (name: string) => names === undefined || names.has(name);
  for (const [name, columns] of population.events) if (replaced(name)) clearSlot(columns.rows, slot);
  for (const event of events) {
    const columns = population.events.get(event.name);
    if (!columns || !replaced(event.name)) continue;
    const codes = columns.paths.map((path, index) =>
      codeFor(columns.dictionaries[index] ?? createDictionary(), readPath(event.properties, path)),
    );
    appendEntry(columns.rows, slot, [event.time, ...codes]);
  }
}

/** Puts the member's facts in the population (a new member gets a slot). */
export function writeMember(population: MemberPopulation, facts: MemberFacts): void {
  const slot = slotFor(population, facts.memberId);
  population.live[slot] = 1;
  population.traitsJson[slot] = JSON.stringify(facts.traits);
  for (const [path, column] of population.traits) {
    column.codes[slot] = codeFor(column.dictionary, readPath(facts.traits, path));
  }
  writeNumbers(population, slot, facts);
  writeCategories(population, slot, facts);
  const size = population.ids.length;
  writeFlags(population.channels, slot, Object.keys(facts.features.channels), size);
  writeFlags(population.identifierTypes, slot, facts.identifierTypes, size);
  population.tier.codes[slot] = facts.tier === null ? -1 : codeFor(population.tier.dictionary, facts.tier);
  population.rfm.codes[slot] = facts.rfmSegment === null ? -1 : codeFor(population.rfm.dictionary, facts.rfmSegment);
  const stages = population.lifeStages;
  clearSlot(stages.rows, slot);
  for (const child of facts.lifeStages) {
    const stage = (id: string | null) => (id === null ? -1 : codeFor(stages.dictionary, id));
    appendEntry(stages.rows, slot, [stage(child.stageId), stage(child.nextStageId), child.nextStageAt ?? Number.NaN]);
  }
  writeEvents(population, slot, facts.events);
}

/** The member left the workspace (merged away): in no segment from now on. */
export function removeMember(population: MemberPopulation, memberId: string): void {
  const slot = population.slotOf.get(memberId);
  if (slot === undefined) return;
  population.live[slot] = 0;
  clearSlot(population.lifeStages.rows, slot);
  for (const columns of population.events.values()) clearSlot(columns.rows, slot);
}

/** Starts holding an event's rows (empty: the caller fills them for every member). */
export function holdEvent(population: MemberPopulation, name: string, paths: readonly string[]): void {
  population.events.set(name, {
    paths: [...paths],
    dictionaries: paths.map(() => createDictionary()),
    rows: createSlotEntries(1 + paths.length),
  });
}

/** A trait path's column for the population as it is, to be filled slot range by slot range. */
export function createTraitColumn(population: MemberPopulation): CodedColumn {
  return { dictionary: createDictionary(), codes: filled(population.ids.length, -1) };
}

/** Codes the trait path for slots [start, end), from the traits as JSON. */
export function fillTraitColumn(
  population: MemberPopulation,
  column: CodedColumn,
  path: string,
  range: { start: number; end: number },
): void {
  for (let slot = range.start; slot < range.end; slot += 1) {
    if (population.live[slot] !== 1) continue;
    const traits: unknown = JSON.parse(population.traitsJson[slot] ?? '{}');
    column.codes[slot] = codeFor(column.dictionary, readPath(traits, path));
  }
}

/** Computes the random-bucket split for every slot that has no bucket yet. */
export function fillBuckets(population: MemberPopulation, salt: string, buckets: number): void {
  const key = bucketKey(salt, buckets);
  const column = population.buckets.get(key) ?? filled(population.ids.length, -1);
  population.buckets.set(key, column);
  column.forEach((bucket, slot) => {
    if (bucket === -1) column[slot] = bucketOf(salt, population.ids[slot] ?? '', buckets);
  });
}

/** What a definition needs the population to hold before it can be evaluated. */
export interface PopulationNeeds {
  traitPaths: Set<string>;
  /** Event name → the property paths its filters read. */
  events: Map<string, Set<string>>;
  tags: Set<string>;
  buckets: Array<{ salt: string; buckets: number }>;
}

export function bucketKey(salt: string, buckets: number): string {
  return `${buckets}:${salt}`;
}

export function needsOf(definition: SegmentDefinition, needs?: PopulationNeeds): PopulationNeeds {
  const found: PopulationNeeds = needs ?? { traitPaths: new Set(), events: new Map(), tags: new Set(), buckets: [] };
  const event = (name: string, where: ReadonlyArray<{ property: string }> | undefined) => {
    const paths = found.events.get(name) ?? new Set<string>();
    for (const filter of where ?? []) paths.add(filter.property);
    found.events.set(name, paths);
  };
  switch (definition.type) {
    case 'and':
    case 'or':
      for (const item of definition.conditions) needsOf(item, found);
      break;
    case 'not':
      needsOf(definition.condition, found);
      break;
    case 'trait':
    case 'birthday':
      found.traitPaths.add(definition.path);
      break;
    case 'store':
      needsOf(expandShorthands(definition), found);
      break;
    case 'event':
    case 'first-event':
    case 'last-event':
      event(definition.name, definition.where);
      break;
    case 'sequence':
      event(definition.first.name, definition.first.where);
      event(definition.then.name, definition.then.where);
      break;
    case 'tag':
      found.tags.add(definition.tag);
      break;
    case 'random-bucket':
      found.buckets.push({ salt: definition.salt, buckets: definition.buckets });
      break;
    default:
      break;
  }
  return found;
}
