import { appScreens, miniProgramPages, products, reviewTexts, type Product } from './demo-catalog.ts';
import { createComposer, type Composer, type IdentityTimes, type TimedMessage } from './demo-composer.ts';
import {
  orderCompletedProperties,
  orderRefundedProperties,
  priceOrder,
  productProperties,
  type PricedOrder,
} from './demo-orders.ts';
import {
  childrenAt,
  dayMs,
  formatEmail,
  formatPhone,
  type Channel,
  type DemoPerson,
  type TimeWindow,
} from './demo-people.ts';
import { isoInstant } from './demo-time.ts';
import type { Random } from './random.ts';

const minuteMs = 60_000;
/** Onboarding browsing fits in the first minutes of a visit; the sign-up comes after it. */
const signUpDelayMs = 4 * minuteMs;
const chinaOffsetMs = 8 * 3_600_000;

/** Relative activity per hour of the day in China Standard Time: evenings peak, nights are quiet. */
const activityByHour = [1, 0.5, 0, 0, 0, 0, 1, 3, 4, 4, 5, 5, 6, 5, 4, 4, 4, 4, 5, 6, 9, 10, 8, 3];
const hourWeights = activityByHour.map((weight, hour) => [hour, weight] as const);

interface Plan {
  person: DemoPerson;
  random: Random;
  window: TimeWindow;
  composer: Composer;
  firstSeen: Map<Channel, number>;
}

/** A moment on the same China day as `at`, at a plausible hour, never before the window opens. */
function daytime(at: number, random: Random, window: TimeWindow): number {
  const dayStart = at - ((at + chinaOffsetMs) % dayMs);
  const moment = dayStart + random.weighted(hourWeights) * 3_600_000 + random.int(0, 3_599_999);
  return moment < window.start ? moment + dayMs : moment;
}

function planFirstSeen(person: DemoPerson, random: Random, window: TimeWindow): Map<Channel, number> {
  const firstSeen = new Map<Channel, number>();
  const home = daytime(person.joinedAt, random, window);
  person.channels.forEach((channel, position) => {
    if (position === 0) firstSeen.set(channel, home);
    else firstSeen.set(channel, daytime(home + random.next() ** 2 * 0.9 * (window.end - home), random, window));
  });
  return firstSeen;
}

function identityTimes(person: DemoPerson, firstSeen: Map<Channel, number>): IdentityTimes {
  const appAt = firstSeen.get('app');
  const wechatAt = firstSeen.get('wechat');
  const ownChannels = [appAt, wechatAt].filter((at): at is number => at !== undefined);
  const registered = person.archetype !== 'visitor';
  return {
    accountAt: person.userId && ownChannels.length > 0 ? Math.min(...ownChannels) + signUpDelayMs : undefined,
    wechatLinkedAt: registered && wechatAt !== undefined ? wechatAt + signUpDelayMs + 1_000 : undefined,
  };
}

function fullTraits(plan: Plan, at: number): Record<string, unknown> {
  const { person, random } = plan;
  return {
    name: person.name,
    gender: person.gender,
    birthday: person.birthday,
    city: person.city,
    phone: formatPhone(person.phone, random),
    ...(person.email && random.chance(0.8) ? { email: formatEmail(person.email, random) } : {}),
    children: childrenAt(person, at),
  };
}

/** A screen on the app, a page in the mini program; other channels show the brand no pages. */
function emitView(plan: Plan, at: number, channel: Channel): void {
  if (channel === 'app') {
    plan.composer.emit(at, channel, { type: 'screen', name: plan.random.pick(appScreens) });
  } else if (channel === 'wechat') {
    const [title, path] = plan.random.pick(miniProgramPages);
    plan.composer.emit(at, channel, { type: 'page', name: title, properties: { path, title } });
  }
}

function emitProductViewed(plan: Plan, at: number, channel: Channel, product: Product): void {
  plan.composer.emit(at, channel, {
    type: 'track',
    event: 'Product Viewed',
    properties: { ...productProperties(product), currency: 'CNY' },
  });
}

function emitBrowsing(plan: Plan, at: number, channel: Channel, views: number): number {
  let moment = at;
  for (let index = 0; index < views; index += 1) {
    if (index > 0 && plan.random.chance(0.4)) emitProductViewed(plan, moment, channel, plan.random.pick(products));
    else emitView(plan, moment, channel);
    moment += plan.random.int(15, 45) * 1_000;
  }
  return moment;
}

