import { describe, expect, it } from 'vitest';
import {
  extractIdentifiers,
  isBlocked,
  normalizeIdentifier,
  normalizeIdentifierType,
  normalizePhone,
  sortByPriority,
} from './identifiers.ts';
import { defaultIdentifierPriority, identitySettingsSchema, type IdentitySettings } from './identity.schema.ts';

const defaults: IdentitySettings = identitySettingsSchema.parse({});

function extract(message: Record<string, unknown>, settings: IdentitySettings = defaults, phoneRegion = 'CN') {
  return extractIdentifiers(message, { phoneRegion, settings });
}

describe('normalizeIdentifier', () => {
  it('trims and lower-cases emails', () => {
    expect(normalizeIdentifier('email', '  Ana.Li@Example.COM \n', 'CN')).toEqual({ value: 'ana.li@example.com' });
  });

  it('rejects values that are not email addresses', () => {
    expect(normalizeIdentifier('email', 'ana at example.com', 'CN')).toEqual({ reason: 'not an email address' });
    expect(normalizeIdentifier('email', 'null', 'CN')).toEqual({ reason: 'not an email address' });
  });

  it('formats phones as E.164 using the workspace region', () => {
    expect(normalizeIdentifier('phone', '138 0013 8000', 'CN')).toEqual({ value: '+8613800138000' });
    expect(normalizeIdentifier('phone', '138-0013-8000', 'CN')).toEqual({ value: '+8613800138000' });
    expect(normalizeIdentifier('phone', '+86 138 0013 8000', 'US')).toEqual({ value: '+8613800138000' });
    expect(normalizeIdentifier('phone', '(415) 555-2671', 'US')).toEqual({ value: '+14155552671' });
    expect(normalizePhone('010 6552 9988', 'CN')).toBe('+861065529988');
  });

  it('rejects phones that are invalid for the region', () => {
    expect(normalizeIdentifier('phone', '138 0013 8000', 'US')).toEqual({
      reason: 'not a valid phone number for region US',
    });
    expect(normalizeIdentifier('phone', '12345', 'CN')).toEqual({ reason: 'not a valid phone number for region CN' });
  });

  it('blocks all-zero phones, with or without the country code', () => {
    for (const phone of ['0', '00000000000', '000-0000-0000', '+86 000 0000 0000', '8600000000000']) {
      expect(normalizeIdentifier('phone', phone, 'CN'), phone).toEqual({ reason: 'blocked value' });
    }
  });

  it('trims other types but keeps their case', () => {
    expect(normalizeIdentifier('user_id', '  U-1001 ', 'CN')).toEqual({ value: 'U-1001' });
    expect(normalizeIdentifier('wechat_unionid', ' oUnion_AbC ', 'CN')).toEqual({ value: 'oUnion_AbC' });
    expect(normalizeIdentifier('tmall_id', '   ', 'CN')).toEqual({ reason: 'empty' });
  });
});

describe('normalizeIdentifierType', () => {
  it('turns any spelling into snake_case', () => {
    expect(normalizeIdentifierType('tmallId')).toBe('tmall_id');
    expect(normalizeIdentifierType('wechat-unionid')).toBe('wechat_unionid');
    expect(normalizeIdentifierType(' Member Card ')).toBe('member_card');
    expect(normalizeIdentifierType('douyin_id')).toBe('douyin_id');
    expect(normalizeIdentifierType('--')).toBe('');
  });
});

