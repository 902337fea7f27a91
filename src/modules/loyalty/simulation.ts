import type { LoggedEvent } from '../../platform/processor/stage.ts';
import type { EarningMember } from './earning-rules.ts';
import { foldLoyaltyEvent, type ActiveProgram, createFoldState } from './loyalty-fold.ts';
import { addToTotals } from './points-totals.ts';
import { advanceLedger } from './points-ledger.ts';
import { advanceMemberTier, memberFacts } from './tier-fold.ts';

export interface SimulationFigures {
  /** Points given in the window: earned from rules and granted by staff. */
  issued: number;
  redeemed: number;
  expired: number;
  clawedBack: number;
  /** Redemptions and holds the program refused (not enough points, off-step amounts). */
  refusedOperations: number;
  /** Owed at the end of the window. */
  outstanding: { active: number; pending: number; reserved: number; total: number };
  /** The outstanding points' worth, in minor units. */
  liability: number;
  membersWithPoints: number;
  /** Members per tier at the end (`none` below the first tier); empty without tiers. */
  tiers: Record<string, number>;
}

export interface SimulationRun {
  /** Folds one page of the log; views and survivors for its members are loaded by the caller. */
  fold(events: LoggedEvent[], views: Map<string, EarningMember>, survivors: Map<string, string>): void;
  finish(): SimulationFigures;
}

export interface SimulationOptions {
  workspaceId: string;
  currency: string;
  timeZone: string;
  /** The program at the start; with `fixed`, it stays in force whatever the log activates. */
  program: ActiveProgram | null;
  programVersion(version: number): ActiveProgram | undefined;
  fixed: boolean;
  from: number;
  to: number;
}

/**
 * The loyalty fold over the log, in memory, touching nothing live. Run once with the programs as
 * they were activated and once with a proposed program held fixed, the figures compare the two.
 */
export function createSimulationRun(options: SimulationOptions): SimulationRun {
  // The latest view of every member seen, for the value score at the end of the window.
  const views = new Map<string, EarningMember>();
  let survivors = new Map<string, string>();
  const state = createFoldState({
    workspaceId: options.workspaceId,
    currency: options.currency,
    timeZone: options.timeZone,
    program: options.program,
    programVersion: (version) => (options.fixed ? (options.program ?? undefined) : options.programVersion(version)),
    members: new Map(),
    survivorOf: (memberId) => survivors.get(memberId) ?? memberId,
    orders: new Map(),
    usage: new Map(),
    memberView: (memberId) => views.get(memberId) ?? { traits: {}, features: {}, tier: null },
    // The simulation reads the members as they are now: close, not exact, for trait and feature rules.
    snapshotOf: () => undefined,
  });
  const figures: SimulationFigures = {
    issued: 0,
    redeemed: 0,
    expired: 0,
    clawedBack: 0,
    refusedOperations: 0,
    outstanding: { active: 0, pending: 0, reserved: 0, total: 0 },
    liability: 0,
    membersWithPoints: 0,
    tiers: {},
  };

  function count(): void {
    for (const line of state.entries) {
      if (line.at < options.from || line.at > options.to) continue;
      if (line.kind === 'earn' || (line.kind === 'adjust' && line.available > 0)) {
        figures.issued += line.available + line.pending;
      }
      if (line.kind === 'redeem') figures.redeemed -= line.available;
      if (line.kind === 'commit') figures.redeemed -= line.reserved;
      if (line.kind === 'expire') figures.expired -= line.available;
      if (line.kind === 'clawback' || line.kind === 'cancel') figures.clawedBack -= line.available + line.pending;
    }
    figures.refusedOperations += state.results.filter((result) => result.status !== 200).length;
    // Only the figures are kept: memory stays flat however long the log is.
    state.entries = [];
    state.results = [];
    state.tierChanges = [];
  }

  return {
    fold(events, pageViews, pageSurvivors) {
      for (const [memberId, view] of pageViews) views.set(memberId, view);
      survivors = pageSurvivors;
      for (const event of events) {
        if (event.workspaceId === options.workspaceId && event.eventTime <= options.to) foldLoyaltyEvent(state, event);
      }
      count();
    },
    finish() {
      let counter = 0;
      for (const member of state.members.values()) {
        const lines = advanceLedger(member.ledger, options.to, () => `simulated_${(counter += 1)}`);
        for (const line of lines) addToTotals(member.totals, line);
        state.entries.push(
          ...lines.map((line) => ({ ...line, memberId: member.memberId, eventId: '', programVersion: null })),
        );
        const { available, pending, reserved } = member.totals;
        figures.outstanding.active += available;
        figures.outstanding.pending += pending;
        figures.outstanding.reserved += reserved;
        if (available + pending + reserved > 0) figures.membersWithPoints += 1;
        const program = state.program?.document;
        if (program?.tiers) {
          const facts = member.tier.facts ?? memberFacts(state.memberView(member.memberId));
          advanceMemberTier(program, member.tier, facts, options.to, options.timeZone);
          const tier = member.tier.tierId ?? 'none';
          figures.tiers[tier] = (figures.tiers[tier] ?? 0) + 1;
        }
      }
      count();
      const { active, pending, reserved } = figures.outstanding;
      figures.outstanding.total = active + pending + reserved;
      const value = state.program?.document.pointValue ?? { points: 100, amount: 100 };
      figures.liability = Math.floor((figures.outstanding.total * value.amount) / value.points);
      return figures;
    },
  };
}
