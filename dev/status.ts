/**
 * `npm run status`: the operator summary of a local or deployed instance as a few tables.
 *
 *   npm run status                                   # the local `npm start` (http://localhost:7071, LOCAL_FUNCTION_KEY)
 *   npm run status -- --url https://func-x.azurewebsites.net --key <master key>
 *
 * The key may also come from ORG_MAILER_KEY. It reads GET /api/operator/summary, which needs an
 * admin-level key (the host's master key in Azure).
 */
import type { OperatorSummary } from '@shared/operator/summary';
import { readLocalSettings } from './stack';

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

function table(title: string, rows: [string, string | number][]): string {
  const width = Math.max(title.length, ...rows.map(([k]) => k.length));
  return [title, ...(rows.length ? rows : ([['(none)', '']] as [string, string][])).map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)].join(
    '\n',
  );
}

export function formatSummary(s: OperatorSummary): string {
  const statuses = [...new Set([...Object.keys(s.deliveries.lastDay), ...Object.keys(s.deliveries.lastHour)])].sort();
  const q = s.queues.outbox;
  return [
    `org-mailer status at ${s.generatedAt}${s.deliveries.truncated ? ' (counts are lower bounds: the scan stopped)' : ''}`,
    table(
      'deliveries            last hour / last day',
      statuses.map((st) => [
        st,
        `${s.deliveries.lastHour[st as keyof typeof s.deliveries.lastHour] ?? 0} / ${s.deliveries.lastDay[st as keyof typeof s.deliveries.lastDay] ?? 0}`,
      ]),
    ),
    table(
      'orgs with most failures (last day)',
      s.deliveries.topFailingOrgs.map((o) => [o.orgId, `${o.failed}${o.topCode ? ` (mostly ${o.topCode})` : ''}`]),
    ),
    table(
      'senders by status',
      Object.entries(s.senders.byStatus).map(([k, v]) => [k, v ?? 0]),
    ),
    table(
      'needs-attention codes',
      s.senders.topCodes.map((c) => [c.code, c.count]),
    ),
    table('queues', [
      ['outbox length', q.length],
      ['outbox oldest visible', q.oldestAgeSeconds === undefined ? '-' : `${q.oldestAgeSeconds} s`],
      ...Object.entries(s.queues.poison).map(([name, n]) => [name, n] as [string, number]),
    ]),
    ...(s.platformSecretDaysLeft === undefined ? [] : [`platform client secret expires in ${s.platformSecretDaysLeft} days`]),
  ].join('\n\n');
}

async function main(): Promise<number> {
  const local = (() => {
    try {
      return readLocalSettings();
    } catch {
      return {} as Record<string, string>;
    }
  })();
  const url = (argument('url') ?? `http://localhost:${process.env.ORG_MAILER_PORT ?? 7071}`).replace(/\/+$/, '');
  const key = argument('key') ?? process.env.ORG_MAILER_KEY ?? local.LOCAL_FUNCTION_KEY;
  const response = await fetch(`${url}/api/operator/summary`, {
    headers: key ? { 'x-functions-key': key } : {},
    signal: AbortSignal.timeout(30_000),
  });
  if (!response.ok) {
    console.error(
      `status: ${url} answered ${response.status}${response.status === 401 ? ' (an admin-level key is needed: --key or ORG_MAILER_KEY)' : ''}`,
    );
    return 1;
  }
  console.log(formatSummary((await response.json()) as OperatorSummary));
  return 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error) => {
      console.error(`status: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
