/**
 * Which mailbox a message goes out from. The routing rules (org sender when active, the default
 * sender otherwise, fallback only when the org allows it) live in `shared/senders/routing.ts` and
 * the resolver (which of an org's several senders: `shared/senders/rules.ts`); this adds what delivery needs on top: a message that already fell back to the
 * default sender (`via: default` on its row) stays there, and the reason travels to the status.
 */
import { MailerError } from '../errors';
import { DEFAULT_ORG_ID, Hop, ProviderName, SenderConfig } from '../model/sender';
import type { ResolvedSender, SenderResolver } from '../senders/resolve';
import type { RoutedMessage } from '../senders/rules';

export interface SenderChoice {
  sender: ResolvedSender;
  via: 'org' | 'default';
  /** Why the default sender: the org sender's error code, or NO_ACTIVE_SENDER. */
  viaReason?: string;
  /** The org's sender key used (or `_platform`), and the senders passed over on the way (absent when none). */
  senderKey: string;
  hops?: Hop[];
}

/** Messages per minute per mailbox, per provider (`config.mailboxRatePerMinute`). */
export type MailboxRates = Readonly<Record<ProviderName, number>>;

/** A sender mailbox as the limits see it: its key and its rate. */
export interface Mailbox {
  /** `provider:address`: rate limits and fairness are per sender mailbox, whichever org uses it. */
  key: string;
  ratePerMinute: number;
}

/** The one place delivery maps a sender to its mailbox and rate (a settings lookup, never a branch on the provider). */
export function mailboxOf(config: Pick<SenderConfig, 'provider' | 'senderEmail'>, rates: MailboxRates): Mailbox {
  return { key: `${config.provider}:${config.senderEmail.toLowerCase()}`, ratePerMinute: rates[config.provider] };
}

const noSender = (orgId: string) =>
  new MailerError('SENDER_NOT_FOUND', `Org ${orgId} has no active sender and no default sender is configured.`, {
    hint: 'Connect a sender for the org, or configure the default sender (org "_default").',
  });

export async function chooseSender(
  resolver: Pick<SenderResolver, 'resolve' | 'resolveDefault'>,
  orgId: string,
  previous: { via?: 'org' | 'default'; viaReason?: string; hops?: Hop[] },
  message: RoutedMessage = {},
): Promise<SenderChoice> {
  if (previous.via === 'default' && previous.viaReason && orgId !== DEFAULT_ORG_ID) {
    const fallback = await resolver.resolveDefault();
    if (!fallback) throw noSender(orgId);
    return {
      sender: fallback,
      via: 'default',
      viaReason: previous.viaReason,
      senderKey: fallback.senderKey,
      ...(previous.hops ? { hops: previous.hops } : {}),
    };
  }
  const resolved = await resolver.resolve(orgId, message);
  if (!resolved) throw noSender(orgId);
  const route = { senderKey: resolved.senderKey, ...(resolved.hops.length ? { hops: resolved.hops } : {}) };
  if (resolved.via === 'org' || orgId === DEFAULT_ORG_ID) return { sender: resolved, via: resolved.via, ...route };
  return {
    sender: resolved,
    via: 'default',
    viaReason: resolved.fallbackReason?.code ?? resolved.hops[0]?.reason ?? 'NO_ACTIVE_SENDER',
    ...route,
  };
}
