import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { invalidRequest, notFound } from '../../platform/errors.ts';
import { currencyDigits } from '../profiles/orders.ts';
import type { WorkspaceService } from '../workspaces/workspaces.service.ts';
import { resolveWindow, type DayOrInstant } from './analysis-window.ts';
import type { RfmRequest, RfmResponse } from './analytics.schema.ts';
import { loadCustomerOrders } from './customer-activity.repo.ts';
import { computePareto, type ParetoView } from './pareto.ts';
import { defaultRfmSegments, otherSegment, scoreMembers, type RfmSegmentRule } from './rfm.ts';

export interface AnalyticsService {
  rfm(workspaceId: string, request: RfmRequest): Promise<RfmResponse>;
  pareto(
    workspaceId: string,
    query: { asOf?: DayOrInstant | undefined; since?: DayOrInstant | undefined },
  ): Promise<ParetoView & { currency: string }>;
}

type ScoredMember = RfmResponse['members'][number];

function summarize(members: ScoredMember[], rules: readonly RfmSegmentRule[]): RfmResponse['segments'] {
  const names = [...rules.map((rule) => rule.name), otherSegment];
  const totals = new Map(names.map((name) => [name, { name, customers: 0, orders: 0, revenue: 0 }]));
  for (const member of members) {
    const total = totals.get(member.segment);
    if (!total) continue;
    total.customers += 1;
    total.orders += member.frequency;
    total.revenue += member.monetary;
  }
  return [...totals.values()];
}

function inMinorUnits(bounds: { lower: number[]; upper: number[] }, unit: number) {
  // Quantile breaks are fractional: rounded to 4 places so 255.8 × 100 reads 25580, not 25579.999….
  const convert = (values: number[]) => values.map((value) => Math.round(value * unit * 10_000) / 10_000);
  return { lower: convert(bounds.lower), upper: convert(bounds.upper) };
}

export function createAnalyticsService(dependencies: {
  database: Database;
  clock: Clock;
  workspaces: WorkspaceService;
}): AnalyticsService {
  const { database, workspaces } = dependencies;

  async function customersOf(workspaceId: string, input: { asOf: DayOrInstant; since?: DayOrInstant | undefined }) {
    const workspace = await workspaces.get(workspaceId);
    if (!workspace) throw notFound('workspace not found');
    const { window, zone } = resolveWindow(input, workspace.timezone);
    if (window.from !== null && window.from >= window.until) throw invalidRequest('body.since', 'must be before asOf');
    const customers = await loadCustomerOrders(database.db, workspaceId, workspace.currency, window);
    return { workspace, window, zone, customers };
  }

  async function rfm(workspaceId: string, request: RfmRequest): Promise<RfmResponse> {
    const { workspace, window, zone, customers } = await customersOf(workspaceId, request);
    // R sees revenue in currency units: its breaks add 1 unit, not 1 cent.
    const unit = 10 ** currencyDigits(workspace.currency);
    const rules = request.segments ?? defaultRfmSegments;
    const { thresholds, members: scored } = scoreMembers(customers, { asOfDay: window.asOfDay, zone, unit, rules });
    const members: ScoredMember[] = scored.map((customer, index) => {
      const source = customers[index] as (typeof customers)[number];
      const { scores } = customer;
      return {
        memberId: customer.memberId,
        lastOrderAt: new Date(source.lastOrderAt).toISOString(),
        recencyDays: customer.recencyDays,
        frequency: customer.orders,
        monetary: source.spend,
        scores,
        rfmScore: scores.recency * 100 + scores.frequency * 10 + scores.monetary,
        segment: customer.segment,
      };
    });
    const end = request.offset + request.limit;
    return {
      asOf: request.asOf,
      since: request.since ?? null,
      currency: workspace.currency,
      customers: members.length,
      orders: members.reduce((sum, member) => sum + member.frequency, 0),
      revenue: members.reduce((sum, member) => sum + member.monetary, 0),
      // Scored in currency units as R scores them; answered in minor units like every other amount.
      thresholds: { ...thresholds, monetary: inMinorUnits(thresholds.monetary, unit) },
      segments: summarize(members, rules),
      members: members.slice(request.offset, end),
      nextOffset: end < members.length ? end : null,
    };
  }

  async function pareto(
    workspaceId: string,
    query: { asOf?: DayOrInstant | undefined; since?: DayOrInstant | undefined },
  ) {
    const asOf = query.asOf ?? new Date(dependencies.clock.now()).toISOString();
    const { workspace, customers } = await customersOf(workspaceId, { asOf, since: query.since });
    return { currency: workspace.currency, ...computePareto(customers.map((customer) => customer.spend)) };
  }

  return { rfm, pareto };
}
