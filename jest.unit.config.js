/**
 * `npm run test:unit`: the tests that need no Azurite, sandbox or browser, run by Jest directly (no
 * dev/test-runner.ts stack), with the sample settings in the environment. `npm test` runs them too.
 */
const base = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/unit'],
  setupFiles: ['<rootDir>/test/support/unit-settings.js'],
  testPathIgnorePatterns: [
    '/node_modules/',
    // The delivery store's own conditional writes against real Table Storage (Azurite); runs in `npm test`.
    '/test/unit/delivery-store\\.test\\.ts$',
    // Starts the sandbox over TLS (its CA reaches Node only through the test runner's environment).
    '/test/unit/bench-profiles\\.test\\.ts$',
    // Run the real Bicep compiler (restored from NuGet), which takes a minute on its own.
    '/test/unit/infra-compile\\.test\\.ts$',
    '/test/unit/infra\\.test\\.ts$',
  ],
};
