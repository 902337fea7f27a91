import {
  birthdayFallsOn,
  childMatchesStage,
  compareNumbers,
  countPasses,
  passesTest,
  sequenceHolds,
} from './segment-evaluation.ts';
import type { ConditionOf, EventMatch, SegmentDefinition, ValueTest } from './segment-definition.schema.ts';
import {
  upcomingMonthDays,
  windowBounds,
  withinBounds,
  type EvaluationContext,
  type FactLifeStage,
} from './segment-facts.ts';
import { expandShorthands } from './segment-shorthands.ts';
import { bucketKey, numberColumn, type CodedColumn, type MemberPopulation } from './member-population.ts';
import { rowsOf } from './slot-entries.ts';

/** What the evaluation reads besides the population: each tag asked about, as the slots that carry it. */
export interface PopulationLookups {
  tagSlots: ReadonlyMap<string, ReadonlySet<number>>;
}

type Matches = Uint8Array;

/**
 * Which members of the population match the definition at `context.now`: pure, one flag per slot
 * (1: matches). The whole-population twin of evaluateDefinition, built from the same tests (each
 * put once per distinct value where values are coded), and checked against it and against SQL by
 * the evaluators' agreement test.
 */
export function evaluatePopulation(
  definition: SegmentDefinition,
  population: MemberPopulation,
  context: EvaluationContext,
  lookups: PopulationLookups,
): Matches {
  const matches = evaluateNode(definition, { population, context, lookups });
  const live = population.live;
  for (let slot = 0; slot < matches.length; slot += 1) if (live[slot] !== 1) matches[slot] = 0;
  return matches;
}

interface Scope {
  population: MemberPopulation;
  context: EvaluationContext;
  lookups: PopulationLookups;
}

function evaluateNode(definition: SegmentDefinition, scope: Scope): Matches {
  const size = scope.population.ids.length;
  if (definition.type === 'and' || definition.type === 'or') {
    const [first, ...others] = definition.conditions.map((item) => evaluateNode(item, scope));
    const result = first ?? new Uint8Array(size);
    for (const part of others) {
      if (definition.type === 'and')
        for (let slot = 0; slot < size; slot += 1) result[slot] = result[slot]! & part[slot]!;
      else for (let slot = 0; slot < size; slot += 1) result[slot] = result[slot]! | part[slot]!;
    }
    return result;
  }
  if (definition.type === 'not') {
    const inner = evaluateNode(definition.condition, scope);
    for (let slot = 0; slot < size; slot += 1) inner[slot] = inner[slot] === 1 ? 0 : 1;
    return inner;
  }
  if (definition.type === 'store') return evaluateNode(expandShorthands(definition), scope);
  return evaluateLeaf(definition, scope);
}

/** Flags from a test put once per distinct value of a coded column (and once to no value). */
function codedMatches(column: CodedColumn, passes: (value: unknown) => boolean, size: number): Matches {
  const byCode = column.dictionary.values.map((value) => (passes(value) ? 1 : 0));
  const none = passes(undefined) ? 1 : 0;
  const result = new Uint8Array(size);
  for (let slot = 0; slot < size; slot += 1) {
    const code = column.codes[slot] ?? -1;
    result[slot] = code < 0 ? none : (byCode[code] ?? 0);
  }
  return result;
}

function numberMatches(values: readonly number[] | undefined, passes: (value: number) => boolean, size: number) {
  const result = new Uint8Array(size);
  const empty = passes(0) ? 1 : 0;
  for (let slot = 0; slot < size; slot += 1) {
    const value = values?.[slot];
    result[slot] = value === undefined ? empty : passes(value) ? 1 : 0;
  }
  return result;
}

function flagMatches(flags: readonly number[] | undefined, size: number): Matches {
  const result = new Uint8Array(size);
  if (flags) for (let slot = 0; slot < size; slot += 1) result[slot] = flags[slot] === 1 ? 1 : 0;
  return result;
}

function traitColumn(population: MemberPopulation, path: string): CodedColumn {
  const column = population.traits.get(path);
  if (!column) throw new Error(`trait ${path} is not in the population`);
  return column;
}

/**
 * The rows of the match's event, with a flag per row: whether its properties pass every filter
 * (each filter's test put once per distinct value, then looked up row by row).
 */
