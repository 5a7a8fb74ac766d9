/**
 * `npm run docs`: rewrites the generated reference tables of docs/reference/ (dev/docs/render.ts).
 * `--check` writes nothing and exits 1 naming each file that is out of date.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import '../../functions/index';
import { listFunctions } from '../../functions/registry';
import { generatedDocs } from './render';

const root = process.cwd();
const current = (path: string) => {
  try {
    return readFileSync(join(root, path), 'utf8');
  } catch {
    return undefined;
  }
};

const stale = generatedDocs(listFunctions()).filter((doc) => current(doc.path) !== doc.text);
if (process.argv.includes('--check')) {
  for (const doc of stale) console.error(`${doc.path} is out of date: run npm run docs`);
  process.exit(stale.length ? 1 : 0);
}
for (const doc of stale) {
  mkdirSync(dirname(join(root, doc.path)), { recursive: true });
  writeFileSync(join(root, doc.path), doc.text);
  console.log(`wrote ${doc.path}`);
}
if (!stale.length) console.log('docs/reference is up to date');
