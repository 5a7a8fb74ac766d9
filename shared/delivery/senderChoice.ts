/**
 * Which mailbox a message goes out from. The routing rules (org sender when active, the default
 * sender otherwise, fallback only when the org allows it) live in `shared/senders/routing.ts` and
 * the resolver; this adds what delivery needs on top: a message that already fell back to the
 * default sender (`via: default` on its row) stays there, and the reason travels to the status.
 */
import { MailerError } from '../errors';
import { DEFAULT_ORG_ID, SenderConfig } from '../senders/model';
import type { ResolvedSender, SenderResolver } from '../senders/resolve';

export interface SenderChoice {
  sender: ResolvedSender;
  via: 'org' | 'default';
  /** Why the default sender: the org sender's error code, or NO_ACTIVE_SENDER. */
  viaReason?: string;
}

/** Rate limits and fairness are per sender mailbox, whichever org uses it. */
export function mailboxKey(config: Pick<SenderConfig, 'provider' | 'senderEmail'>): string {
  return `${config.provider}:${config.senderEmail.toLowerCase()}`;
}

const noSender = (orgId: string) =>
  new MailerError('SENDER_NOT_FOUND', `Org ${orgId} has no active sender and no default sender is configured.`, {
    hint: 'Connect a sender for the org, or configure the default sender (org "_default").',
  });

export async function chooseSender(
  resolver: Pick<SenderResolver, 'resolve' | 'resolveDefault'>,
  orgId: string,
  previous: { via?: 'org' | 'default'; viaReason?: string },
): Promise<SenderChoice> {
  if (previous.via === 'default' && previous.viaReason && orgId !== DEFAULT_ORG_ID) {
    const fallback = await resolver.resolveDefault();
    if (!fallback) throw noSender(orgId);
    return { sender: fallback, via: 'default', viaReason: previous.viaReason };
  }
  const resolved = await resolver.resolve(orgId);
  if (!resolved) throw noSender(orgId);
  if (resolved.via === 'org' || orgId === DEFAULT_ORG_ID) return { sender: resolved, via: resolved.via };
  return { sender: resolved, via: 'default', viaReason: resolved.fallbackReason?.code ?? 'NO_ACTIVE_SENDER' };
}
