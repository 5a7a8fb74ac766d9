/**
 * The sender API's logic (docs/api.md): save, view, consent, Test connection, Save and
 * test, reset, delete, and the lifecycle draft -> active (locked) -> needs_attention -> active.
 *
 * Secrets go only to Key Vault, under `secretName(orgId, purpose, generation)`; the row keeps the
 * names (`secretRefs`) and harmless hints. Secrets are written BEFORE the row that references them,
 * and old ones deleted AFTER the row stops referencing them, so a crash in between leaves at worst
 * an orphaned secret, never a row pointing at nothing.
 *
 * Every method acts on one sender of the org: `key` (default `default`, what the single-sender
 * routes mean). Named senders are created through `named.ts`, which then calls `save` with their key.
 *
 * No per-mode `if`s here: what differs by mode (consent fields, the secret a first save needs, what
 * Save and test requires) is each provider's table, joined in shared/providers/senderModes.ts.
 */
import type { ConsentOutcome } from '../consent/types';
import type { AppliedConsent } from '../consent/callback';
import type { ConsentState } from '../consent/state';
import { senderEvent } from '../events/producers';
import { MailerError, isMailerError } from '../errors';
import type { StoredSender } from '../store/senderStore';
import { DEFAULT_SENDER_KEY, MAX_SENDERS_PER_ORG, ProviderName, SenderConfig, SenderMode } from '../model/sender';
import { parseConsentLinkInput, parseSenderInput, parseTestInput, SenderInput } from './schema';
import { testMessage } from './testMessage';
import { toView, SenderView } from './view';
import { domainCheckRecord, verifyPassed } from './warnings';
import { SENDER_MODE_RULES } from '../providers/senderModes';
import { CONSENT_FIELDS, pick, requireComplete, stripUndefined } from './serviceParts';
import { createSenderSecrets, unreferenced } from './senderSecrets';
export { missingForTest } from './serviceParts';

export type { ConsentResult, SenderServiceDeps, VerifyResult } from './serviceTypes';
import type { SenderServiceDeps, VerifyResult } from './serviceTypes';

