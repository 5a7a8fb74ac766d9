/**
 * The reference tables of docs/reference/, rendered from the code's own lists so they cannot drift:
 * settings from `SETTINGS`, error codes from `ERROR_CODES` with their `ERROR_RUNBOOK` entries, routes
 * from the function registry and the OpenAPI operation notes. Pure: `npm run docs` writes the
 * results (dev/docs/main.ts) and test/unit/generated-docs.test.ts compares them with the files.
 */
import { ERROR_CODES, ErrorCode } from '@shared/errors';
import { ERROR_RUNBOOK } from '@shared/errorRunbook';
import { OPERATIONS } from '@shared/openapi';
import { SETTINGS, SettingSpec } from '@shared/settings';
import type { FunctionDefinition, HttpFunction } from '../../functions/registry';

/** A generated document: where it lives and its text. */
export interface GeneratedDoc {
  path: string;
  text: string;
}

const cell = (text: string) => text.replace(/\|/g, '\\|');
const row = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;
const table = (head: string[], rows: string[][]) => [row(head), `|${head.map(() => '---').join('|')}|`, ...rows.map(row)].join('\n');

function header(title: string, sources: string): string {
  return [
    `# ${title}`,
    '',
    `Generated from ${sources} by \`npm run docs\`: edit the source, not this file (a test fails when it is out of date).`,
    '',
  ].join('\n');
}

function settingDefault(spec: SettingSpec): string {
  if (spec.default !== undefined) return `\`${spec.default}\``;
  return spec.optional ? '—' : 'required';
}

function settingNotes(spec: SettingSpec): string {
  return [spec.secret ? 'secret: a Key Vault reference in Azure' : '', spec.localOnly ? 'local runs only' : ''].filter(Boolean).join('; ');
}

export function settingsDoc(settings: readonly SettingSpec[] = SETTINGS): GeneratedDoc {
  const rows = settings.map((s) => [`\`${s.name}\``, s.meaning, s.expected, settingDefault(s), settingNotes(s)]);
  const intro =
    'Every setting the code reads, in the order `shared/config.ts` validates them. How they are read and checked: [operations.md](../operations.md#settings).\n';
  return {
    path: 'docs/reference/settings.md',
    text: `${header('Settings', '`SETTINGS` in shared/settings.ts')}\n${intro}\n${table(['Setting', 'Meaning', 'Valid value', 'Default', 'Notes'], rows)}\n`,
  };
}

export function errorsDoc(): GeneratedDoc {
  const codes = Object.keys(ERROR_CODES) as ErrorCode[];
  const rows = codes.map((code) => {
    const { status, retryable } = ERROR_CODES[code];
    const { who, means, seen, act } = ERROR_RUNBOOK[code];
    return [`\`${code}\``, String(status), retryable ? 'yes' : 'no', who, means, seen, act];
  });
  const intro = [
    'Every error code: its HTTP status, whether delivery retries it, who acts, what it means, where it is seen and what to do.',
    "**admin** is the org's administrator (the hint on the settings page says how), **operator** is you, **SaaS** the application calling the API.",
    'The hint an admin sees is in `ERROR_CODES` (shared/errors.ts); the runbook fields are in `ERROR_RUNBOOK` (shared/errorRunbook.ts).',
  ].join('\n');
  return {
    path: 'docs/reference/errors.md',
    text: `${header('Error codes', '`ERROR_CODES` and `ERROR_RUNBOOK` (shared/errors.ts, shared/errorRunbook.ts)')}\n${intro}\n\n${table(['Code', 'HTTP', 'Retried', 'Who', 'Means', 'Seen in', 'Act'], rows)}\n`,
  };
}

function access(route: HttpFunction): string {
  // authLevel admin takes the master key: https://learn.microsoft.com/azure/azure-functions/functions-bindings-http-webhook-trigger#http-auth
  if (route.authLevel !== 'anonymous') return route.authLevel === 'admin' ? 'master key' : 'function key';
  return route.route.startsWith('manage/') ? 'admin link token' : 'none';
}

function httpRows(functions: readonly FunctionDefinition[]): string[][] {
  const http = functions.filter((f): f is HttpFunction => f.kind === 'http');
  const rows = http.flatMap((f) =>
    f.methods.map((method) => {
      const doc = OPERATIONS[`${method.toUpperCase()} ${f.route}`];
      return [doc?.tag ?? '—', method.toUpperCase(), `\`/api/${f.route}\``, access(f), doc?.summary ?? '—', `\`${f.name}\``];
    }),
  );
  return rows.sort((a, b) => a[0].localeCompare(b[0]) || a[2].localeCompare(b[2]) || a[1].localeCompare(b[1]));
}

function backgroundRows(functions: readonly FunctionDefinition[]): string[][] {
  const rows = functions.flatMap((f) => {
    if (f.kind === 'queue') return [[`\`${f.name}\``, 'queue', `\`${f.queueName}\``]];
    if (f.kind === 'timer') return [[`\`${f.name}\``, 'timer', `\`${f.schedule}\``]];
    return [];
  });
  return rows.sort((a, b) => a[0].localeCompare(b[0]));
}

export function routesDoc(functions: readonly FunctionDefinition[]): GeneratedDoc {
  const intro =
    'Every function the app registers: HTTP routes (with the summary of their OpenAPI operation; the full document is `GET /api/openapi.json`), then queue and timer triggers. The API in words: [api.md](../api.md).';
  const http = table(['Tag', 'Method', 'Route', 'Access', 'Summary', 'Function'], httpRows(functions));
  const background = table(['Function', 'Trigger', 'Queue or NCRONTAB schedule'], backgroundRows(functions));
  const sources = 'the function registrations (functions/registry.ts) and the OpenAPI notes (shared/openapi/)';
  return {
    path: 'docs/reference/routes.md',
    text: `${header('Routes and triggers', sources)}\n${intro}\n\n## HTTP\n\n${http}\n\n## Queues and timers\n\n${background}\n`,
  };
}

/** Every generated document, given the registered functions (import functions/index first). */
export function generatedDocs(functions: readonly FunctionDefinition[]): GeneratedDoc[] {
  return [settingsDoc(), errorsDoc(), routesDoc(functions)];
}