function rowFilter(population: MemberPopulation, match: EventMatch) {
  const columns = population.events.get(match.name);
  if (!columns) throw new Error(`event ${match.name} is not in the population`);
  const rows = columns.rows;
  const passing = new Uint8Array(rows.owner.length).fill(1);
  for (const filter of match.where ?? []) {
    const index = columns.paths.indexOf(filter.property);
    if (index === -1) throw new Error(`property ${filter.property} of ${match.name} is not in the population`);
    const test: ValueTest = filter;
    const byCode = (columns.dictionaries[index]?.values ?? []).map((value) => (passesTest(value, test) ? 1 : 0));
    const none = passesTest(undefined, test) ? 1 : 0;
    const codes = rows.columns[index + 1] ?? [];
    for (let row = 0; row < passing.length; row += 1) {
      if (passing[row] === 0) continue;
      const code = codes[row] ?? -1;
      passing[row] = code < 0 ? none : (byCode[code] ?? 0);
    }
  }
  return { rows, times: rows.columns[0] ?? [], passes: (row: number) => passing[row] === 1, passing };
}

function eventCountMatches(definition: ConditionOf<'event'>, scope: Scope): Matches {
  const size = scope.population.ids.length;
  const { rows, times, passing } = rowFilter(scope.population, definition);
  const bounds = windowBounds(definition, scope.context.now);
  const lower = bounds.lower ?? Number.NEGATIVE_INFINITY;
  const upper = bounds.upper ?? Number.POSITIVE_INFINITY;
  const counts = new Uint32Array(size);
  const owner = rows.owner;
  for (let row = 0; row < owner.length; row += 1) {
    const slot = owner[row] ?? -1;
    const time = times[row] ?? 0;
    // withinBounds, spelled out for the hottest loop: lower inclusive, upper exclusive.
    if (slot < 0 || passing[row] === 0 || time < lower || time >= upper) continue;
    counts[slot] = (counts[slot] ?? 0) + 1;
  }
  // Each count's answer once (counts are small), then looked up per member.
  let most = 0;
  for (let slot = 0; slot < size; slot += 1) most = Math.max(most, counts[slot]!);
  const answers: number[] = [];
  for (let count = 0; count <= most; count += 1) answers.push(countPasses(count, definition.count) ? 1 : 0);
  const result = new Uint8Array(size);
  for (let slot = 0; slot < size; slot += 1) result[slot] = answers[counts[slot]!]!;
  return result;
}

function extremeEventMatches(definition: ConditionOf<'first-event' | 'last-event'>, scope: Scope): Matches {
  const size = scope.population.ids.length;
  const { rows, times, passes } = rowFilter(scope.population, definition);
  const first = definition.type === 'first-event';
  const extremes = new Float64Array(size).fill(Number.NaN);
  for (let row = 0; row < rows.owner.length; row += 1) {
    const slot = rows.owner[row] ?? -1;
    if (slot < 0 || !passes(row)) continue;
    const time = times[row] ?? 0;
    const known = extremes[slot] ?? Number.NaN;
    if (Number.isNaN(known) || (first ? time < known : time > known)) extremes[slot] = time;
  }
  const bounds = windowBounds(definition, scope.context.now);
  const result = new Uint8Array(size);
  for (let slot = 0; slot < size; slot += 1) {
    const time = extremes[slot] ?? Number.NaN;
    result[slot] = !Number.isNaN(time) && withinBounds(time, bounds) ? 1 : 0;
  }
  return result;
}

function sequenceMatches(definition: ConditionOf<'sequence'>, scope: Scope): Matches {
  const size = scope.population.ids.length;
  const first = rowFilter(scope.population, definition.first);
  const then = rowFilter(scope.population, definition.then);
  const timesOf = (filter: typeof first, slot: number) =>
    rowsOf(filter.rows, slot)
      .filter((row) => filter.passes(row))
      .map((row) => filter.times[row] ?? 0);
  const candidates = new Set<number>();
  for (const slot of first.rows.owner) if (slot >= 0) candidates.add(slot);
  const result = new Uint8Array(size);
  for (const slot of candidates) {
    const holds = sequenceHolds(definition, timesOf(first, slot), timesOf(then, slot), scope.context.now);
    result[slot] = holds ? 1 : 0;
  }
  return result;
}

