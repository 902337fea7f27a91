import { describe, expect, it } from 'vitest';
import { defaultLifeStageLevels, lifeStageLevelsSchema } from './life-stage-levels.schema.ts';
import { diffStages, evaluateChildren, nextStageChange, readChildren, stageAt } from './life-stages.ts';

const shanghai = 'Asia/Shanghai';
/** Local midnight in Shanghai (UTC+8) of a day. */
function shanghaiDay(day: string): number {
  return Date.parse(`${day}T00:00:00+08:00`);
}

describe('readChildren', () => {
  it('takes a birth date over a due date, skips entries without either, and keys children by place', () => {
    expect(
      readChildren({
        children: [
          { birthDate: '2025-03-10', name: 'Mia' },
          { note: 'no dates' },
          { dueDate: '2026-09-01T00:00:00Z' },
          { birthDate: 'soon' },
          'not a child',
        ],
      }),
    ).toEqual([
      { key: 'child-1', reference: '2025-03-10', born: true },
      { key: 'child-3', reference: '2026-09-01', born: false },
    ]);
    expect(readChildren({ children: 'two' })).toEqual([]);
    expect(readChildren({})).toEqual([]);
  });

  it('skips dates that are not on the calendar, and knows leap years', () => {
    const references = (dates: string[]) =>
      readChildren({ children: dates.map((birthDate) => ({ birthDate })) }).map((child) => child.reference);
    expect(references(['2025-02-29', '2024-02-29', '1900-02-29', '2000-02-29', '2025-04-31', '2025-13-01'])).toEqual([
      '2024-02-29',
      '2000-02-29',
    ]);
  });
});

describe('evaluateChildren', () => {
  it('gives each child the stage stageAt gives and the change nextStageChange gives, in any time zone', () => {
    const children = readChildren({
      children: [{ birthDate: '2024-01-31' }, { dueDate: '2027-03-15' }, { birthDate: '2019-10-27' }],
    });
    for (const timeZone of [shanghai, 'America/New_York', 'Europe/London', 'Pacific/Kiritimati']) {
      for (const day of ['2024-03-31', '2025-11-02', '2026-10-25', '2026-12-01']) {
        const at = Date.parse(`${day}T12:34:56Z`);
        expect(evaluateChildren(children, defaultLifeStageLevels, at, timeZone)).toEqual({
          stages: children.map((child) => stageAt(child, defaultLifeStageLevels, at, timeZone)),
          nextChangeAt: nextStageChange(children, defaultLifeStageLevels, at, timeZone),
        });
      }
    }
  });
});

