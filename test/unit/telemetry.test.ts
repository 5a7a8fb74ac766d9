import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatEvent, logEvent, onLogEvent, withInvocationLog } from '@shared/telemetry/log';
import { createTelemetry, useTelemetry } from '@shared/telemetry/meter';
import { classifyCall, observeOutboundCalls } from '@shared/telemetry/outboundCalls';
import { summaryLine } from '@shared/telemetry/setup';
import { METRICS } from '@shared/telemetry/catalog';
import { observeDelivery } from '@shared/telemetry/deliveryObserver';
import type { DeliveryRecord } from '@shared/store/deliveryStore';
import { CollectingReader, collectSeries, total } from '../support/metrics';

describe('structured log lines', () => {
  it('carry only the whitelisted fields, in a fixed order, after the event name', () => {
    const fields = { messageId: 'm1', orgId: 'acme', to: 'ann@example.com', body: 'secret text', attempt: 2 } as never;
    expect(formatEvent('message.sent', fields)).toBe('mailer.message.sent {"orgId":"acme","messageId":"m1","attempt":2}');
  });

  it('go through the current invocation logger with its id, and to listeners', () => {
    const written: string[] = [];
    const heard: string[] = [];
    const stop = onLogEvent((line) => heard.push(line));
    withInvocationLog({ invocationId: 'inv-1', log: (l) => written.push(`info ${l}`), warn: (l) => written.push(`warn ${l}`) }, () => {
      logEvent('message.failed', { orgId: 'acme', code: 'MS_SECRET_EXPIRED' }, 'warn');
    });
    stop();
    logEvent('message.sent', { orgId: 'after' });
    expect(written).toEqual(['warn mailer.message.failed {"orgId":"acme","code":"MS_SECRET_EXPIRED","invocationId":"inv-1"}']);
    expect(heard).toEqual(['mailer.message.failed {"orgId":"acme","code":"MS_SECRET_EXPIRED","invocationId":"inv-1"}']);
  });
});

describe('outbound call classification', () => {
  beforeAll(() =>
    observeOutboundCalls({
      microsoft: { authorityHost: 'https://login.example:8441', graphUrl: 'https://graph.example' } as never,
      google: { tokenUrl: 'https://oauth2.example/token', gmailApiUrl: 'https://gmail.example' } as never,
      keyVaultUrl: 'https://vault.example',
    }),
  );

  it.each([
    ['POST', 'https://login.example:8441', '/contoso/oauth2/v2.0/token', 'microsoftToken'],
    ['GET', 'https://login.example:8441', '/contoso/v2.0/.well-known/openid-configuration', undefined],
    ['POST', 'https://oauth2.example', '/token', 'googleToken'],
    ['GET', 'https://vault.example', '/secrets/org-acme-client-secret-1/?api-version=7.5', 'keyVault'],
    ['PUT', 'https://vault.example', '/secrets/org-acme-client-secret-1', undefined],
    ['POST', 'https://graph.example', '/v1.0/users/abc/sendMail', 'graph'],
    ['POST', 'https://gmail.example', '/upload/gmail/v1/users/me/messages/send?uploadType=multipart', 'gmail'],
    ['POST', 'https://elsewhere.example', '/v1.0/users/abc/sendMail', undefined],
  ])('%s %s%s -> %s', (method, origin, path, role) => {
    expect(classifyCall(method, origin, path)).toBe(role);
  });
});

describe('metrics', () => {
  const record = (status: DeliveryRecord['status'], extra: Partial<DeliveryRecord> = {}): DeliveryRecord => ({
    orgId: 'acme',
    id: 'm1',
    status,
    attempts: 1,
    createdAt: '2026-12-01T10:00:00.000Z',
    updatedAt: '2026-12-01T10:00:02.000Z',
    provider: 'microsoft',
    via: 'org',
    etag: '',
    ...extra,
  });

  it('delivery transitions become counters, the enqueue-to-sent histogram and log lines', async () => {
    const reader = new CollectingReader();
    const previous = useTelemetry(createTelemetry([reader]));
    const lines: string[] = [];
    const stop = onLogEvent((line) => lines.push(line));
    try {
      observeDelivery(record('sending', { via: 'default', viaReason: 'MS_SECRET_EXPIRED' }));
      observeDelivery(record('sent', { sentAt: '2026-12-01T10:00:02.500Z' }));
      observeDelivery(
        record('retrying', { code: 'PROVIDER_THROTTLED', nextAttemptAt: '2026-12-01T10:00:32.000Z' }),
        Date.parse('2026-12-01T10:00:02.000Z'),
      );
      observeDelivery(record('failed', { code: 'MS_CONSENT_MISSING' }));
      const series = await collectSeries(reader);
      expect(total(series.get('mailer.messages.sent'), { provider: 'microsoft', via: 'org' })).toBe(1);
      expect(total(series.get('mailer.messages.retried'), { code: 'PROVIDER_THROTTLED' })).toBe(1);
      expect(total(series.get('mailer.messages.failed'), { code: 'MS_CONSENT_MISSING' })).toBe(1);
      expect(total(series.get('mailer.enqueue_to_sent_ms'))).toBe(1);
      expect(lines.map((l) => l.split(' ')[0])).toEqual([
        'mailer.message.claimed',
        'mailer.message.fallback',
        'mailer.message.sent',
        'mailer.message.retrying',
        'mailer.message.failed',
      ]);
      expect(lines[2]).toContain('"durationMs":2500');
      expect(lines[3]).toContain('"delayMs":30000');
    } finally {
      stop();
      if (previous) useTelemetry(previous);
    }
  });

  it('gauges report the values last set, and only those', async () => {
    const reader = new CollectingReader();
    const telemetry = createTelemetry([reader]);
    telemetry.gauge('mailer.queue.poison_length', [{ attributes: { queue: 'outbox-poison' }, value: 3 }]);
    telemetry.gauge('mailer.queue.poison_length', [{ attributes: { queue: 'outbox-poison' }, value: 1 }]);
    expect(total((await collectSeries(reader)).get('mailer.queue.poison_length'), { queue: 'outbox-poison' })).toBe(1);
  });

  it('the console summary line names each headline figure', () => {
    const sums = new Map([
      ['mailer.messages.sent', { total: 12, count: 2 }],
      ['mailer.provider_call_ms', { total: 300, count: 3 }],
    ]);
    expect(summaryLine(sums)).toBe(
      'metrics (last minute): sent 12 · failed 0 · retried 0 · token requests 0 · Key Vault reads 0 · mean send 100 ms · mean enqueue-to-sent -',
    );
  });

  it('every metric name is documented in docs/operations.md', () => {
    const doc = readFileSync(join(__dirname, '../../docs/operations.md'), 'utf8');
    expect(Object.keys(METRICS).filter((name) => !doc.includes(`\`${name}\``))).toEqual([]);
  });
});
