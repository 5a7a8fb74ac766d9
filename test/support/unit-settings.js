/**
 * `npm run test:unit` runs Jest without dev/test-runner.ts, so nothing sets the app settings: give
 * the tests the committed sample's values (as `npm test` does), never overriding one already set.
 * No service behind them runs; a test that reaches for Storage or the sandbox belongs in `npm test`.
 */
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const sample = JSON.parse(readFileSync(join(__dirname, '..', '..', 'local.settings.sample.json'), 'utf8')).Values ?? {};
for (const [name, value] of Object.entries(sample)) if (process.env[name] === undefined) process.env[name] = value;
