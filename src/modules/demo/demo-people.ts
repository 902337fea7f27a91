import {
  childNicknames,
  cities,
  emailDomains,
  femaleGivenNames,
  maleGivenNames,
  mobilePrefixes,
  stores,
  surnames,
} from './demo-catalog.ts';
import { isoDate } from './demo-time.ts';
import type { Random } from './random.ts';

export const demoChannels = ['wechat', 'tmall', 'jd', 'douyin', 'app', 'store'] as const;
export type Channel = (typeof demoChannels)[number];

/** How a member behaves: from a visitor who never signs up to a whale who buys every week. */
export type Archetype = 'visitor' | 'registered' | 'one_time' | 'occasional' | 'regular' | 'whale';

export const dayMs = 86_400_000;
/** Calendar dates (birthdays, due dates) are written in China Standard Time, which has no DST. */
const chinaOffsetMs = 8 * 3_600_000;

export interface TimeWindow {
  start: number;
  end: number;
}

export interface ChildPlan {
  birthAt: number;
  /** Due date as the family told the brand; the baby arrives a little before or after it. */
  dueAt: number;
  gender: 'female' | 'male';
  nickname: string;
  sharesGender: boolean;
  sharesName: boolean;
}

export interface DemoPerson {
  index: number;
  /** Nine digits unique to this member within a seed; account numbers and order ids are built on it. */
  number: string;
  archetype: Archetype;
  /** The first is where the member was acquired. */
  channels: Channel[];
  joinedAt: number;
  name: string;
  gender: 'female' | 'male';
  birthday: string;
  city: string;
  /** 11-digit national mobile number; each channel writes it in its own format. */
  phone: string;
  email: string | undefined;
  /** The brand account, created on the app or the mini program; absent for visitors and marketplace-only buyers. */
  userId: string | undefined;
  deviceId: string;
  deviceType: 'ios' | 'android';
  miniProgramId: string;
  wechatOpenId: string;
  wechatUnionId: string;
  tmallId: string;
  jdId: string;
  douyinId: string;
  memberCard: string;
  homeStore: string;
  storeUsesAccount: boolean;
  prefersPremiumMilk: boolean;
  children: ChildPlan[];
  /** Dirty data real integrations send, so blocklists have something to do. */
  quirks: { nullAnonymousId: boolean; zeroPhoneAtStore: boolean };
}

const archetypeWeights: ReadonlyArray<readonly [Archetype, number]> = [
  ['visitor', 10],
  ['registered', 13],
  ['one_time', 35],
  ['occasional', 25],
  ['regular', 14],
  ['whale', 3],
];

const homeChannelWeights: ReadonlyArray<readonly [Channel, number]> = [
  ['wechat', 30],
  ['tmall', 22],
  ['app', 15],
  ['jd', 13],
  ['douyin', 10],
  ['store', 10],
];

export function formatDate(ms: number): string {
  return isoDate(ms + chinaOffsetMs);
}

/**
 * A bijection of the member index onto `digits`-digit numbers (the multipliers are coprime with
 * 10^digits), so phones, cards and account numbers never collide between two demo members of a
 * seed, yet neighbours do not look alike. BigInt because the products pass 2^53.
 */
function scramble(index: number, multiplier: bigint, offset: number, digits: number): string {
  const modulus = 10n ** BigInt(digits);
  const value = ((BigInt(index) % modulus) * multiplier + BigInt(offset)) % modulus;
  return value.toString().padStart(digits, '0');
}

const base64Url = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const hex = '0123456789abcdef';

function uuid(random: Random): string {
  const raw = random.string(hex, 32);
  const variant = hex[8 + random.int(0, 3)] ?? '8';
  return `${raw.slice(0, 8)}-${raw.slice(8, 12)}-4${raw.slice(13, 16)}-${variant}${raw.slice(17, 20)}-${raw.slice(20)}`;
}

function chooseChannels(random: Random, archetype: Archetype): Channel[] {
  if (archetype === 'visitor') return [random.chance(0.55) ? 'wechat' : 'app'];
  const home = random.weighted(homeChannelWeights);
  // Loyal buyers meet the brand in more places.
  const loyal = archetype === 'regular' || archetype === 'whale';
  const extraChannels = random.weightedIndex(loyal ? [20, 40, 28, 12] : [48, 35, 13, 4]);
  const chosen: Channel[] = [home];
  for (let extra = extraChannels; extra > 0; extra -= 1) {
    const remaining = homeChannelWeights.filter(([channel]) => !chosen.includes(channel));
    chosen.push(random.weighted(remaining));
  }
  return chosen;
}

