/**
 * Jest's fake timers for just the clocks a test names, the rest left real: a test that moves one
 * clock (Date for "80 days later", setTimeout for a deadline) keeps real I/O, promises and polling.
 * https://jestjs.io/docs/jest-object#jestusefaketimersfaketimersconfig
 */
const FAKEABLE = [
  'Date',
  'hrtime',
  'nextTick',
  'performance',
  'queueMicrotask',
  'requestAnimationFrame',
  'cancelAnimationFrame',
  'requestIdleCallback',
  'cancelIdleCallback',
  'setImmediate',
  'clearImmediate',
  'setInterval',
  'clearInterval',
  'setTimeout',
  'clearTimeout',
] as const;
type FakeableApi = (typeof FAKEABLE)[number];

/** Fakes only `apis` (until `jest.useRealTimers()`); `options` as for `jest.useFakeTimers` (`now`, `advanceTimers`). */
export function fakeOnly(apis: readonly FakeableApi[], options: { now?: number; advanceTimers?: boolean } = {}): void {
  jest.useFakeTimers({ ...options, doNotFake: FAKEABLE.filter((api) => !apis.includes(api)) });
}
