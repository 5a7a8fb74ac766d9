/**
 * Signing per Standard Webhooks: what the dispatcher signs verifies with the `standardwebhooks`
 * package's own `Webhook.verify` and with the client's `verifyWebhook`; a tampered body, an old
 * timestamp or a wrong secret is refused by both; a rotation's two signatures verify with either
 * secret. Also the event catalogue and the stable ids of produced events.
 */
import { Webhook } from 'standardwebhooks';
import { verifyWebhook } from '@shared/client';
import { MailerError } from '@shared/errors';
import { EVENT_CATALOGUE, EVENT_TYPES, isEventType } from '@shared/events/catalogue';
import { messageEventOf } from '@shared/delivery/events';
import { senderEvent } from '@shared/events/producers';
import { senderConfig } from '../support/builders';
import { generateSecret, signedHeaders } from '@shared/webhooks/signing';

const event = { id: 'evt_1', type: 'message.sent', timestamp: '2026-12-01T10:00:00.000Z', orgId: 'acme', data: { messageId: 'm-1' } };
const body = JSON.stringify(event);

function refusedByBoth(secret: string, headers: Record<string, string>, payload: string): void {
  expect(() => new Webhook(secret).verify(payload, headers)).toThrow();
  let error: unknown;
  try {
    verifyWebhook(secret, headers, payload);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(MailerError);
  expect((error as MailerError).code).toBe('WEBHOOK_SIGNATURE_INVALID');
}

describe('webhook signatures', () => {
  test('secrets are whsec_ and 32 random bytes, different each time', () => {
    const a = generateSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(a.slice(6), 'base64')).toHaveLength(32);
    expect(generateSecret()).not.toBe(a);
  });

  test('a signed delivery verifies with Webhook.verify and with verifyWebhook', () => {
    const secret = generateSecret();
    const headers = signedHeaders([secret], event.id, new Date(), body);
    expect(headers['webhook-id']).toBe('evt_1');
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, headers)).toEqual(event);
    expect(verifyWebhook(secret, headers, body)).toEqual(event);
    expect(verifyWebhook(secret, new Headers(headers), Buffer.from(body))).toEqual(event);
  });

  test('a tampered body, a 10-minute-old timestamp and a wrong secret are refused by both', () => {
    const secret = generateSecret();
    const headers = signedHeaders([secret], event.id, new Date(), body);
    refusedByBoth(secret, headers, body.replace('m-1', 'm-2'));
    refusedByBoth(secret, signedHeaders([secret], event.id, new Date(Date.now() - 10 * 60_000), body), body);
    refusedByBoth(secret, { ...headers, 'webhook-id': 'evt_2' }, body);
    refusedByBoth(generateSecret(), headers, body);
    refusedByBoth(secret, { 'webhook-id': 'evt_1', 'webhook-timestamp': headers['webhook-timestamp'] }, body);
  });

  test('verifyWebhook takes a tighter tolerance', () => {
    const secret = generateSecret();
    const headers = signedHeaders([secret], event.id, new Date(Date.now() - 90_000), body);
    expect(verifyWebhook(secret, headers, body)).toEqual(event);
    expect(() => verifyWebhook(secret, headers, body, { toleranceSeconds: 60 })).toThrow(/timestamp/);
  });

  test('during a rotation both signatures are sent and either secret verifies', () => {
    const [next, previous] = [generateSecret(), generateSecret()];
    const headers = signedHeaders([next, previous], event.id, new Date(), body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    for (const secret of [next, previous]) {
      expect(new Webhook(secret).verify(body, headers)).toEqual(event);
      expect(verifyWebhook(secret, headers, body)).toEqual(event);
    }
  });
});

describe('event catalogue and produced events', () => {
  test('names every event type, each with a data schema', () => {
    for (const type of [
      'message.queued',
      'message.sent',
      'message.retrying',
      'message.failed',
      'message.uncertain',
      'sender.activated',
      'sender.needs_attention',
      'sender.reset',
      'sender.secret_expiring',
      'directory.user.created',
      'directory.group.deleted',
      'webhook.test',
      'webhook.disabled',
    ]) {
      expect(isEventType(type)).toBe(true);
    }
    for (const type of EVENT_TYPES) expect(typeof EVENT_CATALOGUE[type].data.safeParse).toBe('function');
    expect(isEventType('message.bounced')).toBe(false);
    expect(isEventType('toString')).toBe(false);
  });

  const row = { orgId: 'acme', id: 'm-1', attempts: 1, updatedAt: '2026-12-01T10:00:00.000Z', via: 'org' as const };

  test('a delivery transition gives one message.* event with a stable id; `sending` gives none', () => {
    const sent = messageEventOf({ ...row, status: 'sent' })!;
    expect(sent).toMatchObject({
      type: 'message.sent',
      orgId: 'acme',
      timestamp: row.updatedAt,
      data: { messageId: 'm-1', status: 'sent', attempts: 1, via: 'org' },
    });
    expect(messageEventOf({ ...row, status: 'sent' })!.id).toBe(sent.id);
    expect(sent.id).toMatch(/^evt_[0-9a-f]{32}$/);
    const retrying = messageEventOf({ ...row, status: 'retrying', code: 'PROVIDER_THROTTLED', nextAttemptAt: '2026-12-01T10:01:00.000Z' })!;
    expect(retrying).toMatchObject({
      type: 'message.retrying',
      data: { code: 'PROVIDER_THROTTLED', nextAttemptAt: '2026-12-01T10:01:00.000Z' },
    });
    expect(retrying.id).not.toBe(sent.id);
    expect(messageEventOf({ ...row, status: 'uncertain' })!.type).toBe('message.uncertain');
    expect(messageEventOf({ ...row, status: 'partly_failed' })!.type).toBe('message.partly_failed');
    expect(messageEventOf({ ...row, status: 'sending' })).toBeUndefined();
    for (const status of ['queued', 'sent', 'retrying', 'failed', 'uncertain']) {
      const e = messageEventOf({ ...row, status })!;
      expect(EVENT_CATALOGUE[e.type as 'message.sent'].data.safeParse(e.data).success).toBe(true);
    }
  });

  test('sender events carry status and version, and the code and hint when attention is needed', () => {
    const config = senderConfig({
      senderEmail: 'n@acme.example',
      status: 'needs_attention',
      version: 3,
      lastError: { code: 'MS_SECRET_EXPIRED', message: 'expired', hint: 'Create a new secret', at: row.updatedAt },
      updatedAt: row.updatedAt,
    });
    const e = senderEvent('sender.needs_attention', config);
    expect(e).toMatchObject({
      type: 'sender.needs_attention',
      orgId: 'acme',
      data: { status: 'needs_attention', version: 3, code: 'MS_SECRET_EXPIRED', hint: 'Create a new secret' },
    });
    expect(EVENT_CATALOGUE['sender.needs_attention'].data.safeParse(e.data).success).toBe(true);
    expect(senderEvent('sender.needs_attention', config).id).toBe(e.id);
    expect(senderEvent('sender.reset', config).id).not.toBe(e.id);
  });
});
