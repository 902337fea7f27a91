import { productsFor, products, type Category, type LifeStage, type Product } from './demo-catalog.ts';
import { dayMs, formatDate, type Channel, type DemoPerson } from './demo-people.ts';
import type { Random } from './random.ts';

export interface LineItem {
  product: Product;
  quantity: number;
}

export interface PricedOrder {
  orderId: string;
  items: LineItem[];
  revenueFen: number;
  totalFen: number;
  shippingFen: number;
  discountFen: number;
  coupon: string | undefined;
}

const affiliations: Record<Channel, string> = {
  wechat: '暖暖会员小程序',
  app: '暖暖 App',
  tmall: '暖暖天猫旗舰店',
  jd: '暖暖京东自营旗舰店',
  douyin: '暖暖抖音官方旗舰店',
  store: '暖暖母婴门店',
};

const giftCategories: readonly Category[] = ['toys', 'books', 'wipes', 'skin care'];

/** Money leaves the generator in yuan with at most two decimals, computed from integer fen. */
export function yuan(fen: number): number {
  return Math.round(fen) / 100;
}

/** The stage of the youngest child the member has told us about, or undefined with no children. */
export function lifeStageAt(person: DemoPerson, at: number): LifeStage | undefined {
  const known = person.children.filter((child) => at >= child.dueAt - 220 * dayMs);
  const youngest = known[known.length - 1];
  if (!youngest) return undefined;
  if (at < youngest.birthAt) return 'pregnancy';
  const months = (at - youngest.birthAt) / (30.44 * dayMs);
  if (months < 6) return 'newborn';
  if (months < 12) return 'infant';
  if (months < 36) return 'toddler';
  return 'preschool';
}

function candidates(stage: LifeStage | undefined, category?: Category): Product[] {
  if (stage) return productsFor(stage, category);
  return products.filter(
    (item) =>
      giftCategories.includes(item.category) &&
      !item.stages.includes('pregnancy') &&
      (!category || item.category === category),
  );
}

function milkFor(person: DemoPerson, stage: LifeStage | undefined): Product | undefined {
  const options = candidates(stage, 'milk powder');
  const premium = options.find((item) => item.sku.includes('A2'));
  if (premium && person.prefersPremiumMilk) return premium;
  return options.find((item) => !item.sku.includes('A2')) ?? options[0];
}

function addItem(items: LineItem[], product: Product | undefined, quantity: number): void {
  if (!product || items.some((item) => item.product.productId === product.productId)) return;
  items.push({ product, quantity });
}

/** Regulars and whales restock milk powder and diapers for the child's current stage, plus extras. */
function restockBasket(person: DemoPerson, random: Random, stage: LifeStage | undefined): LineItem[] {
  const whale = person.archetype === 'whale';
  const items: LineItem[] = [];
  addItem(items, milkFor(person, stage), whale ? random.int(4, 8) : random.int(2, 4));
  const diapers = candidates(stage, 'diapers');
  if (diapers.length > 0 && stage !== 'pregnancy') {
    addItem(items, random.pick(diapers), whale ? random.int(2, 6) : random.int(1, 3));
  }
  const extras = candidates(stage).filter((item) => item.category !== 'milk powder' && item.category !== 'diapers');
  const extraCount = whale ? random.int(1, 3) : random.chance(0.4) ? 1 : 0;
  for (let index = 0; index < extraCount && extras.length > 0; index += 1) {
    addItem(items, random.pick(extras), random.int(1, 2));
  }
  return items;
}

/** Occasional buyers pick one to three things their stage calls for. */
function browseBasket(random: Random, stage: LifeStage | undefined): LineItem[] {
  const options = candidates(stage);
  const items: LineItem[] = [];
  const count = 1 + random.weightedIndex([55, 30, 15]);
  for (let index = 0; index < count; index += 1)
    addItem(items, random.pick(options), 1 + random.weightedIndex([75, 25]));
  return items;
}

