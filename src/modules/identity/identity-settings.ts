import { identitySettingsSchema, type IdentitySettings } from './identity.schema.ts';

/** Stored settings may predate newer defaults; parsing fills them in. */
export function readIdentitySettings(stored: unknown): IdentitySettings {
  const parsed = identitySettingsSchema.safeParse(stored ?? {});
  return parsed.success ? parsed.data : identitySettingsSchema.parse({});
}