function lifeStageMatches(definition: ConditionOf<'life-stage'>, scope: Scope): Matches {
  const { dictionary, rows } = scope.population.lifeStages;
  const stageIds = dictionary.values.map((value) => String(value));
  const stageOf = (code: number) => (code < 0 ? null : (stageIds[code] ?? null));
  const [stages = [], nextStages = [], nextTimes = []] = rows.columns;
  const result = new Uint8Array(scope.population.ids.length);
  // One child record, refilled per row: a million children are a million reads, not allocations.
  const child: FactLifeStage = { stageId: null, nextStageId: null, nextStageAt: null };
  for (let row = 0; row < rows.owner.length; row += 1) {
    const slot = rows.owner[row] ?? -1;
    if (slot < 0 || result[slot] === 1) continue;
    const nextAt = nextTimes[row] ?? Number.NaN;
    child.stageId = stageOf(stages[row] ?? -1);
    child.nextStageId = stageOf(nextStages[row] ?? -1);
    child.nextStageAt = Number.isNaN(nextAt) ? null : nextAt;
    if (childMatchesStage(definition, child, scope.context.now)) result[slot] = 1;
  }
  return result;
}

/** Spent in the category, and fewer than `rank` categories with more spend (see evaluateDefinition). */
function topCategoryMatches(definition: ConditionOf<'top-category'>, scope: Scope): Matches {
  const size = scope.population.ids.length;
  const own = scope.population.categories.get(definition.category)?.spend;
  const others = [...scope.population.categories.values()].map((measures) => measures.spend);
  const result = new Uint8Array(size);
  if (!own) return result;
  for (let slot = 0; slot < size; slot += 1) {
    const spend = own[slot] ?? 0;
    if (!(spend > 0)) continue;
    let higher = 0;
    for (const column of others) if ((column[slot] ?? 0) > spend) higher += 1;
    result[slot] = higher < definition.rank ? 1 : 0;
  }
  return result;
}

function bucketMatches(definition: ConditionOf<'random-bucket'>, scope: Scope): Matches {
  const buckets = scope.population.buckets.get(bucketKey(definition.salt, definition.buckets));
  if (!buckets) throw new Error(`buckets of ${definition.salt} are not in the population`);
  return numberMatches(buckets, (bucket) => bucket >= definition.from && bucket < definition.to, buckets.length);
}

function setMatches(slots: ReadonlySet<number> | undefined, size: number): Matches {
  const result = new Uint8Array(size);
  for (const slot of slots ?? []) if (slot < size) result[slot] = 1;
  return result;
}

function evaluateLeaf(definition: SegmentDefinition, scope: Scope): Matches {
  const { population, context } = scope;
  const size = population.ids.length;
  switch (definition.type) {
    case 'trait':
      return codedMatches(traitColumn(population, definition.path), (value) => passesTest(value, definition), size);
    case 'birthday': {
      const monthDays = upcomingMonthDays(context.now, context.timeZone, definition.withinDays);
      return codedMatches(traitColumn(population, definition.path), (value) => birthdayFallsOn(value, monthDays), size);
    }
    case 'feature':
      return numberMatches(
        numberColumn(population, `feature:${definition.name}`),
        (value) => compareNumbers(value, definition.op, definition.value),
        size,
      );
    case 'feature-date': {
      const bounds = windowBounds(definition, context.now);
      const values = numberColumn(population, `date:${definition.name}`);
      return numberMatches(values, (value) => !Number.isNaN(value) && withinBounds(value, bounds), size);
    }
    case 'category':
      return numberMatches(
        population.categories.get(definition.category)?.[definition.measure],
        (value) => compareNumbers(value, definition.op, definition.value),
        size,
      );
    case 'top-category':
      return topCategoryMatches(definition, scope);
    case 'channel':
      return flagMatches(population.channels.get(definition.channel), size);
    case 'identifier':
      return flagMatches(population.identifierTypes.get(definition.identifierType), size);
    case 'tag':
      return setMatches(scope.lookups.tagSlots.get(definition.tag), size);
    case 'tier':
      return codedMatches(
        population.tier,
        (tier) => (typeof tier === 'string' && definition.value.includes(tier)) === (definition.op === 'in'),
        size,
      );
    case 'points':
      return numberMatches(
        numberColumn(population, `points:${definition.balance}`),
        (value) => compareNumbers(value, definition.op, definition.value),
        size,
      );
    case 'rfm':
      return codedMatches(
        population.rfm,
        (segment) => typeof segment === 'string' && definition.segments.includes(segment),
        size,
      );
    case 'random-bucket':
      return bucketMatches(definition, scope);
    case 'event':
      return eventCountMatches(definition, scope);
    case 'first-event':
    case 'last-event':
      return extremeEventMatches(definition, scope);
    case 'sequence':
      return sequenceMatches(definition, scope);
    case 'life-stage':
      return lifeStageMatches(definition, scope);
    default:
      throw new Error(`not a leaf condition: ${definition.type}`);
  }
}
