/** The README documents every setting the code reads, and the exact set-up commands. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SETTINGS } from '@shared/config';

const readme = readFileSync(resolve(__dirname, '../../README.md'), 'utf8');
const settingsTableRows = readme.split('\n').filter((line) => line.startsWith('| `'));

test.each(SETTINGS.map((s) => [s.name, s] as const))('the README settings table has a row for %s, with its default', (name, spec) => {
  const row = settingsTableRows.find((line) => line.startsWith(`| \`${name}\` |`));
  expect(row).toBeDefined();
  if (spec.default !== undefined) expect(row).toContain(`\`${spec.default}\``);
});

test('the README gives the two set-up commands exactly, and .ci/run runs the same test command', () => {
  expect(readme).toContain('\nnpm install && npm start\n');
  expect(readme).toContain('\nnpm test\n');
  const ci = readFileSync(resolve(__dirname, '../../.ci/run'), 'utf8');
  expect(ci.trim().split('\n').pop()).toBe('npm test');
});
