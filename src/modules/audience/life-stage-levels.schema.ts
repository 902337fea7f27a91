import { DateTime } from 'luxon';
import { z } from 'zod';

/** A point in a child's life relative to the birth (or due) date; negative before birth. */
export const lifeOffsetSchema = z
  .object({
    years: z.number().int().optional(),
    months: z.number().int().optional(),
    weeks: z.number().int().optional(),
    days: z.number().int().optional(),
  })
  .strict()
  .refine((offset) => Object.keys(offset).length > 0, 'give years, months, weeks or days');
export type LifeOffset = z.infer<typeof lifeOffsetSchema>;

export const lifeStageLevelSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be 1–64 lower-case letters, digits or -'),
  name: z.string().min(1).max(100),
  /** The stage covers [from, until) after the birth date, in the workspace's calendar. */
  from: lifeOffsetSchema,
  until: lifeOffsetSchema,
});
export type LifeStageLevel = z.infer<typeof lifeStageLevelSchema>;

/** Offsets mix units; they are compared on one fixed birth date. */
const referenceBirth = DateTime.fromISO('2000-03-01', { zone: 'UTC' });

export function offsetMilliseconds(offset: LifeOffset): number {
  return referenceBirth.plus(offset).toMillis() - referenceBirth.toMillis();
}

export const lifeStageLevelsSchema = z
  .array(lifeStageLevelSchema)
  .min(1)
  .max(64)
  .superRefine((levels, context) => {
    const seen = new Set<string>();
    levels.forEach((level, index) => {
      if (seen.has(level.id)) context.addIssue({ code: 'custom', path: [index, 'id'], message: 'is used twice' });
      seen.add(level.id);
      if (offsetMilliseconds(level.until) <= offsetMilliseconds(level.from)) {
        context.addIssue({ code: 'custom', path: [index, 'until'], message: 'must come after from' });
      }
      const previous = levels[index - 1];
      if (previous && offsetMilliseconds(level.from) < offsetMilliseconds(previous.until)) {
        context.addIssue({
          code: 'custom',
          path: [index, 'from'],
          message: `overlaps ${previous.id}: levels must be in order and not overlap`,
        });
      }
    });
  });

function level(id: string, name: string, from: LifeOffset, until: LifeOffset): LifeStageLevel {
  return { id, name, from, until };
}

/**
 * The mother-and-baby trade's 16 levels (JD Companion): three trimesters counted back from the
 * due date, then the child's month of life ("4–6 months" is the 4th to 6th month: from 3 full
 * months to 6), then years.
 */
export const defaultLifeStageLevels: LifeStageLevel[] = [
  level('pregnancy-1', 'Pregnancy, first trimester', { weeks: -40 }, { weeks: -26 }),
  level('pregnancy-2', 'Pregnancy, second trimester', { weeks: -26 }, { weeks: -12 }),
  level('pregnancy-3', 'Pregnancy, third trimester', { weeks: -12 }, { days: 0 }),
  level('months-0-3', '0–3 months', { days: 0 }, { months: 3 }),
  level('months-4-6', '4–6 months', { months: 3 }, { months: 6 }),
  level('months-7-9', '7–9 months', { months: 6 }, { months: 9 }),
  level('months-10-12', '10–12 months', { months: 9 }, { months: 12 }),
  level('months-13-18', '13–18 months', { months: 12 }, { months: 18 }),
  level('months-19-24', '19–24 months', { months: 18 }, { months: 24 }),
  level('years-2-3', '2–3 years', { years: 2 }, { years: 3 }),
  level('years-3-4', '3–4 years', { years: 3 }, { years: 4 }),
  level('years-4-5', '4–5 years', { years: 4 }, { years: 5 }),
  level('years-5-6', '5–6 years', { years: 5 }, { years: 6 }),
  level('years-6-8', '6–8 years', { years: 6 }, { years: 8 }),
  level('years-8-10', '8–10 years', { years: 8 }, { years: 10 }),
  level('years-10-12', '10–12 years', { years: 10 }, { years: 12 }),
];

export const lifeStageLevelsBodySchema = z.object({ levels: lifeStageLevelsSchema });
