/** The README gives the exact set-up commands, and CI runs the same test command. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const readme = readFileSync(resolve(__dirname, '../../README.md'), 'utf8');

test('the README gives the two set-up commands exactly, and .ci/run runs the same test command', () => {
  expect(readme).toContain('\nnpm install && npm start\n');
  expect(readme).toContain('\nnpm test\n');
  const ci = readFileSync(resolve(__dirname, '../../.ci/run'), 'utf8');
  expect(ci.trim().split('\n').pop()).toBe('npm test');
});
