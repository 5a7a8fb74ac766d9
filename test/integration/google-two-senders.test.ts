/**
 * Two Google senders of one org (the default one and a named one) at the same config version and
 * secret generation: each must send from its own mailbox through its own refresh token (counted at
 * the sandbox's Gmail), and a Reset of one (new version and generation, its secret deleted) must not
 * leave its token usable through the other's session, in either order of first use.
 */
import { createGmailProvider } from '@shared/providers/google/gmailProvider';
import type { SenderConfig } from '@shared/model/sender';
import { secretName } from '@shared/store/secretNames';
import { acceptedMessages, baseSender, config, consent, failure, mail, newOrgId, sandboxControl, secrets } from './google-helpers';

const provider = (sender: SenderConfig) => createGmailProvider(sender, { config, secrets });

/** An `oauth` sender of `orgId` signed in as `email`, its refresh token under the sender's own secret name. */
async function signedIn(orgId: string, email: string, senderKey?: string): Promise<SenderConfig> {
  const outcome = await (await consent(email)).complete();
  const name = secretName(orgId, 'refresh-token', 1, senderKey);
  await secrets.set(name, outcome.secrets.refreshToken);
  return baseSender(orgId, {
    ...(senderKey ? { senderKey } : {}),
    senderEmail: email,
    senderName: email,
    secretRefs: { refreshToken: name },
    ...outcome.fields,
  });
}

/** What a Reset leaves: the secret deleted, version and generation moved on, no sign-in referenced. */
async function reset(sender: SenderConfig): Promise<SenderConfig> {
  await secrets.delete(sender.secretRefs.refreshToken);
  return { ...sender, version: sender.version + 1, secretGeneration: sender.secretGeneration + 1, secretRefs: {} };
}

const mailboxes = async () => (await acceptedMessages()).map((m) => m.mailbox);

beforeEach(() => sandboxControl('POST', 'reset'));

describe('two Google senders of one org at equal versions', () => {
  for (const first of ['default', 'named'] as const) {
    it(`each sends from its own mailbox, and a Reset of one never lends its token to the other (${first} used first)`, async () => {
      const orgId = newOrgId('two');
      const byKey = {
        default: await signedIn(orgId, 'alerts@fabrikam.example'),
        named: await signedIn(orgId, 'admin@fabrikam.example', 'billing'),
      };
      expect([byKey.default.version, byKey.default.secretGeneration]).toEqual([byKey.named.version, byKey.named.secretGeneration]);
      const second = first === 'default' ? 'named' : 'default';

      await provider(byKey[first]).send(mail());
      await provider(byKey[second]).send(mail());
      expect(await mailboxes()).toEqual([byKey[first].senderEmail, byKey[second].senderEmail]);

      // Reset the sender used first: its session (opened first, so the one a collision would reuse) must die with it.
      const wasReset = await reset(byKey[first]);
      expect((await failure(provider(wasReset).send(mail()))).code).toBe('GOOGLE_REAUTH_REQUIRED');
      await provider(byKey[second]).send(mail());
      expect((await mailboxes()).slice(2)).toEqual([byKey[second].senderEmail]);
    });
  }
});