export function createSenderService(deps: SenderServiceDeps) {
  const clock = deps.now;
  const now = () => clock().toISOString();
  const view = (config: SenderConfig) => toView(config, clock());

  async function load(orgId: string, key: string): Promise<StoredSender> {
    const stored = await deps.store.get(orgId, key);
    if (!stored) {
      if (key !== DEFAULT_SENDER_KEY) throw new MailerError('SENDER_NOT_FOUND', `Organization ${orgId} has no sender "${key}".`);
      throw new MailerError('SENDER_NOT_FOUND', `Organization ${orgId} has no sender configured; it uses the default sender.`);
    }
    return stored;
  }

  /** The key on a config: only named senders carry one, so a default row keeps the shape the /sender routes and older rows use. */
  const keyed = (key: string) => (key === DEFAULT_SENDER_KEY ? {} : { senderKey: key });

  function refuseLocked(config: SenderConfig | undefined): void {
    if (config?.locked) {
      throw new MailerError('SENDER_LOCKED', `The sender of ${config.orgId} is active and locked. Reset it to change it.`);
    }
  }

  async function write(config: SenderConfig, previous: StoredSender | undefined): Promise<StoredSender> {
    const saved = previous ? await deps.store.replace(config, previous.etag) : await deps.store.create(config);
    deps.providers.forget(config.orgId, config.senderKey);
    return saved;
  }

  const { putSecrets, dropSecrets } = createSenderSecrets(deps.secrets);

  function secretHints(input: SenderInput, at: string): Record<string, string> {
    const day = at.slice(0, 10);
    const hints: Record<string, string> = {};
    if (input.clientSecret)
      hints.clientSecret = `saved ${day}${input.clientSecretExpiresOn ? `, expires ${input.clientSecretExpiresOn.slice(0, 10)}` : ''}`;
    if (input.serviceAccount) hints.serviceAccountKey = `key of ${input.serviceAccount.clientEmail}, saved ${day}`;
    return hints;
  }

  return {
    async get(orgId: string, key: string = DEFAULT_SENDER_KEY): Promise<SenderView> {
      return view((await load(orgId, key)).config);
    },

    /** PUT: validate everything, then Key Vault, then the row. Locked -> 409; never half-saved. */
    async save(orgId: string, body: unknown, key: string = DEFAULT_SENDER_KEY): Promise<SenderView> {
      const input = parseSenderInput(body);
      const previous = await deps.store.get(orgId, key);
      const before = previous?.config;
      refuseLocked(before);
      const sameKind = !!before && before.provider === input.provider && before.mode === input.mode;
      const secret = SENDER_MODE_RULES[input.mode].secret;
      if (secret && !input[secret.field] && !(sameKind && before?.secretRefs[secret.field])) {
        throw new MailerError('VALIDATION_FAILED', `The sender configuration is invalid: ${secret.field}.`, {
          fields: { [secret.field]: secret.missing },
        });
      }
      // Switching provider or mode retires the old secrets: a new generation keeps names unambiguous.
      const generation = before ? before.secretGeneration + (sameKind ? 0 : 1) : 1;
      const at = now();
      const newSecrets: Record<string, string> = {};
      if (input.clientSecret) newSecrets.clientSecret = input.clientSecret;
      if (input.serviceAccountKey) newSecrets.serviceAccountKey = input.serviceAccountKey;
      const refs = await putSecrets(orgId, generation, newSecrets, key);

      const kept = sameKind && before ? before : undefined;
      const config: SenderConfig = {
        orgId,
        ...keyed(key),
        provider: input.provider,
        mode: input.mode,
        senderEmail: input.senderEmail,
        senderName: input.senderName,
        ...(input.replyTo ? { replyTo: input.replyTo } : {}),
        ...(input.dkimSelector ? { dkimSelector: input.dkimSelector.toLowerCase() } : {}),
        fallbackToDefault: input.fallbackToDefault ?? before?.fallbackToDefault ?? true,
        saveToSentItems: input.saveToSentItems ?? before?.saveToSentItems ?? false,
        status: 'draft',
        locked: false,
        version: (before?.version ?? 0) + 1,
        secretGeneration: generation,
        // Consent results survive a re-save of the same mode (seed 000: consent first, then the alias).
        ...(kept && SENDER_MODE_RULES[input.mode].consent ? pick(kept, CONSENT_FIELDS) : {}),
        ...(input.mode === 'app_registration'
          ? {
              tenantId: input.tenantId,
              clientId: input.clientId,
              clientSecretExpiresOn: input.clientSecretExpiresOn,
              mailboxObjectId: input.mailboxObjectId,
            }
          : {}),
        // What the key says about itself: from the new key, or kept with the saved one.
        ...(input.serviceAccount
          ? { accountEmail: input.serviceAccount.clientEmail, clientId: input.serviceAccount.clientId }
          : kept && input.mode === 'service_account'
            ? { accountEmail: kept.accountEmail, clientId: kept.clientId }
            : {}),
        secretRefs: { ...(kept?.secretRefs ?? {}), ...refs },
        secretHints: { ...(kept?.secretHints ?? {}), ...secretHints(input, at) },
        createdAt: before?.createdAt ?? at,
        updatedAt: at,
      };
      stripUndefined(config);
      await write(config, previous);
      await dropSecrets(orgId, unreferenced(before, config), false, key);
      return view(config);
    },

    /** `beforeDelete` (the routing check) runs once the sender is known to exist. */
    async remove(orgId: string, key: string = DEFAULT_SENDER_KEY, beforeDelete?: () => Promise<void>): Promise<void> {
      const previous = await deps.store.get(orgId, key);
      if (!previous) return;
      await beforeDelete?.();
      // Secrets first (strict): a failure leaves the row, so DELETE can simply be repeated.
      await dropSecrets(orgId, Object.values(previous.config.secretRefs), true, key);
      await deps.store.delete(orgId, previous.etag, key);
      deps.providers.forget(orgId, key);
    },

    /** Unlocks, deletes the org's secrets (generation moves on), and returns the org to the default sender. */
    async reset(orgId: string, key: string = DEFAULT_SENDER_KEY): Promise<SenderView> {
      const previous = await load(orgId, key);
      const before = previous.config;
      await dropSecrets(orgId, Object.values(before.secretRefs), true, key);
      const at = now();
      const config: SenderConfig = {
        ...before,
        status: 'draft',
        locked: false,
        version: before.version + 1,
        secretGeneration: before.secretGeneration + 1,
        secretRefs: {},
        secretHints: {},
        updatedAt: at,
      };
      // What a consent (or key) gave is gone with its secrets; admin-typed fields stay to pre-fill the form.
      for (const field of CONSENT_FIELDS) if (field !== 'tenantId' || SENDER_MODE_RULES[before.mode].consent) delete config[field];
      if (before.mode === 'service_account') {
        delete config.accountEmail;
        delete config.clientId;
      }
      delete config.lastTest;
      delete config.lastError;
      await write(config, previous);
      await deps.events(senderEvent('sender.reset', config));
      return view(config);
    },

    async consentLink(orgId: string, body: unknown, key: string = DEFAULT_SENDER_KEY): Promise<{ url: string; expiresAt: string }> {
      const input = parseConsentLinkInput(body);
      refuseLocked((await deps.store.get(orgId, key))?.config);
      return deps.consent.createLink(orgId, input, key === DEFAULT_SENDER_KEY ? undefined : { kind: 'sender', senderKey: key });
    },

    /** The consent callback's applier for senders (shared/consent/callback.ts): stores into the state's sender. */
    async applyConsent(state: ConsentState, outcome: ConsentOutcome): Promise<AppliedConsent> {
      const key = state.purpose?.kind === 'sender' ? (state.purpose.senderKey ?? DEFAULT_SENDER_KEY) : DEFAULT_SENDER_KEY;
      const sender = await applyConsent(state.orgId, key, state.provider, state.mode as SenderMode, outcome);
      return { senderEmail: sender.senderEmail, accountEmail: sender.accountEmail, tenantId: sender.tenantId };
    },

    /** Test connection: token and mailbox checks, no mail sent. */
    async verify(orgId: string, key: string = DEFAULT_SENDER_KEY): Promise<VerifyResult> {
      const { config } = await load(orgId, key);
      requireComplete(config);
      const [mailbox, domain] = await Promise.all([deps.providers.get(config).verify(), deps.domainChecks?.(config) ?? []]);
      const record = domainCheckRecord(domain, now());
      // Bookkeeping for the config view's warnings; a failed write must not fail the test.
      if (record) await deps.store.patch(orgId, { domainCheck: record }, key).catch(() => undefined);
      const checks = [...mailbox, ...domain];
      return { ok: verifyPassed(checks), checks };
    },

    /** Save and test: one real test message. Success activates and locks; failure is recorded with its hint. */
    async test(orgId: string, body: unknown, key: string = DEFAULT_SENDER_KEY): Promise<{ ok: true; sentTo: string; sender: SenderView }> {
      const { to } = parseTestInput(body);
      const stored = await load(orgId, key);
      requireComplete(stored.config);
      const provider = deps.providers.get(stored.config);
      try {
        await provider.send(testMessage(stored.config, to));
      } catch (error) {
        const failure = isMailerError(error)
          ? error
          : new MailerError('PROVIDER_UNAVAILABLE', 'The test send failed unexpectedly.', { cause: error });
        await recordFailedTest(orgId, key, stored.config.version, failure, to).catch(() => undefined);
        throw failure;
      }
      const at = now();
      const config: SenderConfig = {
        ...stored.config,
        status: 'active',
        locked: true,
        lastTest: { ok: true, at, to },
        lastUsedAt: at,
        updatedAt: at,
      };
      delete config.lastError;
      // Status and lock only: the credential is unchanged, so `version` (the cache key) stays.
      await deps.store.replace(config, stored.etag);
      await deps.events(senderEvent('sender.activated', config));
      return { ok: true, sentTo: to, sender: view(config) };
    },
  };

  async function recordFailedTest(orgId: string, key: string, version: number, failure: MailerError, to: string): Promise<void> {
    const stored = await deps.store.get(orgId, key);
    if (!stored || stored.config.version !== version) return;
    const at = now();
    const broken = failure.category === 'auth' || failure.category === 'permission' || failure.category === 'mailbox';
    const config: SenderConfig = {
      ...stored.config,
      // An active sender that fails its re-test for a reason an admin must fix needs attention.
      status: stored.config.status === 'active' && broken ? 'needs_attention' : stored.config.status,
      lastTest: { ok: false, at, to, code: failure.code },
      lastError: { code: failure.code, message: failure.message, hint: failure.hint, at },
      updatedAt: at,
    };
    await deps.store.replace(config, stored.etag);
    if (config.status === 'needs_attention' && stored.config.status !== 'needs_attention')
      await deps.events(senderEvent('sender.needs_attention', config));
  }

  /**
   * A consent completes into a sender that still exists: a named sender deleted after its link was
   * made stays deleted. Only `default` may come into being by consent, and only within the per-org cap.
   */
  async function refuseCreatingByConsent(orgId: string, key: string): Promise<void> {
    if (key !== DEFAULT_SENDER_KEY) {
      throw new MailerError('SENDER_NOT_FOUND', `Organization ${orgId} no longer has a sender "${key}", so this consent was not saved.`, {
        hint: 'The sender was deleted after its consent link was made. Create it again, then ask for a new consent link.',
      });
    }
    const { senders } = await deps.store.listOrg(orgId);
    if (senders.length >= MAX_SENDERS_PER_ORG) {
      throw new MailerError(
        'TOO_MANY_SENDERS',
        `Organization ${orgId} has ${senders.length} senders already (at most ${MAX_SENDERS_PER_ORG}), so this consent was not saved.`,
      );
    }
  }

  async function applyConsent(
    orgId: string,
    key: string,
    provider: ProviderName,
    mode: SenderMode,
    outcome: ConsentOutcome,
  ): Promise<SenderView> {
    const previous = await deps.store.get(orgId, key);
    if (!previous) await refuseCreatingByConsent(orgId, key);
    const before = previous?.config;
    refuseLocked(before);
    // Every consent moves the generation forward: new names, and the old secrets are deleted after.
    const generation = (before?.secretGeneration ?? 0) + 1;
    const refs = await putSecrets(orgId, generation, outcome.secrets, key);
    const sameProvider = before?.provider === provider;
    const at = now();
    const config: SenderConfig = {
      orgId,
      ...keyed(key),
      provider,
      mode,
      // An address saved earlier (e.g. a shared mailbox) wins over the signed-in account's own.
      senderEmail: (sameProvider && before?.senderEmail) || outcome.fields.senderEmail || '',
      senderName: (sameProvider && before?.senderName) || '',
      ...(sameProvider && before?.replyTo ? { replyTo: before.replyTo } : {}),
      fallbackToDefault: before?.fallbackToDefault ?? true,
      saveToSentItems: before?.saveToSentItems ?? false,
      status: 'draft',
      locked: false,
      version: (before?.version ?? 0) + 1,
      secretGeneration: generation,
      ...pick(outcome.fields, CONSENT_FIELDS),
      secretRefs: refs,
      secretHints: Object.fromEntries(
        Object.keys(refs).map((key) => [
          key,
          `from the sign-in${outcome.fields.accountEmail ? ` of ${outcome.fields.accountEmail}` : ''}, ${at.slice(0, 10)}`,
        ]),
      ),
      createdAt: before?.createdAt ?? at,
      updatedAt: at,
    };
    stripUndefined(config);
    try {
      await write(config, previous);
    } catch (error) {
      await dropSecrets(orgId, Object.values(refs), false, key); // nothing half-saved
      throw error;
    }
    await dropSecrets(orgId, unreferenced(before, config), false, key);
    return view(config);
  }
}

export type SenderService = ReturnType<typeof createSenderService>;
