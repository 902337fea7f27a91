import type { LoggedEvent } from '../../platform/processor/stage.ts';
import { extractIdentifiers, isBlocked, type ExtractionContext } from './identifiers.ts';
import { ownerOf, type IdentityGraph } from './identity-graph.ts';
import { identitySettingsSchema, type Identifier, type IdentitySettings } from './identity.schema.ts';
import { operationEventType } from '../ingest/operation-events.ts';

/** Operator actions (splits here) travel through the log as operation events, so replay repeats them. */
export { operationEventType };

export interface SplitOperation {
  operation: 'split';
  memberId: string;
  identifier: Identifier;
  block: boolean;
}

export function isOperation(event: LoggedEvent): boolean {
  return event.type === operationEventType;
}

/** An operator's change of identity settings; it applies from its place in the log on. */
export function readSettingsOperation(event: LoggedEvent): IdentitySettings | undefined {
  if (event.payload.operation !== 'identity-settings') return undefined;
  const parsed = identitySettingsSchema.safeParse(event.payload.settings);
  return parsed.success ? parsed.data : undefined;
}

export function readSplitOperation(event: LoggedEvent): SplitOperation | undefined {
  const payload = event.payload as Partial<SplitOperation>;
  if (payload.operation !== 'split' || !payload.memberId || !payload.identifier) return undefined;
  return {
    operation: 'split',
    memberId: payload.memberId,
    identifier: payload.identifier,
    block: Boolean(payload.block),
  };
}

/** The member an event creates takes the event's time-sortable id, so replay creates the same ids. */
export function memberIdForEvent(eventId: string): string {
  // Same as replacing /^evt_/, without a regex run for every event of the log.
  return `mem_${eventId.startsWith('evt_') ? eventId.slice(4) : eventId}`;
}

/**
 * Adds the values to look up before resolving: the event's identifiers and an alias's previousId.
 * Into one set for the batch: its events name the same members' identifiers again and again.
 */
export function addLookupValues(event: LoggedEvent, identifiers: Identifier[], values: Set<string>): void {
  for (const identifier of identifiers) values.add(identifier.value);
  if (event.type !== 'alias') return;
  const previousId = event.payload.previousId;
  if (typeof previousId === 'string') values.add(previousId.trim());
}

/**
 * An alias names an earlier id without saying which kind: an existing user id wins, otherwise it is
 * taken as an anonymous id (Segment's usual case: the visitor before they signed up). A blocked
 * previousId (`null`, `anonymous`, a workspace blocked value) links nothing, like any other identifier.
 */
export function withAliasIdentifier(
  event: LoggedEvent,
  identifiers: Identifier[],
  graph: IdentityGraph,
  settings: IdentitySettings,
): Identifier[] {
  const previousId = event.payload.previousId;
  if (event.type !== 'alias' || typeof previousId !== 'string' || !previousId.trim()) return identifiers;
  const value = previousId.trim();
  if (isBlocked(value, settings)) return identifiers;
  const asUser = { type: 'user_id', value };
  const type = ownerOf(graph, asUser) === undefined ? 'anonymous_id' : 'user_id';
  if (identifiers.some((identifier) => identifier.type === type && identifier.value === value)) return identifiers;
  return [...identifiers, { type, value }];
}

export function extractEventIdentifiers(event: LoggedEvent, context: ExtractionContext): Identifier[] {
  return extractIdentifiers(event.payload, context).identifiers;
}
