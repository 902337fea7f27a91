import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { prepareMessage } from '../ingest/message-preparation.ts';
import {
  defaultDemoUntil,
  demoCohortSize,
  demoWindow,
  generateDemoMessages,
  summarizeDemoMessages,
  type DemoMessage,
} from './demo-data.ts';
import { createRandom } from './random.ts';

const members = 2_000;
const seed = 20_261_101;
let messages: DemoMessage[] = [];

function memberOf(message: DemoMessage): string {
  return message.messageId.split('-')[2] ?? '';
}

function groupByMember(list: DemoMessage[]): Map<string, DemoMessage[]> {
  const groups = new Map<string, DemoMessage[]>();
  for (const message of list) {
    const key = memberOf(message);
    const group = groups.get(key) ?? [];
    group.push(message);
    groups.set(key, group);
  }
  return groups;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function phonesOf(message: DemoMessage): string[] {
  const contextTraits = isRecord(message.context.traits) ? message.context.traits : {};
  return [message.traits?.phone, contextTraits.phone].filter((value): value is string => typeof value === 'string');
}

function ordersOf(list: DemoMessage[]): DemoMessage[] {
  return list.filter((message) => message.event === 'Order Completed');
}

function share(count: number, total: number): number {
  return total === 0 ? 0 : count / total;
}

beforeAll(() => {
  messages = [...generateDemoMessages({ members, seed })];
});

describe('seeded random', () => {
  it('repeats a stream for the same keys and differs for other keys', () => {
    const draw = (...keys: number[]) => {
      const random = createRandom(...keys);
      return Array.from({ length: 8 }, () => random.next());
    };
    expect(draw(1, 2)).toEqual(draw(1, 2));
    expect(draw(1, 2)).not.toEqual(draw(1, 3));
    expect(draw(2 ** 40, 0)).not.toEqual(draw(0, 0));
    const values = draw(5, 5);
    expect(values.every((value) => value >= 0 && value < 1)).toBe(true);
  });
});

describe('generateDemoMessages', () => {
  it('is a pure function of members, seed and window', () => {
    const again = [...generateDemoMessages({ members, seed })];
    expect(JSON.stringify(again)).toBe(JSON.stringify(messages));
    const other = [...generateDemoMessages({ members: 50, seed: seed + 1 })];
    const first = messages.filter((message) => Number.parseInt(memberOf(message), 36) < 50);
    expect(JSON.stringify(other)).not.toBe(JSON.stringify(first));
  });

  it('keeps member i the same person whatever the member count, so bigger runs extend smaller ones', () => {
    const small = [...generateDemoMessages({ members: 130, seed })];
    const byId = new Map(messages.map((message) => [message.messageId, message]));
    expect(small.length).toBeGreaterThan(0);
    for (const message of small) expect(byId.get(message.messageId)).toEqual(message);
  });

  it('yields unique messageIds, timestamps inside the window, in time order within each cohort', () => {
    const window = demoWindow({});
    expect(window.end).toBe(Date.parse(defaultDemoUntil));
    expect(new Set(messages.map((message) => message.messageId)).size).toBe(messages.length);
    let previous = { cohort: -1, at: 0 };
    for (const message of messages) {
      const at = Date.parse(message.timestamp);
      expect(at).toBeGreaterThanOrEqual(window.start);
      expect(at).toBeLessThan(window.end);
      const cohort = Math.floor(Number.parseInt(memberOf(message), 36) / demoCohortSize);
      if (cohort === previous.cohort) expect(at).toBeGreaterThanOrEqual(previous.at);
      else expect(cohort).toBe(previous.cohort + 1);
      previous = { cohort, at };
      expect(message).not.toHaveProperty('sentAt');
    }
  });

  it('moves with --until and --days', () => {
    const shifted = [...generateDemoMessages({ members: 20, seed, until: '2025-06-01T00:00:00Z', days: 90 })];
    const window = demoWindow({ until: '2025-06-01T00:00:00Z', days: 90 });
    expect(shifted.length).toBeGreaterThan(0);
    for (const message of shifted) {
      const at = Date.parse(message.timestamp);
      expect(at >= window.start && at < window.end).toBe(true);
    }
  });

  it('passes the real ingestion validation, every message, with event time = timestamp', () => {
    const rejected: unknown[] = [];
    for (const [index, message] of messages.entries()) {
      const receivedAt = Date.parse(message.timestamp);
      const result = prepareMessage(message, {
        workspaceId: 'ws_test',
        receivedAt,
        path: `messages[${index}]`,
        createEventId: () => 'evt_test',
        createMessageId: () => 'unused',
      });
      if (!result.ok) rejected.push(result.issues);
      else {
        expect(result.event.eventTime).toBe(receivedAt);
        expect(result.event.messageId).toBe(message.messageId);
      }
    }
    expect(rejected).toEqual([]);
  });

  it('summarizes what it generates', () => {
    const summary = summarizeDemoMessages({ members, seed });
    expect(summary.members).toBe(members);
    expect(summary.messages).toBe(messages.length);
    expect(Object.values(summary.byType).reduce((sum, count) => sum + count, 0)).toBe(messages.length);
    expect(summary.byEvent['Order Completed']).toBe(ordersOf(messages).length);
    for (const type of ['identify', 'track', 'page', 'screen'] as const)
      expect(summary.byType[type]).toBeGreaterThan(0);
    for (const event of [
      'Order Completed',
      'Order Refunded',
      'Product Reviewed',
      'Code Scanned',
      'Product Viewed',
      'Signed Up',
    ]) {
      expect(summary.byEvent[event]).toBeGreaterThan(0);
    }
  });
});

describe('demo members look like a mother-and-baby brand', () => {
  it('spreads members over channels, with anonymous-only visitors and multi-channel members', () => {
    const groups = groupByMember(messages);
    expect(groups.size).toBe(members);
    const channelCounts = [...groups.values()].map(
      (list) => new Set(list.map((message) => message.context.channel)).size,
    );
    const anonymousOnly = [...groups.values()].filter((list) =>
      list.every((message) => !message.userId && !phonesOf(message).length && message.type !== 'identify'),
    );
    expect(share(channelCounts.filter((count) => count >= 2).length, members)).toBeGreaterThan(0.25);
    expect(share(channelCounts.filter((count) => count >= 2).length, members)).toBeLessThan(0.75);
    expect(share(anonymousOnly.length, members)).toBeGreaterThan(0.05);
    expect(share(anonymousOnly.length, members)).toBeLessThan(0.2);
    const seen = new Set(messages.map((message) => message.context.channel));
    expect([...seen].sort()).toEqual(['app', 'douyin', 'jd', 'store', 'tmall', 'wechat']);
  });

  it('writes each member phone in varied formats that all normalize (region CN) to one valid E.164 number', () => {
    let sharedAcrossChannels = 0;
    const formats = new Set<string>();
    const owners = new Map<string, string>();
    for (const [member, list] of groupByMember(messages)) {
      const normalized = new Set<string>();
      const channels = new Set<unknown>();
      for (const message of list) {
        for (const phone of phonesOf(message)) {
          if (phone === '00000000000') continue;
          formats.add(phone.replace(/\d/g, '9'));
          const parsed = parsePhoneNumberFromString(phone, 'CN');
          expect(parsed?.isValid(), phone).toBe(true);
          normalized.add(parsed?.number ?? '');
          channels.add(message.context.channel);
        }
      }
      expect(normalized.size).toBeLessThanOrEqual(1);
      const [phone] = normalized;
      if (phone) {
        expect(owners.get(phone), `${phone} belongs to two members`).toBeUndefined();
        owners.set(phone, member);
      }
      if (channels.size >= 2) sharedAcrossChannels += 1;
    }
    expect(formats.size).toBeGreaterThanOrEqual(5);
    expect(share(sharedAcrossChannels, members)).toBeGreaterThan(0.2);
  });

  it('varies email case and spacing, one address per member once trimmed and lower-cased', () => {
    const raw = new Set<string>();
    for (const list of groupByMember(messages).values()) {
      const emails = list
        .map((message) => message.traits?.email)
        .filter((email): email is string => typeof email === 'string');
      emails.forEach((email) => raw.add(email));
      expect(new Set(emails.map((email) => email.trim().toLowerCase())).size).toBeLessThanOrEqual(1);
    }
    expect([...raw].some((email) => email !== email.trim())).toBe(true);
    expect([...raw].some((email) => email !== email.toLowerCase())).toBe(true);
  });

  it('links channels through externalIds and carries a few hostile values for the blocklists', () => {
    const types = new Set<string>();
    for (const message of messages) {
      const externalIds = Array.isArray(message.context.externalIds) ? message.context.externalIds : [];
      for (const external of externalIds) {
        expect(external).toMatchObject({ collection: 'users', encoding: 'none' });
        if (isRecord(external)) types.add(String(external.type));
      }
    }
    expect([...types].sort()).toEqual([
      'douyin_id',
      'jd_id',
      'member_card',
      'tmall_id',
      'wechat_openid',
      'wechat_unionid',
    ]);
    const nulls = messages.filter((message) => message.anonymousId === 'null').length;
    const anonymous = messages.filter((message) => message.anonymousId === 'anonymous').length;
    const zeros = messages.filter((message) => phonesOf(message).includes('00000000000')).length;
    for (const count of [nulls, anonymous, zeros]) {
      expect(count).toBeGreaterThan(0);
      expect(share(count, messages.length)).toBeLessThan(0.05);
    }
  });

  it('describes families: 0–3 children, some expected with a due date after the message', () => {
    let expecting = 0;
    for (const message of messages) {
      const children = message.traits?.children;
      if (!Array.isArray(children)) continue;
      expect(children.length).toBeLessThanOrEqual(3);
      for (const child of children) {
        expect(isRecord(child) && (typeof child.birthDate === 'string' || typeof child.dueDate === 'string')).toBe(
          true,
        );
        if (isRecord(child) && typeof child.dueDate === 'string' && child.dueDate > message.timestamp.slice(0, 10))
          expecting += 1;
      }
    }
    expect(expecting).toBeGreaterThan(members * 0.05);
  });

  it('has repeat buyers, a long tail of one-time buyers and whales', () => {
    const perMember = [...groupByMember(messages).values()].map((list) => {
      const orders = ordersOf(list);
      const spend = orders.reduce((sum, order) => sum + Number(order.properties?.total ?? 0), 0);
      return { orders: orders.length, spend };
    });
    const buyers = perMember.filter((member) => member.orders > 0);
    expect(share(buyers.length, members)).toBeGreaterThan(0.6);
    expect(share(buyers.filter((buyer) => buyer.orders === 1).length, buyers.length)).toBeGreaterThan(0.3);
    expect(share(buyers.filter((buyer) => buyer.orders >= 5).length, buyers.length)).toBeGreaterThan(0.1);
    const spends = buyers.map((buyer) => buyer.spend).sort((a, b) => b - a);
    const top = spends.slice(0, Math.ceil(spends.length * 0.05)).reduce((sum, spend) => sum + spend, 0);
    expect(
      share(
        top,
        spends.reduce((sum, spend) => sum + spend, 0),
      ),
    ).toBeGreaterThan(0.2);
  });

  it('prices orders in CNY with consistent Segment e-commerce v2 totals', () => {
    const orders = ordersOf(messages);
    const categories = new Set<string>();
    const fen = (value: unknown) => Math.round(Number(value) * 100);
    for (const order of orders) {
      const properties = order.properties ?? {};
      expect(properties.currency).toBe('CNY');
      const products = Array.isArray(properties.products) ? properties.products.filter(isRecord) : [];
      expect(products.length).toBeGreaterThan(0);
      let subtotal = 0;
      for (const product of products) {
        expect(
          Number.isInteger(fen(product.price)) && Math.abs(Number(product.price) * 100 - fen(product.price)) < 1e-6,
        ).toBe(true);
        subtotal += fen(product.price) * Number(product.quantity);
        categories.add(String(product.category));
      }
      expect(fen(properties.revenue)).toBe(subtotal - fen(properties.discount));
      expect(fen(properties.total)).toBe(fen(properties.revenue) + fen(properties.shipping));
    }
    expect(new Set(orders.map((order) => order.properties?.order_id)).size).toBe(orders.length);
    expect([...categories].sort()).toEqual([
      'books',
      'complementary food',
      'diapers',
      'milk powder',
      'skin care',
      'toys',
      'wipes',
    ]);
    const refunds = messages.filter((message) => message.event === 'Order Refunded').length;
    expect(share(refunds, orders.length)).toBeGreaterThan(0.01);
    expect(share(refunds, orders.length)).toBeLessThan(0.12);
  });
});