export function chooseBasket(person: DemoPerson, random: Random, at: number): LineItem[] {
  const stage = lifeStageAt(person, at);
  const restock =
    person.archetype === 'regular' || person.archetype === 'whale' ? restockBasket(person, random, stage) : [];
  // Without a child to restock for (a gift buyer), even a loyal member buys like a browser.
  return restock.length > 0 ? restock : browseBasket(random, stage);
}

/** Each platform's own order number; the member number and sequence keep them unique. */
function orderIdFor(person: DemoPerson, channel: Channel, random: Random, at: number, sequence: number): string {
  const serial = `${person.number}${String(sequence).padStart(3, '0')}`;
  const date = formatDate(at).replaceAll('-', '');
  switch (channel) {
    case 'tmall':
      return `2${random.string('0123456789', 5)}${serial}`;
    case 'jd':
      return `3${serial}`;
    case 'douyin':
      return `69${random.string('0123456789', 4)}${serial}`;
    case 'store':
      return `POS-${person.homeStore}-${date}-${serial}`;
    default:
      return `HM${date}${serial}`;
  }
}

export function priceOrder(
  person: DemoPerson,
  channel: Channel,
  random: Random,
  at: number,
  sequence: number,
): PricedOrder {
  const items = chooseBasket(person, random, at);
  const subtotalFen = items.reduce((sum, item) => sum + item.product.priceFen * item.quantity, 0);
  let discountFen = 0;
  let coupon: string | undefined;
  if (subtotalFen >= 60_000 && random.chance(0.35)) [discountFen, coupon] = [8_000, 'MJ600-80'];
  else if (subtotalFen >= 30_000 && random.chance(0.3)) [discountFen, coupon] = [3_000, 'MJ300-30'];
  const ownShop = channel === 'app' || channel === 'wechat';
  const shippingFen = ownShop && subtotalFen < 9_900 ? 1_000 : 0;
  const revenueFen = subtotalFen - discountFen;
  return {
    orderId: orderIdFor(person, channel, random, at, sequence),
    items,
    revenueFen,
    totalFen: revenueFen + shippingFen,
    shippingFen,
    discountFen,
    coupon,
  };
}

export function productProperties(product: Product): Record<string, string | number> {
  return {
    product_id: product.productId,
    sku: product.sku,
    name: product.name,
    category: product.category,
    price: yuan(product.priceFen),
  };
}

/** Segment e-commerce v2 `Order Completed` properties. */
export function orderCompletedProperties(
  order: PricedOrder,
  channel: Channel,
  person: DemoPerson,
): Record<string, unknown> {
  return {
    order_id: order.orderId,
    affiliation: affiliations[channel],
    total: yuan(order.totalFen),
    revenue: yuan(order.revenueFen),
    shipping: yuan(order.shippingFen),
    tax: 0,
    discount: yuan(order.discountFen),
    ...(order.coupon ? { coupon: order.coupon } : {}),
    currency: 'CNY',
    ...(channel === 'store' ? { store_id: person.homeStore } : {}),
    products: order.items.map((item) => ({ ...productProperties(item.product), quantity: item.quantity })),
  };
}

/** A full refund, or one unit of one product sent back. */
export function orderRefundedProperties(order: PricedOrder, random: Random): Record<string, unknown> {
  const returned = random.pick(order.items);
  if (order.items.length === 1 && returned.quantity === 1) return fullRefund(order, random);
  if (random.chance(0.5)) return fullRefund(order, random);
  return {
    order_id: order.orderId,
    total: yuan(returned.product.priceFen),
    currency: 'CNY',
    reason: random.pick(['破损', '发错货', '不想要了']),
    products: [{ ...productProperties(returned.product), quantity: 1 }],
  };
}

function fullRefund(order: PricedOrder, random: Random): Record<string, unknown> {
  return {
    order_id: order.orderId,
    total: yuan(order.totalFen),
    currency: 'CNY',
    reason: random.pick(['七天无理由退货', '买错了', '商品质量问题', '重复下单']),
  };
}
