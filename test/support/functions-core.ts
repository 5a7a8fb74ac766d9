/**
 * A stand-in for `@azure/functions-core`, the module the Azure Functions host provides to the worker:
 * it records each `registerFunction` call the real `@azure/functions` library makes, so a test sees
 * exactly the metadata the host would receive. Use in a test file (jest.mock is hoisted):
 *   jest.mock('@azure/functions-core', () => require('../support/functions-core').functionsCore, { virtual: true });
 *   import { registered } from '../support/functions-core';
 */
import type { FunctionMetadata } from '../../dev/host/conformance';

export const registered: FunctionMetadata[] = [];

export const functionsCore = {
  registerFunction: (metadata: FunctionMetadata) => {
    registered.push(metadata);
    return { dispose() {} };
  },
  setProgrammingModel: () => undefined,
  registerHook: () => ({ dispose() {} }),
  log: () => undefined,
};