describe('stageAt', () => {
  const born = { key: 'child-1', reference: '2025-03-10', born: true };

  it('counts the month of life from local midnight of the birth date: 4–6 months is from 3 full months', () => {
    expect(stageAt(born, defaultLifeStageLevels, shanghaiDay('2025-03-10'), shanghai)).toEqual({
      childKey: 'child-1',
      stageId: 'months-0-3',
      since: shanghaiDay('2025-03-10'),
      nextStageId: 'months-4-6',
      nextStageAt: shanghaiDay('2025-06-10'),
    });
    expect(stageAt(born, defaultLifeStageLevels, shanghaiDay('2025-06-10') - 1, shanghai).stageId).toBe('months-0-3');
    expect(stageAt(born, defaultLifeStageLevels, shanghaiDay('2025-06-10'), shanghai).stageId).toBe('months-4-6');
    expect(stageAt(born, defaultLifeStageLevels, shanghaiDay('2026-09-10'), shanghai).stageId).toBe('months-19-24');
    expect(stageAt(born, defaultLifeStageLevels, shanghaiDay('2027-03-10'), shanghai).stageId).toBe('years-2-3');
    expect(stageAt(born, defaultLifeStageLevels, shanghaiDay('2037-03-10'), shanghai)).toMatchObject({
      stageId: null,
      nextStageId: null,
      nextStageAt: null,
    });
    expect(stageAt(born, defaultLifeStageLevels, shanghaiDay('2025-03-09'), shanghai).stageId).toBe('pregnancy-3');
  });

  it('clamps to the end of a shorter month, as calendars do', () => {
    const august31 = { key: 'child-1', reference: '2025-08-31', born: true };
    // 31 August plus three months is 30 November.
    expect(stageAt(august31, defaultLifeStageLevels, shanghaiDay('2025-11-30'), shanghai)).toEqual({
      childKey: 'child-1',
      stageId: 'months-4-6',
      since: shanghaiDay('2025-11-30'),
      nextStageId: 'months-7-9',
      nextStageAt: shanghaiDay('2026-02-28'),
    });
    expect(stageAt(august31, defaultLifeStageLevels, shanghaiDay('2025-11-30') - 1, shanghai).stageId).toBe(
      'months-0-3',
    );
    expect(nextStageChange([august31], defaultLifeStageLevels, shanghaiDay('2025-09-01'), shanghai)).toBe(
      shanghaiDay('2025-11-30'),
    );
  });

  it('places an expected child by trimester, counted back from the due date', () => {
    const expected = { key: 'child-1', reference: '2026-09-01', born: false };
    expect(stageAt(expected, defaultLifeStageLevels, shanghaiDay('2025-11-25'), shanghai).stageId).toBe('pregnancy-1');
    expect(stageAt(expected, defaultLifeStageLevels, shanghaiDay('2026-03-03') - 1, shanghai).stageId).toBe(
      'pregnancy-1',
    );
    expect(stageAt(expected, defaultLifeStageLevels, shanghaiDay('2026-03-03'), shanghai).stageId).toBe('pregnancy-2');
    expect(stageAt(expected, defaultLifeStageLevels, shanghaiDay('2026-06-09'), shanghai).stageId).toBe('pregnancy-3');
    expect(stageAt(expected, defaultLifeStageLevels, shanghaiDay('2025-11-24'), shanghai).stageId).toBeNull();
  });
});

describe('nextStageChange and diffStages', () => {
  it('finds the next boundary of any child', () => {
    const children = [
      { key: 'child-1', reference: '2025-03-10', born: true },
      { key: 'child-2', reference: '2026-09-01', born: false },
    ];
    expect(nextStageChange(children, defaultLifeStageLevels, shanghaiDay('2026-05-01'), shanghai)).toBe(
      shanghaiDay('2026-06-09'),
    );
    expect(nextStageChange([], defaultLifeStageLevels, 0, shanghai)).toBeNull();
  });

  it('reports entering, moving and leaving stages', () => {
    const held = [
      { childKey: 'child-1', stageId: 'months-0-3', since: 1 },
      { childKey: 'child-2', stageId: 'pregnancy-3', since: 2 },
    ];
    const now = [
      { childKey: 'child-1', stageId: 'months-4-6', since: 10 },
      { childKey: 'child-3', stageId: 'pregnancy-1', since: 11 },
    ];
    expect(diffStages(held, now, 20)).toEqual([
      { childKey: 'child-1', from: 'months-0-3', to: 'months-4-6', at: 10 },
      { childKey: 'child-3', from: null, to: 'pregnancy-1', at: 11 },
      { childKey: 'child-2', from: 'pregnancy-3', to: null, at: 20 },
    ]);
    expect(diffStages(held, held, 20)).toEqual([]);
  });
});

describe('lifeStageLevelsSchema', () => {
  it('accepts the 16 defaults and refuses overlapping, empty or duplicate levels, naming the path', () => {
    expect(lifeStageLevelsSchema.safeParse(defaultLifeStageLevels).success).toBe(true);
    const result = lifeStageLevelsSchema.safeParse([
      { id: 'baby', name: 'Baby', from: { days: 0 }, until: { months: 12 } },
      { id: 'baby', name: 'Toddler', from: { months: 11 }, until: { months: 11 } },
      { id: 'kid', name: 'Kid', from: {}, until: { years: 12 } },
    ]);
    expect(result.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([
      ['2.from', 'give years, months, weeks or days'],
      ['1.id', 'is used twice'],
      ['1.until', 'must come after from'],
      ['1.from', 'overlaps baby: levels must be in order and not overlap'],
      ['2.from', 'overlaps baby: levels must be in order and not overlap'],
    ]);
  });
});