describe('extractIdentifiers', () => {
  it('reads userId, anonymousId, traits, context.traits and externalIds', () => {
    const result = extract({
      type: 'identify',
      userId: 'u-1',
      anonymousId: 'anon-1',
      traits: { email: ' Ana@Example.com ', phone: '138 0013 8000', name: 'Ana' },
      context: {
        traits: { email: 'ana.work@example.com' },
        externalIds: [
          { type: 'wechat_unionid', id: 'oUnion123', collection: 'users', encoding: 'none' },
          { type: 'tmallId', id: 778899 },
          { type: 'jd_id', id: { nested: true } },
          { id: 'no-type' },
        ],
      },
    });
    expect(result.identifiers).toEqual([
      { type: 'user_id', value: 'u-1' },
      { type: 'anonymous_id', value: 'anon-1' },
      { type: 'email', value: 'ana@example.com' },
      { type: 'phone', value: '+8613800138000' },
      { type: 'email', value: 'ana.work@example.com' },
      { type: 'wechat_unionid', value: 'oUnion123' },
      { type: 'tmall_id', value: '778899' },
    ]);
    expect(result.rejected).toEqual([]);
  });

  it('drops duplicates after normalization', () => {
    const result = extract({
      type: 'identify',
      userId: 'u-1',
      traits: { email: 'ANA@example.com', phone: '+8613800138000' },
      context: { traits: { email: ' ana@example.com', phone: '138 0013 8000' } },
    });
    expect(result.identifiers).toEqual([
      { type: 'user_id', value: 'u-1' },
      { type: 'email', value: 'ana@example.com' },
      { type: 'phone', value: '+8613800138000' },
    ]);
  });

  it('uses the workspace phone region', () => {
    const message = { type: 'identify', userId: 'u-1', traits: { phone: '(415) 555-2671' } };
    expect(extract(message, defaults, 'US').identifiers).toContainEqual({ type: 'phone', value: '+14155552671' });
  });

  it('rejects built-in placeholder values with a reason', () => {
    const result = extract({
      type: 'track',
      userId: 'null',
      anonymousId: 'Anonymous',
      traits: { email: 'null', phone: '000 0000 0000' },
      context: {
        externalIds: [
          { type: 'tmall_id', id: '0' },
          { type: 'wechat_unionid', id: 'undefined' },
        ],
      },
    });
    expect(result.identifiers).toEqual([]);
    expect(result.rejected).toEqual([
      { type: 'user_id', value: 'null', reason: 'blocked value' },
      { type: 'anonymous_id', value: 'Anonymous', reason: 'blocked value' },
      { type: 'email', value: 'null', reason: 'not an email address' },
      { type: 'phone', value: '000 0000 0000', reason: 'blocked value' },
      { type: 'tmall_id', value: '0', reason: 'blocked value' },
      { type: 'wechat_unionid', value: 'undefined', reason: 'blocked value' },
    ]);
  });

  it('applies workspace blocked values case-insensitively, after normalization', () => {
    const settings = identitySettingsSchema.parse({ blockedValues: ['KIOSK-01', 'Front.Desk@Store.cn'] });
    const result = extract(
      { type: 'identify', anonymousId: 'kiosk-01', userId: 'u-2', traits: { email: ' FRONT.desk@store.CN ' } },
      settings,
    );
    expect(result.identifiers).toEqual([{ type: 'user_id', value: 'u-2' }]);
    expect(result.rejected).toEqual([
      { type: 'anonymous_id', value: 'kiosk-01', reason: 'blocked value' },
      { type: 'email', value: 'front.desk@store.cn', reason: 'blocked value' },
    ]);
  });

  it('blocks the built-in words in any case, and no longer value that contains one', () => {
    expect(['ANONYMOUS', 'Null', 'N/A', ''].map((value) => isBlocked(value, defaults))).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(['anonymous-7', 'u-null', 'guest user'].map((value) => isBlocked(value, defaults))).toEqual([
      false,
      false,
      false,
    ]);
  });

  it('can turn the built-in blocklist off', () => {
    const settings = identitySettingsSchema.parse({ useBuiltInBlocklist: false });
    expect(extract({ type: 'track', anonymousId: 'guest' }, settings).identifiers).toEqual([
      { type: 'anonymous_id', value: 'guest' },
    ]);
    expect(isBlocked('guest', settings)).toBe(false);
    expect(isBlocked('guest', defaults)).toBe(true);
  });

  it('ignores the traits of a group call, which describe the account', () => {
    const result = extract({ type: 'group', userId: 'u-3', groupId: 'g-1', traits: { email: 'billing@corp.cn' } });
    expect(result.identifiers).toEqual([{ type: 'user_id', value: 'u-3' }]);
  });

  it('takes numeric ids as text', () => {
    expect(extract({ type: 'track', userId: 1001 }).identifiers).toEqual([{ type: 'user_id', value: '1001' }]);
  });
});

describe('sortByPriority', () => {
  it('orders most trusted first, unranked types alphabetically after', () => {
    const sorted = sortByPriority(
      [
        { type: 'anonymous_id', value: 'a' },
        { type: 'zeta_id', value: 'z' },
        { type: 'email', value: 'b@x.cn' },
        { type: 'alpha_id', value: 'q' },
        { type: 'user_id', value: 'u' },
        { type: 'email', value: 'a@x.cn' },
        { type: 'tmall_id', value: 't' },
      ],
      defaultIdentifierPriority,
    );
    expect(sorted).toEqual([
      { type: 'user_id', value: 'u' },
      { type: 'email', value: 'a@x.cn' },
      { type: 'email', value: 'b@x.cn' },
      { type: 'tmall_id', value: 't' },
      { type: 'anonymous_id', value: 'a' },
      { type: 'alpha_id', value: 'q' },
      { type: 'zeta_id', value: 'z' },
    ]);
  });
});
