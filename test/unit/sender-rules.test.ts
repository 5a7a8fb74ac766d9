/**
 * The routing decision of an org with several senders (shared/senders/rules.ts) and the Key Vault
 * names of named senders (shared/store/secretNames.ts): pure functions, every branch.
 */
import { decideRoute, parseRoutingInput, ruleMatches } from '@shared/senders/rules';
import type { SenderConfig } from '@shared/model/sender';
import { parseSecretName, secretName, secretNamePrefix } from '@shared/store/secretNames';
import { MailerError } from '@shared/errors';
import { OrgMailerClient, type MessageInput } from '@shared/client';
import { senderWithoutApp } from '../support/builders';

const at = '2026-12-01T00:00:00.000Z';
function sender(key: string | undefined, fields: Partial<SenderConfig> = {}): SenderConfig {
  return senderWithoutApp({ senderKey: key, senderEmail: `${key ?? 'default'}@acme.example`, createdAt: at, updatedAt: at, ...fields });
}
const broken = (key: string | undefined, fields: Partial<SenderConfig> = {}) =>
  sender(key, { status: 'needs_attention', lastError: { code: 'MS_SECRET_EXPIRED', message: 'x', hint: 'y', at }, ...fields });
const platform = sender(undefined, { orgId: '_default', senderEmail: 'platform@example.com' });
const rules = [
  { match: { workspace: 'sub-de' }, sender: 'sub' },
  { match: { category: ['alert', 'dpo'] }, sender: 'compliance' },
];

describe('decideRoute', () => {
  it('the first matching rule wins; no match is the default sender', async () => {
    const org = { rules, senders: [sender(undefined), sender('compliance'), sender('sub')] };
    expect(await decideRoute({ category: 'alert' }, org, async () => platform)).toMatchObject({
      sender: 'compliance',
      via: 'org',
      hops: [],
      reason: 'rule 2 matched',
    });
    expect(await decideRoute({ category: 'alert', workspace: 'sub-de' }, org, async () => platform)).toMatchObject({
      sender: 'sub',
      reason: 'rule 1 matched',
    });
    expect(await decideRoute({ category: 'task' }, org, async () => platform)).toMatchObject({ sender: 'default', via: 'org', hops: [] });
  });

  it('a broken sender with fallback hands over to default, then to the platform, recording each hop', async () => {
    const platformRead = jest.fn(async () => platform);
    const one = await decideRoute({ category: 'dpo' }, { rules, senders: [sender(undefined), broken('compliance')] }, platformRead);
    expect(one).toMatchObject({
      sender: 'default',
      via: 'org',
      hops: [{ sender: 'compliance', status: 'needs_attention', reason: 'MS_SECRET_EXPIRED' }],
    });
    expect(platformRead).not.toHaveBeenCalled(); // read only when the org's own senders cannot take it
    const two = await decideRoute(
      { category: 'dpo' },
      { rules, senders: [sender(undefined, { status: 'draft' }), broken('compliance')] },
      async () => platform,
    );
    expect(two).toMatchObject({
      sender: '_platform',
      via: 'default',
      config: { orgId: '_default' },
      hops: [
        { sender: 'compliance', status: 'needs_attention', reason: 'MS_SECRET_EXPIRED' },
        { sender: 'default', status: 'draft', reason: 'NO_ACTIVE_SENDER' },
      ],
    });
  });

  it('without fallback a broken sender stays; with no platform sender a broken one is still tried; nothing at all is undefined', async () => {
    const noFallback = await decideRoute(
      { category: 'alert' },
      { rules, senders: [sender(undefined), broken('compliance', { fallbackToDefault: false })] },
      async () => platform,
    );
    expect(noFallback).toMatchObject({ sender: 'compliance', via: 'org', hops: [] });
    const lastResort = await decideRoute({ category: 'alert' }, { rules, senders: [broken('compliance')] }, async () => undefined);
    expect(lastResort).toMatchObject({ sender: 'compliance', via: 'org', hops: [{ sender: 'default', status: 'missing' }] });
    expect(await decideRoute({}, { rules: [], senders: [] }, async () => undefined)).toBeUndefined();
  });

  it('matches: every given field must fit; an empty match fits all', () => {
    expect(ruleMatches({ match: {}, sender: 'x' }, {})).toBe(true);
    expect(ruleMatches({ match: { category: 'a', workspace: 'w' }, sender: 'x' }, { category: 'a' })).toBe(false);
    expect(ruleMatches({ match: { category: 'a', workspace: 'w' }, sender: 'x' }, { category: 'a', workspace: 'w' })).toBe(true);
    expect(ruleMatches({ match: { category: ['a', 'b'] }, sender: 'x' }, { category: 'b' })).toBe(true);
  });

  it('parseRoutingInput refuses unknown senders, bad patterns and more than 50 rules', () => {
    const fields = (body: unknown) => {
      try {
        parseRoutingInput(body, ['default', 'compliance']);
      } catch (error) {
        return (error as MailerError).fields;
      }
      return undefined;
    };
    expect(fields({ rules: [{ match: {}, sender: 'ghost' }] })).toEqual({ 'rules.0.sender': 'the org has no sender "ghost"' });
    expect(fields({ rules: [{ match: { category: 'no spaces' }, sender: 'default' }] })).toHaveProperty(['rules.0.match.category']);
    expect(fields({ rules: Array(51).fill({ match: {}, sender: 'default' }) })).toHaveProperty('rules');
    expect(fields({ rules: [{ match: { category: ['a'] }, sender: 'compliance' }] })).toBeUndefined();
  });
});