/** First contact on a channel: a look around, then (except for visitors) the member identifies themselves. */
function onboard(plan: Plan, channel: Channel, times: IdentityTimes): void {
  const { person, random, composer } = plan;
  const at = plan.firstSeen.get(channel) ?? person.joinedAt;
  const ownShop = channel === 'app' || channel === 'wechat';
  if (ownShop) emitBrowsing(plan, at, channel, random.int(1, 4));
  if (person.archetype === 'visitor') return;
  const identifyAt = at + signUpDelayMs;
  if (ownShop && times.accountAt === identifyAt) {
    composer.emit(identifyAt, channel, {
      type: 'track',
      event: 'Signed Up',
      properties: { method: channel === 'wechat' ? 'wechat_phone' : 'phone' },
    });
  }
  const marketplace = channel === 'tmall' || channel === 'jd' || channel === 'douyin';
  const traits: Record<string, unknown> = marketplace
    ? {
        phone: formatPhone(person.phone, random),
        ...(random.chance(0.5) ? { name: person.name } : {}),
        ...(person.email && random.chance(0.2) ? { email: formatEmail(person.email, random) } : {}),
      }
    : fullTraits(plan, identifyAt);
  if (times.accountAt === identifyAt) traits.createdAt = isoInstant(identifyAt);
  composer.emit(identifyAt + 1_000, channel, { type: 'identify', traits });
}

function orderTimes(plan: Plan, from: number): number[] {
  const { person, random, window } = plan;
  const span = window.end - from;
  const times: number[] = [];
  if (person.archetype === 'one_time') times.push(from + random.next() * Math.min(60 * dayMs, span));
  if (person.archetype === 'occasional') {
    for (let count = random.int(2, 5); count > 0; count -= 1) times.push(from + random.next() * span);
  }
  if (person.archetype === 'regular' || person.archetype === 'whale') {
    const whale = person.archetype === 'whale';
    for (let at = from + random.int(0, 14) * dayMs; at < window.end;) {
      times.push(at);
      if (random.chance(whale ? 0.02 : 0.04)) break;
      at += (whale ? random.int(7, 18) : random.int(18, 35)) * dayMs;
    }
  }
  return times
    .sort((a, b) => a - b)
    .map((at) => {
      const moment = daytime(at, random, window);
      return moment < from ? moment + dayMs : moment;
    });
}

function orderChannel(plan: Plan, at: number): Channel {
  const available = plan.person.channels.filter((channel) => (plan.firstSeen.get(channel) ?? Infinity) <= at);
  const home = plan.person.channels[0] ?? 'wechat';
  if (available.length === 0) return home;
  return plan.random.weighted(available.map((channel) => [channel, channel === home ? 3 : 1] as const));
}

/** What follows a purchase: now and then a refund, a review, a scan of the QR code on a can. */
function emitAftermath(plan: Plan, at: number, channel: Channel, order: PricedOrder): void {
  const { random, composer, person } = plan;
  if (random.chance(channel === 'douyin' ? 0.12 : 0.04)) {
    const refundAt = daytime(at + random.int(1, 10) * dayMs, random, plan.window);
    composer.emit(refundAt, channel, {
      type: 'track',
      event: 'Order Refunded',
      properties: orderRefundedProperties(order, random),
    });
  }
  if (random.chance(0.12)) {
    const reviewed = random.pick(order.items).product;
    const rating = 5 - random.weightedIndex([60, 22, 9, 5, 4]);
    composer.emit(daytime(at + random.int(3, 15) * dayMs, random, plan.window), channel, {
      type: 'track',
      event: 'Product Reviewed',
      properties: {
        product_id: reviewed.productId,
        order_id: order.orderId,
        rating,
        ...(random.chance(0.5) ? { review_body: random.pick(reviewTexts) } : {}),
      },
    });
  }
  const scanChannel: Channel | undefined = person.channels.includes('wechat')
    ? 'wechat'
    : person.channels.includes('app')
      ? 'app'
      : undefined;
  const milk = order.items.find((item) => item.product.category === 'milk powder');
  if (scanChannel && milk && random.chance(0.25)) {
    const scanAt = daytime(at + random.int(1, 10) * dayMs, random, plan.window);
    composer.emit(scanAt, scanChannel, {
      type: 'track',
      event: 'Code Scanned',
      properties: scanProperties(plan, milk.product),
    });
  }
}

