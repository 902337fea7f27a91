import { storesWithBrokenPos } from './demo-catalog.ts';
import type { Channel, DemoPerson } from './demo-people.ts';
import { isoInstant } from './demo-time.ts';

export type DemoMessageType = 'identify' | 'track' | 'page' | 'screen';

/** A Segment spec message as a source would send it: `timestamp` set, no `sentAt`. */
export interface DemoMessage {
  type: DemoMessageType;
  messageId: string;
  timestamp: string;
  userId?: string;
  anonymousId?: string;
  event?: string;
  name?: string;
  properties?: Record<string, unknown>;
  traits?: Record<string, unknown>;
  context: Record<string, unknown>;
}

export interface MessageBody {
  type: DemoMessageType;
  event?: string;
  name?: string;
  properties?: Record<string, unknown>;
  traits?: Record<string, unknown>;
  /** Traits a track call carries about its user, as a POS attaches the phone to a sale. */
  contextTraits?: Record<string, unknown>;
}

/** When the member's ids came into being; a message carries an id only once it exists. */
export interface IdentityTimes {
  accountAt: number | undefined;
  wechatLinkedAt: number | undefined;
}

interface ExternalId {
  id: string;
  type: string;
  collection: 'users';
  encoding: 'none';
}

function externalId(type: string, id: string): ExternalId {
  return { id, type, collection: 'users', encoding: 'none' };
}

interface ChannelIdentity {
  userId: string | undefined;
  anonymousId: string | undefined;
  externalIds: ExternalId[];
}

function identityFor(person: DemoPerson, channel: Channel, at: number, times: IdentityTimes): ChannelIdentity {
  const hasAccount = person.userId !== undefined && times.accountAt !== undefined && at >= times.accountAt;
  const userId = hasAccount ? person.userId : undefined;
  switch (channel) {
    case 'app':
      return { userId, anonymousId: person.deviceId, externalIds: [] };
    case 'wechat': {
      const ids = [externalId('wechat_openid', person.wechatOpenId)];
      if (times.wechatLinkedAt !== undefined && at >= times.wechatLinkedAt) {
        ids.push(externalId('wechat_unionid', person.wechatUnionId));
      }
      // A mini-program SDK whose storage failed sends the string "null" as everyone's anonymousId.
      return { userId, anonymousId: person.quirks.nullAnonymousId ? 'null' : person.miniProgramId, externalIds: ids };
    }
    case 'tmall':
      return {
        userId: undefined,
        anonymousId: `tmall-${person.tmallId}`,
        externalIds: [externalId('tmall_id', person.tmallId)],
      };
    case 'jd':
      return { userId: undefined, anonymousId: `jd-${person.jdId}`, externalIds: [externalId('jd_id', person.jdId)] };
    case 'douyin':
      return {
        userId: undefined,
        anonymousId: `douyin-${person.douyinId}`,
        externalIds: [externalId('douyin_id', person.douyinId)],
      };
    case 'store': {
      const card = [externalId('member_card', person.memberCard)];
      if (userId && person.storeUsesAccount) return { userId, anonymousId: undefined, externalIds: card };
      // Some stores' POS integration sends the literal "anonymous" for every customer.
      const anonymousId = storesWithBrokenPos.has(person.homeStore) ? 'anonymous' : `pos-${person.memberCard}`;
      return { userId: undefined, anonymousId, externalIds: card };
    }
  }
}

const library = Object.freeze({ name: 'hearth-demo', version: '1.0.0' });
const miniProgram = Object.freeze({ name: '暖暖会员小程序', version: '3.8.1' });
const brandApp = Object.freeze({ name: '暖暖 App', version: '5.2.0', build: '5200' });
const iosSystem = Object.freeze({ name: 'iOS', version: '17.5' });
const androidSystem = Object.freeze({ name: 'Android', version: '14' });

/**
 * The parts of a context that never change for a member are built once and shared (frozen) by
 * their messages: at a million members, per-message copies are most of the garbage.
 */
function createContextFactory(person: DemoPerson) {
  const ios = person.deviceType === 'ios';
  const device = Object.freeze({
    id: person.deviceId,
    type: person.deviceType,
    manufacturer: ios ? 'Apple' : 'Xiaomi',
  });
  return (channel: Channel, externalIds: ExternalId[]): Record<string, unknown> => {
    const context: Record<string, unknown> = { channel, locale: 'zh-CN', timezone: 'Asia/Shanghai', library };
    if (channel === 'app') {
      context.app = brandApp;
      context.device = device;
      context.os = ios ? iosSystem : androidSystem;
    }
    if (channel === 'wechat') context.app = miniProgram;
    if (externalIds.length > 0) context.externalIds = externalIds;
    return context;
  };
}

export interface TimedMessage {
  at: number;
  message: DemoMessage;
}

export interface Composer {
  emit(at: number, channel: Channel, body: MessageBody): void;
  /** The member's messages in time order (emission order breaks ties). */
  finish(): TimedMessage[];
}

/**
 * Turns planned activity into messages: the ids a channel knows at that moment, its context,
 * and a messageId fixed by (seed, member, sequence) so a re-run is all duplicates.
 */
export function createComposer(person: DemoPerson, seedTag: string, end: number, times: IdentityTimes): Composer {
  const entries: TimedMessage[] = [];
  const contextFor = createContextFactory(person);
  let sequence = 0;
  const memberTag = person.index.toString(36);

  function emit(at: number, channel: Channel, body: MessageBody): void {
    sequence += 1;
    if (at >= end) return;
    const { userId, anonymousId, externalIds } = identityFor(person, channel, at, times);
    const context = contextFor(channel, externalIds);
    if (body.contextTraits) context.traits = body.contextTraits;
    // Assigned one by one rather than spread: this runs tens of millions of times for a big demo.
    const message: DemoMessage = {
      type: body.type,
      messageId: `demo-${seedTag}-${memberTag}-${sequence.toString(36)}`,
      timestamp: isoInstant(at),
      context,
    };
    if (userId) message.userId = userId;
    if (anonymousId) message.anonymousId = anonymousId;
    if (body.event) message.event = body.event;
    if (body.name) message.name = body.name;
    if (body.properties) message.properties = body.properties;
    if (body.traits) message.traits = body.traits;
    entries.push({ at, message });
  }

  /** Sorted in place; the array sort is stable, so emission order breaks ties. */
  function finish(): TimedMessage[] {
    return entries.sort((a, b) => a.at - b.at);
  }

  return { emit, finish };
}
