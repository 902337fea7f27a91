import { isSupportedCountry } from 'libphonenumber-js';
import { z } from 'zod';

const supportedCurrencies = new Set(Intl.supportedValuesOf('currency'));

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

export const currencySchema = z
  .string()
  .transform((value) => value.toUpperCase())
  .refine((value) => supportedCurrencies.has(value), 'must be an ISO 4217 currency code such as CNY');

export const timeZoneSchema = z.string().refine(isTimeZone, 'must be an IANA time zone such as Asia/Shanghai');

export const phoneRegionSchema = z
  .string()
  .transform((value) => value.toUpperCase())
  .refine((value) => isSupportedCountry(value), 'must be an ISO 3166 region code such as CN');

export const createWorkspaceSchema = z.object({
  name: z.string().trim().min(1, 'must not be empty').max(200),
  currency: currencySchema.default('CNY'),
  timezone: timeZoneSchema.default('Asia/Shanghai'),
  phoneRegion: phoneRegionSchema.default('CN'),
});
export type CreateWorkspaceInput = z.input<typeof createWorkspaceSchema>;

export const workspaceSchema = z.object({
  id: z.string(),
  name: z.string(),
  currency: z.string(),
  timezone: z.string(),
  phoneRegion: z.string(),
  createdAt: z.string().describe('ISO-8601 instant'),
});
export type Workspace = z.infer<typeof workspaceSchema>;

export const workspaceKeysSchema = z.object({
  workspaceId: z.string(),
  writeKey: z.string(),
  secretKey: z.string(),
});
export type WorkspaceKeys = z.infer<typeof workspaceKeysSchema>;

export type KeyKind = 'write' | 'secret';
