/**
 * Layers point down. `shared/model/` is a leaf (types, patterns, constants; it imports zod and the
 * error-code type of `errors.ts`, itself a leaf). `store/` keeps data and `providers/` talks to mail
 * services: each imports only within itself and from the lowest layer (`model/`, `errors`,
 * `config`, `cache`, `telemetry`), never delivery, senders, consent or any other rule.
 *
 * KNOWN lists the modules that lower layers still import across the rule, each with why; it may
 * only shrink: an entry no longer imported fails the test too, so whoever moves one removes its line.
 */
import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { relativeImports, sources } from '../support/imports';

const root = resolve(__dirname, '../..');
const LOWEST = ['shared/model/', 'shared/errors.ts', 'shared/config.ts', 'shared/settings.ts', 'shared/cache/', 'shared/telemetry/'];
const LAYERS: Record<string, string[]> = {
  'shared/store/': ['shared/store/', ...LOWEST],
  'shared/providers/': ['shared/providers/', ...LOWEST],
  'shared/model/': ['shared/model/', 'shared/errors.ts'],
};

/**
 * Modules outside model/ that the lower layers still import, and why. They are types or small
 * leaves that other work is changing this round; each moves into model/ once that work has landed.
 */
const KNOWN: Record<string, string> = {
  'shared/consent/types.ts': 'consent state and flow types (it imports the provider context type back)',
  'shared/consent/browser.ts': "the constant-time hash comparison the consent state rows use (a rule: it belongs in consent's own store)",
  'shared/webhooks/model.ts': 'webhook endpoint types',
  'shared/messageId.ts': 'the stable Message-ID of a mail (a leaf)',
  'shared/mime.ts': "MIME composition for Gmail's raw messages",
  'shared/store/types.ts': 'the secret store interface that providers read secrets through',
  'shared/store/azureCredential.ts': 'the Entra authority hosts Graph credentials accept',
};

/** `from -> to` for every import of a layered file that leaves its allowed targets. */
function violations(files: Map<string, string>): string[] {
  const found: string[] = [];
  for (const [file, text] of files) {
    const from = relative(root, file);
    const layer = Object.keys(LAYERS).find((prefix) => from.startsWith(prefix));
    if (!layer) continue;
    for (const target of relativeImports(file, text).map((t) => relative(root, t))) {
      if (!LAYERS[layer].some((allowed) => target === allowed || (allowed.endsWith('/') && target.startsWith(allowed))))
        found.push(`${from} -> ${target}`);
    }
  }
  return found.sort();
}

const shared = () => new Map(sources(join(root, 'shared')).map((file) => [file, readFileSync(file, 'utf8')]));

test('store/, providers/ and model/ import only within themselves and from the layer below', () => {
  const found = violations(shared());
  const targets = new Set(found.map((v) => v.split(' -> ')[1]));
  expect(found.filter((v) => !(v.split(' -> ')[1] in KNOWN))).toEqual([]);
  expect(Object.keys(KNOWN).filter((known) => !targets.has(known))).toEqual([]);
});

test('the check catches an import that climbs (a store importing the delivery rules)', () => {
  const files = shared();
  const store = join(root, 'shared/store/deliveryStore.ts');
  files.set(store, `import { isFinal } from '../delivery/states';\n${files.get(store)}`);
  expect(violations(files)).toContain('shared/store/deliveryStore.ts -> shared/delivery/states.ts');
});
