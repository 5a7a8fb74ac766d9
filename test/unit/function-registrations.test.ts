/**
 * Inside Azure, the Functions host provides `@azure/functions-core`; registrations go through it.
 * A stand-in core module captures them, so we can check that every function in our own list is
 * registered with Azure exactly as the local host serves it (route, methods, auth level, queue), and
 * that the metadata the local host checks against the host's rules (dev/host/conformance) is exactly
 * what the host receives.
 */
// Jest hoists a mock factory above the imports, so the factory can only `require`.
// eslint-disable-next-line @typescript-eslint/no-require-imports
jest.mock('@azure/functions-core', () => require('../support/functions-core').functionsCore, { virtual: true });

import { registered } from '../support/functions-core';
import { hostMetadataOf } from '../../dev/host/conformance';
import { listFunctions } from '../../functions/registry';
import '../../functions/index';

describe('function registrations in the Azure host', () => {
  it('registers every function of the shared list once, with the same triggers', () => {
    const definitions = listFunctions();
    expect(definitions.length).toBeGreaterThan(10);
    expect(registered.map((r) => r.name).sort()).toEqual(definitions.map((d) => d.name).sort());

    for (const definition of definitions) {
      const metadata = registered.find((r) => r.name === definition.name)!;
      const trigger = Object.values(metadata.bindings as Record<string, any>).find((b) => b.direction === 'in');
      switch (definition.kind) {
        case 'http':
          expect(trigger).toEqual(
            expect.objectContaining({
              type: 'httpTrigger',
              route: definition.route,
              authLevel: definition.authLevel,
              methods: definition.methods,
            }),
          );
          break;
        case 'queue':
          expect(trigger).toEqual(
            expect.objectContaining({ type: 'queueTrigger', queueName: definition.queueName, connection: 'AzureWebJobsStorage' }),
          );
          break;
        case 'timer':
          expect(trigger).toEqual(expect.objectContaining({ type: 'timerTrigger', schedule: definition.schedule }));
          break;
      }
    }
  });

  it('the metadata the local host checks is, for every function, exactly what the host receives', () => {
    for (const definition of listFunctions()) {
      expect(hostMetadataOf(definition)).toEqual(registered.find((r) => r.name === definition.name));
    }
  });

  it('management routes need the function key; only consent callbacks, health and the settings page are anonymous', () => {
    const anonymous = listFunctions()
      .filter((d) => d.kind === 'http' && d.authLevel === 'anonymous')
      .map((d) => (d.kind === 'http' ? d.route : ''));
    for (const route of anonymous) {
      expect(route).toMatch(/^(health|oauth\/|settings|manage\/|openapi)/);
    }
    const orgRoutes = listFunctions().filter((d) => d.kind === 'http' && d.route.startsWith('orgs/'));
    expect(orgRoutes.length).toBeGreaterThan(5);
    for (const route of orgRoutes) expect(route.kind === 'http' && route.authLevel).toBe('function');
  });
});
