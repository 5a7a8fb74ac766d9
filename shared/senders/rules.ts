/**
 * Routing rules of an org with several senders, and THE function that decides which
 * sender a message uses: the worker (through the resolver) and `POST /routing/explain` both call
 * `decideRoute`, so the explanation is the route the worker takes.
 *
 * Order: the first rule whose `match` fits the message names a sender, else the org's `default`
 * sender. A named sender that is not in use (`routeFor`: draft, or needs attention with
 * `fallbackToDefault`) hands over to the org's `default` sender, and that one to the platform's
 * default sender (org `_default`). Every sender passed over is a hop, with why.
 */
import { z } from 'zod';
import { CATEGORY } from '../model/patterns';
import { MailerError } from '../errors';
import { DEFAULT_SENDER_KEY, Hop, senderKeyOf, SENDER_KEY_PATTERN, SenderConfig } from '../model/sender';
import { routeFor } from './routing';
import { fieldsOf } from './schema';

export const MAX_ROUTING_RULES = 50;
/** The sender `explain` and the status name when the platform's default sender (org `_default`) is used. */
export const PLATFORM_SENDER = '_platform';

const category = z.string().regex(CATEGORY, 'must be 1-64 letters, digits and _ . : -');
const senderKey = z.string().regex(SENDER_KEY_PATTERN, 'must match ^[a-z0-9][a-z0-9-]{0,31}$');

const ruleSchema = z
  .object({
    match: z
      .object({ category: z.union([category, z.array(category).min(1).max(50)]).optional(), workspace: category.optional() })
      .strict()
      .describe('every given field must fit; an empty match fits every message'),
    sender: senderKey,
  })
  .strict();

/** PUT /orgs/{orgId}/routing. Exported for the OpenAPI document. */
export const routingInputSchema = z
  .object({ rules: z.array(ruleSchema).max(MAX_ROUTING_RULES, `at most ${MAX_ROUTING_RULES} rules`) })
  .strict();
/** POST /orgs/{orgId}/routing/explain: the routing-relevant fields of a message. */
export const explainInputSchema = z.object({ category: category.optional(), workspace: category.optional() }).strict();

export type RoutingRule = z.infer<typeof ruleSchema>;
export type RoutedMessage = z.infer<typeof explainInputSchema>;

export type { Hop };

export interface RouteDecision {
  /** The org's sender key, or PLATFORM_SENDER. */
  sender: string;
  /** `org`: one of the org's own senders; `default`: the platform's default sender. */
  via: 'org' | 'default';
  /** Plain words: which rule matched, or why none did. */
  reason: string;
  hops: Hop[];
  config: SenderConfig;
}

function parse<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) {
    const fields = fieldsOf(parsed.error);
    throw new MailerError('VALIDATION_FAILED', `The ${what} is invalid: ${Object.keys(fields).join(', ')}.`, { fields });
  }
  return parsed.data;
}

/** Validates the rules and that each names a sender the org has (422 otherwise, nothing written). */
export function parseRoutingInput(body: unknown, senderKeys: readonly string[]): RoutingRule[] {
  const { rules } = parse(routingInputSchema, body, 'routing');
  const fields: Record<string, string> = {};
  rules.forEach((rule, i) => {
    if (!senderKeys.includes(rule.sender)) fields[`rules.${i}.sender`] = `the org has no sender "${rule.sender}"`;
  });
  if (Object.keys(fields).length)
    throw new MailerError('VALIDATION_FAILED', `The routing names unknown senders: ${Object.keys(fields).join(', ')}.`, { fields });
  return rules;
}

export const parseExplainInput = (body: unknown): RoutedMessage => parse(explainInputSchema, body, 'message');

export function ruleMatches(rule: RoutingRule, message: RoutedMessage): boolean {
  const { category: wanted, workspace } = rule.match;
  if (wanted !== undefined) {
    const list = typeof wanted === 'string' ? [wanted] : wanted;
    if (message.category === undefined || !list.includes(message.category)) return false;
  }
  return workspace === undefined || message.workspace === workspace;
}

function hopOf(key: string, config: SenderConfig | undefined): Hop {
  if (!config) return { sender: key, status: 'missing', reason: 'NO_ACTIVE_SENDER' };
  return {
    sender: key,
    status: config.status,
    reason: config.status === 'needs_attention' && config.lastError ? config.lastError.code : 'NO_ACTIVE_SENDER',
  };
}

/**
 * The route of one message. `platform` is read only when the org's own senders cannot take it.
 * Undefined: no sender at all (the caller answers SENDER_NOT_FOUND).
 */
export async function decideRoute(
  message: RoutedMessage,
  org: { rules: readonly RoutingRule[]; senders: readonly SenderConfig[] },
  platform: () => Promise<SenderConfig | undefined>,
): Promise<RouteDecision | undefined> {
  const byKey = new Map(org.senders.map((config) => [senderKeyOf(config), config]));
  const index = org.rules.findIndex((rule) => ruleMatches(rule, message));
  const target = index >= 0 ? org.rules[index].sender : DEFAULT_SENDER_KEY;
  const matched = index >= 0 ? `rule ${index + 1} matched` : "no rule matched: the org's default sender";
  const hops: Hop[] = [];
  for (const key of target === DEFAULT_SENDER_KEY ? [target] : [target, DEFAULT_SENDER_KEY]) {
    const config = byKey.get(key);
    if (config && routeFor(config) === 'org') {
      const reason = hops.length ? `${matched}; ${hops.map((h) => `${h.sender} is ${h.status}`).join(', ')}` : matched;
      return { sender: key, via: 'org', reason, hops, config };
    }
    // A named sender without fallback that needs attention stays (routeFor said 'org' above); a
    // draft or missing one has nothing to send with.
    hops.push(hopOf(key, config));
  }
  const fallback = await platform();
  const passed = `${matched}; ${hops.map((h) => `${h.sender} is ${h.status}`).join(', ')}`;
  if (fallback)
    return { sender: PLATFORM_SENDER, via: 'default', reason: `${passed}: the platform's default sender`, hops, config: fallback };
  // No platform sender either: a sender that needs attention is still better than nothing.
  const broken = hops.find((hop) => hop.status === 'needs_attention');
  if (broken)
    return {
      sender: broken.sender,
      via: 'org',
      reason: `${passed}; no platform default sender, so ${broken.sender} is tried`,
      hops: hops.filter((h) => h !== broken),
      config: byKey.get(broken.sender)!,
    };
  return undefined;
}