describe('messages gain workspace', () => {
  it('the typed client (same schema as the API) takes a workspace with the characters of category, and refuses others', () => {
    const base = { id: 'w-1', to: [{ address: 'a@example.com' }], subject: 'Hi', text: 'x' };
    expect(OrgMailerClient.validate('acme', { ...base, workspace: 'subsidiary-de' } as MessageInput).workspace).toBe('subsidiary-de');
    expect(() => OrgMailerClient.validate('acme', { ...base, workspace: 'no spaces' } as MessageInput)).toThrow(
      expect.objectContaining({ fields: { workspace: expect.any(String) } }),
    );
  });
});

describe('Key Vault names of named senders', () => {
  it('default keeps its names; a named sender has its own, which parse back to exactly one (org, key)', () => {
    expect(secretName('acme', 'client-secret', 3)).toBe('org-acme-client-secret-3');
    expect(secretName('acme', 'client-secret', 3, 'default')).toBe('org-acme-client-secret-3');
    expect(secretName('acme', 'client-secret', 3, 'hello')).toBe('snd4-acme-hello-client-secret-3');
    expect(secretName('_default', 'refresh-token', 1, 'b')).toBe('snd8--default-b-refresh-token-1');
    // Dashes on both sides: org a-b key c and org a key b-c must differ.
    const one = secretName('a-b', 'client-secret', 1, 'c');
    const two = secretName('a', 'client-secret', 1, 'b-c');
    expect(one).not.toBe(two);
    expect(parseSecretName(one)).toEqual({ orgId: 'a-b', senderKey: 'c', purpose: 'client-secret', generation: 1 });
    expect(parseSecretName(two)).toEqual({ orgId: 'a', senderKey: 'b-c', purpose: 'client-secret', generation: 1 });
    expect(parseSecretName(secretName('_default', 'refresh-token', 1, 'b'))).toEqual({
      orgId: '_default',
      senderKey: 'b',
      purpose: 'refresh-token',
      generation: 1,
    });
    expect(secretNamePrefix('acme', 'hello')).toBe('snd4-acme-hello-');
    expect(() => secretName('acme', 'client-secret', 1, 'Bad_Key')).toThrow(MailerError);
  });
});