function planChildren(random: Random, joinedAt: number): ChildPlan[] {
  const count = random.weightedIndex([10, 55, 28, 7]);
  // Families find the brand around a pregnancy or a young baby: the youngest is due up to nine
  // months after joining, or born up to three years before.
  let birthAt = joinedAt + random.int(-3 * 365, 270) * dayMs + random.int(0, dayMs - 1);
  const children: ChildPlan[] = [];
  for (let index = 0; index < count; index += 1) {
    children.unshift({
      birthAt,
      dueAt: birthAt + random.int(-7, 14) * dayMs,
      gender: random.chance(0.5) ? 'female' : 'male',
      nickname: random.pick(childNicknames),
      sharesGender: random.chance(0.8),
      sharesName: random.chance(0.5),
    });
    birthAt -= random.int(2 * 365, 5 * 365) * dayMs;
  }
  return children;
}

function joinTime(random: Random, archetype: Archetype, window: TimeWindow): number {
  // Loyal buyers have been around longer on average, so their histories have room for repeats.
  const skew = archetype === 'regular' || archetype === 'whale' ? 1.8 : 1;
  const span = window.end - window.start;
  return window.start + Math.floor(random.next() ** skew * span * 0.97);
}

/** Everything about one demo member, drawn from their own random stream. */
export function createPerson(index: number, seed: number, random: Random, window: TimeWindow): DemoPerson {
  const archetype = random.weighted(archetypeWeights);
  const channels = chooseChannels(random, archetype);
  const joinedAt = joinTime(random, archetype, window);
  const gender = random.chance(0.86) ? 'female' : 'male';
  const [surname, pinyin] = random.pick(surnames);
  const given = random.pick(gender === 'female' ? femaleGivenNames : maleGivenNames);
  const birthYear = new Date(joinedAt).getUTCFullYear() - random.int(22, 42);
  const seedOffset = seed % 9_973;
  const hasAccount = archetype !== 'visitor' && (channels.includes('app') || channels.includes('wechat'));
  const number = scramble(index, 618_033_989n, seedOffset * 31, 9);
  return {
    index,
    number,
    archetype,
    channels,
    joinedAt,
    name: `${surname}${given}`,
    gender,
    birthday: `${birthYear}-${String(random.int(1, 12)).padStart(2, '0')}-${String(random.int(1, 28)).padStart(2, '0')}`,
    city: random.weighted(cities),
    phone: `${random.pick(mobilePrefixes)}${scramble(index, 73_846_291n, seedOffset * 7_919, 8)}`,
    email: random.chance(0.4)
      ? `${pinyin}${scramble(index, 3_874_613n, seedOffset, 7)}@${random.pick(emailDomains)}`
      : undefined,
    userId: hasAccount ? `HM${number}` : undefined,
    deviceId: uuid(random),
    deviceType: random.chance(0.42) ? 'ios' : 'android',
    miniProgramId: uuid(random),
    wechatOpenId: `oX${random.string(base64Url, 26)}`,
    wechatUnionId: `o6_${random.string(base64Url, 25)}`,
    tmallId: `${random.int(1, 9)}${random.string('0123456789', 11)}`,
    jdId: `jd_${random.string('abcdefghijklmnopqrstuvwxyz0123456789', 12)}`,
    douyinId: `${random.int(1, 9)}${random.string('0123456789', 15)}`,
    memberCard: `NC${scramble(index, 7_349_862_137n, seedOffset, 10)}`,
    homeStore: random.pick(stores),
    storeUsesAccount: random.chance(0.5),
    prefersPremiumMilk: random.chance(0.3),
    children: planChildren(random, joinedAt),
    quirks: { nullAnonymousId: random.chance(0.015), zeroPhoneAtStore: random.chance(0.05) },
  };
}

/** The same phone as different systems write it; all of them normalize to one E.164 number. */
export function formatPhone(phone: string, random: Random): string {
  const [a, b, c] = [phone.slice(0, 3), phone.slice(3, 7), phone.slice(7)];
  return random.pick([
    phone,
    `${a} ${b} ${c}`,
    `+86 ${a}-${b}-${c}`,
    `+86${phone}`,
    `${a}-${b}-${c}`,
    `(+86) ${a} ${b} ${c}`,
    `+86 ${phone}`,
  ]);
}

/** The same address typed on different forms: case and stray spaces vary. */
export function formatEmail(email: string, random: Random): string {
  return random.pick([
    email,
    email.toUpperCase(),
    ` ${email}`,
    `${email.charAt(0).toUpperCase()}${email.slice(1)} `,
    email.replace(/@.*/, (domain) => domain.toUpperCase()),
  ]);
}

/** The children as the member would describe them at `at`: born ones with a birth date, expected ones with a due date. */
export function childrenAt(person: DemoPerson, at: number): Array<Record<string, string>> {
  const known = person.children.filter((child) => at >= child.dueAt - 220 * dayMs);
  return known.map((child) => {
    const born = at >= child.birthAt + 2 * dayMs;
    const description: Record<string, string> = born
      ? { birthDate: formatDate(child.birthAt) }
      : { dueDate: formatDate(child.dueAt) };
    if (born && child.sharesGender) description.gender = child.gender;
    if (born && child.sharesName) description.name = child.nickname;
    return description;
  });
}
