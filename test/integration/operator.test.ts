/**
 * Operators (issue: telemetry and operator summary): a real delivery run through the local host
 * produces the structured log lines and metrics documented in docs/operations.md, none carrying an
 * address, a body or a secret; GET /api/operator/summary answers the documented shape and refuses
 * callers without the key.
 */
import { CONTOSO_APP_SECRET } from '../../dev/sandbox/world';
import { secretName } from '@shared/store/secretNames';
import { createTelemetry, useTelemetry, Telemetry } from '@shared/telemetry/meter';
import { CollectingReader, collectSeries, total } from '../support/metrics';
import { api, enqueueAll, ids, microsoftSender, newOrgId, startWithDefaultSender, TestHost, waitForFinal } from './delivery-helpers';

jest.setTimeout(120_000);

describe('operator telemetry and summary', () => {
  let t: TestHost;
  const reader = new CollectingReader();
  let previous: Telemetry | undefined;
  const good = newOrgId('ops-good');
  const broken = newOrgId('ops-broken');

  beforeAll(async () => {
    previous = useTelemetry(createTelemetry([reader]));
    t = await startWithDefaultSender();
    await microsoftSender(t.services, good);
    // A sender whose secret Entra refuses, without fallback: its messages fail with the real code.
    await microsoftSender(t.services, broken, { fallbackToDefault: false });
    await t.services.secrets.set(secretName(broken, 'client-secret', 1), 'not-the-secret-value');
    await enqueueAll(t.host, good, ids('ok', 3));
    await enqueueAll(t.host, broken, ids('bad', 2));
    await waitForFinal(t.services, good, ids('ok', 3));
    await waitForFinal(t.services, broken, ids('bad', 2));
    // A message the host gave up on twice: nothing reads this queue, the summary must show it.
    await t.services.queues.named('outbox-poison-poison').send({ v: 1, id: 'lost', orgId: good });
  });

  afterAll(async () => {
    await t?.host.close();
    if (previous) useTelemetry(previous);
  });

  const lines = (event: string) =>
    t.logs.filter((l) => l.includes(`mailer.${event} {`)).map((l) => JSON.parse(l.slice(l.indexOf('{'))) as Record<string, unknown>);

  it('logs one structured line per event with the documented fields and the invocation id', () => {
    const sent = lines('message.sent').filter((f) => f.orgId === good);
    expect(sent).toHaveLength(3);
    for (const f of sent) {
      expect(f).toEqual(expect.objectContaining({ provider: 'microsoft', status: 'sent', attempt: 1, via: 'org' }));
      expect(typeof f.messageId).toBe('string');
      expect(typeof f.durationMs).toBe('number');
      expect(f.invocationId).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(lines('message.claimed').filter((f) => f.orgId === good).length).toBeGreaterThanOrEqual(3);
    const failed = lines('message.failed').filter((f) => f.orgId === broken);
    expect(failed.map((f) => f.code)).toEqual(['MS_SECRET_INVALID', 'MS_SECRET_INVALID']);
    expect(lines('sender.state').some((f) => f.orgId === broken && f.status === 'needs_attention' && f.code === 'MS_SECRET_INVALID')).toBe(
      true,
    );
  });

  it('no log line carries an address, a body or a secret', () => {
    const all = t.logs.join('\n');
    for (const needle of ['customer@example.com', 'Body of ok-0', CONTOSO_APP_SECRET, 'not-the-secret-value', 'eyJ'])
      expect(all).not.toContain(needle);
  });

  it('records the delivery, token, Key Vault and provider-call metrics', async () => {
    const series = await collectSeries(reader);
    expect(total(series.get('mailer.messages.sent'), { provider: 'microsoft', via: 'org' })).toBeGreaterThanOrEqual(3);
    expect(total(series.get('mailer.messages.failed'), { code: 'MS_SECRET_INVALID' })).toBeGreaterThanOrEqual(2);
    expect(total(series.get('mailer.enqueue_to_sent_ms'), { provider: 'microsoft' })).toBeGreaterThanOrEqual(3);
    expect(total(series.get('mailer.provider_call_ms'), { provider: 'microsoft', outcome: 'accepted' })).toBeGreaterThanOrEqual(3);
    expect(total(series.get('mailer.token_requests'), { provider: 'microsoft' })).toBeGreaterThanOrEqual(1);
    expect(total(series.get('mailer.keyvault_reads'))).toBeGreaterThanOrEqual(1);
  });

  it('GET /api/operator/summary answers the documented shape and feeds the gauges', async () => {
    const { status, body } = await api(t.host, 'GET', 'operator/summary');
    expect(status).toBe(200);
    expect(body.deliveries.lastHour.sent).toBeGreaterThanOrEqual(3);
    expect(body.deliveries.lastDay.failed).toBeGreaterThanOrEqual(2);
    expect(body.deliveries.topFailingOrgs).toEqual(expect.arrayContaining([{ orgId: broken, failed: 2, topCode: 'MS_SECRET_INVALID' }]));
    expect(body.senders.byStatus.needs_attention).toBeGreaterThanOrEqual(1);
    expect(body.senders.topCodes).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'MS_SECRET_INVALID' })]));
    expect(body.queues.poison['outbox-poison-poison']).toBeGreaterThanOrEqual(1);
    expect(typeof body.queues.outbox.length).toBe('number');
    const series = await collectSeries(reader);
    expect(total(series.get('mailer.queue.poison_length'), { queue: 'outbox-poison-poison' })).toBeGreaterThanOrEqual(1);
    expect(total(series.get('mailer.senders.by_status'), { status: 'needs_attention' })).toBeGreaterThanOrEqual(1);
  });

  it('refuses the summary without the key', async () => {
    const response = await fetch(`${t.host.url}/api/operator/summary`);
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
  });
});
