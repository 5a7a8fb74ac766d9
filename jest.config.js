/** Jest runs inside dev/test-runner.ts, which starts Azurite and the sandbox and sets the env. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false, tsconfig: 'tsconfig.jest.json' }] },
  testTimeout: 60000,
  // The `@shared/*` import alias of tsconfig.json.
  moduleNameMapper: { '^@shared/(.*)$': '<rootDir>/shared/$1' },
  testSequencer: '<rootDir>/test/support/shard-sequencer.js',
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