function scanProperties(plan: Plan, product: Product): Record<string, unknown> {
  return {
    code: `NN${product.sku.replaceAll('-', '')}${plan.random.string('0123456789ABCDEFGHJKLMNPQRSTUVWXYZ', 12)}`,
    product_id: product.productId,
    sku: product.sku,
    name: product.name,
  };
}

function emitOrders(plan: Plan): void {
  const { person, random, composer } = plan;
  const from = (plan.firstSeen.get(person.channels[0] ?? 'wechat') ?? person.joinedAt) + 10 * minuteMs;
  orderTimes(plan, from).forEach((at, index) => {
    const channel = orderChannel(plan, at);
    const order = priceOrder(person, channel, random, at, index + 1);
    if (channel === 'app' || channel === 'wechat') {
      order.items.slice(0, 2).forEach((item, position) => {
        emitProductViewed(plan, at - (position + 1) * random.int(1, 5) * minuteMs, channel, item.product);
      });
    }
    const zeroPhone = channel === 'store' && person.quirks.zeroPhoneAtStore && random.chance(0.5);
    composer.emit(at, channel, {
      type: 'track',
      event: 'Order Completed',
      properties: orderCompletedProperties(order, channel, person),
      ...(channel === 'store'
        ? { contextTraits: { phone: zeroPhone ? '00000000000' : formatPhone(person.phone, random) } }
        : {}),
    });
    emitAftermath(plan, at, channel, order);
  });
}

/** Families tell the brand about a new pregnancy and, after the birth, the baby's birth date. */
function emitFamilyUpdates(plan: Plan): void {
  const { person, random, composer, window } = plan;
  const since = plan.firstSeen.get(person.channels[0] ?? 'wechat') ?? person.joinedAt;
  const ownChannels = person.channels.filter(
    (channel) => channel === 'app' || channel === 'wechat' || channel === 'store',
  );
  const channel = ownChannels.length > 0 ? random.pick(ownChannels) : (person.channels[0] ?? 'wechat');
  for (const child of person.children) {
    const announcedAt = daytime(child.dueAt - random.int(150, 218) * dayMs, random, window);
    if (announcedAt > since)
      composer.emit(announcedAt, channel, { type: 'identify', traits: { children: childrenAt(person, announcedAt) } });
    const bornAt = daytime(child.birthAt + random.int(3, 30) * dayMs, random, window);
    if (bornAt > since)
      composer.emit(bornAt, channel, { type: 'identify', traits: { children: childrenAt(person, bornAt) } });
  }
}

/** Return visits on the app or the mini program, about every six weeks for a signed-up member. */
function emitVisits(plan: Plan): void {
  const { person, random, window } = plan;
  const channels = person.channels.filter((channel) => channel === 'app' || channel === 'wechat');
  if (channels.length === 0) return;
  const since = Math.min(...channels.map((channel) => plan.firstSeen.get(channel) ?? window.end));
  const expected = person.archetype === 'visitor' ? random.int(0, 3) : (window.end - since) / (45 * dayMs);
  const visits = Math.min(12, Math.round(expected * (0.5 + random.next())));
  for (let index = 0; index < visits; index += 1) {
    const at = daytime(since + dayMs + random.next() * (window.end - since), random, window);
    const channel = random.pick(channels);
    const end = emitBrowsing(plan, at, channel, random.int(1, 3));
    if (person.archetype === 'visitor' && random.chance(0.15)) {
      const product = random.pick(products.filter((item) => item.category === 'milk powder'));
      plan.composer.emit(end, channel, {
        type: 'track',
        event: 'Code Scanned',
        properties: scanProperties(plan, product),
      });
    }
  }
}

/** One member's whole history inside the window, in time order. */
export function buildPersonMessages(
  person: DemoPerson,
  random: Random,
  window: TimeWindow,
  seedTag: string,
): TimedMessage[] {
  const firstSeen = planFirstSeen(person, random, window);
  const times = identityTimes(person, firstSeen);
  const plan: Plan = {
    person,
    random,
    window,
    composer: createComposer(person, seedTag, window.end, times),
    firstSeen,
  };
  for (const channel of person.channels) onboard(plan, channel, times);
  emitOrders(plan);
  if (person.archetype !== 'visitor') emitFamilyUpdates(plan);
  emitVisits(plan);
  return plan.composer.finish();
}
