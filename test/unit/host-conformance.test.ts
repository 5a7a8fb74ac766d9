/**
 * Every function, as the real `@azure/functions` library registers it with the host (captured by a
 * stand-in `@azure/functions-core`), against the Azure Functions host's own rules
 * (dev/host/conformance, each rule citing its source). Each rule is then broken on purpose by a
 * temporary registration through the same library, and must fail with the host's message; the
 * local host refuses to start on such a registration.
 */
// Jest hoists a mock factory above the imports, so the factory can only `require`.
// eslint-disable-next-line @typescript-eslint/no-require-imports
jest.mock('@azure/functions-core', () => require('../support/functions-core').functionsCore, { virtual: true });

import { app, HttpHandler } from '@azure/functions';
import { registered } from '../support/functions-core';
import { checkHostConformance, ConformanceInput, FunctionMetadata, HostConformanceError } from '../../dev/host/conformance';
import { readHostSettings } from '../../dev/host/hostJson';
import { startLocalHost } from '../../dev/host/localHost';
import { FunctionDefinition, listFunctions } from '../../functions/registry';
import '../../functions/index';
import { dryRun } from '../support/infra-arm';
import { azdParameters, describeCompiled } from '../support/infra-compiler';

const appFunctions = [...registered];
const hostJson = readHostSettings();
const LOCAL_STORAGE = { AzureWebJobsStorage: 'UseDevelopmentStorage=true' };
const handler: HttpHandler = async () => ({ status: 204 });

const check = (functions: readonly FunctionMetadata[], overrides: Partial<ConformanceInput> = {}) =>
  checkHostConformance({
    functions,
    appSettings: LOCAL_STORAGE,
    routePrefix: hostJson.routePrefix,
    messageEncoding: hostJson.queues.messageEncoding,
    ...overrides,
  });

/** Registers through the real library and returns the metadata the host would receive. */
function registeredBy(register: () => void): FunctionMetadata {
  const before = registered.length;
  register();
  expect(registered.length).toBe(before + 1);
  return registered.pop()!;
}

const http = (name: string, route: string, extra: Record<string, unknown> = {}) =>
  registeredBy(() => app.http(name, { route, methods: ['GET'], authLevel: 'anonymous', handler, ...extra }));
const queue = (name: string, queueName: string, connection = 'AzureWebJobsStorage') =>
  registeredBy(() => app.storageQueue(name, { queueName, connection, handler: async () => undefined }));
const timer = (name: string, schedule: string) => registeredBy(() => app.timer(name, { schedule, handler: async () => undefined }));

describe('every registered function against the host rules', () => {
  test('the app registers every function of its list, and none breaks a rule (with the local settings and host.json)', () => {
    expect(appFunctions.map((f) => f.name).sort()).toEqual(
      listFunctions()
        .map((d) => d.name)
        .sort(),
    );
    expect(check(appFunctions)).toEqual([]);
  });

  test('with an empty routePrefix too (the reserved prefixes hold whatever it is)', () => {
    expect(check(appFunctions, { routePrefix: '' })).toEqual([]);
  });
});

/** The app plus one bad registration: the violations that name it. */
const violationsWith = (bad: FunctionMetadata, overrides: Partial<ConformanceInput> = {}) =>
  check([...appFunctions, bad], overrides).map(({ rule, message }) => ({ rule, message }));

describe("each rule fails on a deliberately bad registration, with the host's message", () => {
  test.each(['admin/x', 'Admin', '/runtime/status', 'administrators', 'RUNTIMEx/{id}'])('reserved route prefix: %s', (route) => {
    const expected = { rule: 'reserved-route', message: 'The specified route conflicts with one or more built in routes.' };
    expect(violationsWith(http('tempReserved', route))).toContainEqual(expected);
    expect(violationsWith(http('tempReserved', route), { routePrefix: '' })).toContainEqual(expected);
  });

  test('an empty route is the function name, so a function named admin… is reserved too', () => {
    expect(violationsWith(http('adminTools', ''))).toContainEqual({
      rule: 'reserved-route',
      message: 'The specified route conflicts with one or more built in routes.',
    });
  });

  const conflict = { rule: 'route-conflict', message: "The route specified conflicts with the route defined by function 'health'." };
  test.each(['health', 'HEALTH'])('duplicate route and method: %s', (route) => {
    expect(violationsWith(http('tempDuplicate', route))).toEqual([conflict]);
  });

  test('routes are compared trimmed of "/"; with a routePrefix, a leading "/" also makes "api//x", which ASP.NET refuses', () => {
    expect(violationsWith(http('tempDuplicate', '/health/'), { routePrefix: '' })).toEqual([conflict]);
    expect(violationsWith(http('tempDuplicate', '/health/'))).toEqual([
      {
        rule: 'route-template',
        message:
          "The route template separator character '/' cannot appear consecutively. It must be separated by either a parameter or a literal value.",
      },
      conflict,
    ]);
  });

  test('the same route with other methods is no conflict', () => {
    expect(violationsWith(http('tempOtherMethod', 'health', { methods: ['POST'] }))).toEqual([]);
  });

  test('a route an earlier-named function always answers is unreachable', () => {
    const violations = violationsWith(http('aaEverything', 'orgs/{orgId}/{anything}', { methods: ['GET'] }));
    expect(violations).toContainEqual({
      rule: 'route-unreachable',
      message:
        "The route 'orgs/{orgId}/routing' is never reached: the host tries routes in function-name order and function 'aaEverything' (route 'orgs/{orgId}/{anything}') answers it first.",
    });
  });

  test.each(['1bad', 'has space', 'host', 'HOST', 'a.b', `a${'b'.repeat(128)}`])('invalid function name: %s', (name) => {
    expect(violationsWith(http(name, 'temp-route'))).toEqual([
      { rule: 'function-name', message: `'${name}' is not a valid function name.` },
    ]);
  });

  test('a name that differs only in case from another is a duplicate', () => {
    expect(violationsWith(http('Health', 'temp-route'))).toEqual([
      { rule: 'unique-name', message: 'Found duplicate FunctionMetadata with the name Health' },
    ]);
  });

  test('an invalid binding name', () => {
    const bad = registeredBy(() =>
      app.generic('tempGeneric', {
        trigger: { type: 'httpTrigger', name: 'bad-name', route: 'temp-generic', methods: ['GET'], authLevel: 'anonymous' },
        handler,
      }),
    );
    expect(violationsWith(bad)).toEqual([
      { rule: 'binding', message: 'The binding name bad-name is invalid. Please assign a valid name to the binding.' },
    ]);
  });

  test('an auth level the host cannot parse', () => {
    expect(violationsWith(http('tempAuth', 'temp-route', { authLevel: 'everyone' }))).toEqual([
      {
        rule: 'auth-level',
        message: "Error parsing function.json: Invalid value specified for binding property 'authLevel' of enum type AuthorizationLevel.",
      },
    ]);
  });

  test.each([
    ['files/{*rest}/x', 'A catch-all parameter can only appear as the last segment of the route template.'],
    [
      'files/x{*rest}',
      'A path segment that contains more than one section, such as a literal section or a parameter, cannot contain a catch-all parameter.',
    ],
    ['a/{b', "There is an incomplete parameter in the route template. Check that each '{' character has a matching '}' character."],
    ['a/{id}/{ID}', "The route parameter name 'ID' appears more than one time in the route template."],
    [
      'a/{n:number}',
      "The constraint reference 'number' could not be resolved to a type. Register the constraint type with 'Microsoft.AspNetCore.Routing.RouteOptions.ConstraintMap'.",
    ],
    [
      'a//b',
      "The route template separator character '/' cannot appear consecutively. It must be separated by either a parameter or a literal value.",
    ],
    ['a/{x}{y}', "A path segment cannot contain two consecutive parameters. They must be separated by a '/' or by a literal string."],
    ['a/{}', expect.stringMatching(/^The route parameter name '' is invalid\./)],
    ['a/{when:datetime}', expect.stringMatching(/^The host accepts this template but the local host cannot serve it/)],
  ])('route template %s', (route, message) => {
    expect(violationsWith(http('tempTemplate', route))).toEqual([{ rule: 'route-template', message }]);
  });

  test.each([
    ['Outbox', 'Queue names must be all lower case - "Outbox"'],
    ['ab', 'A queue name must be from 3 to 63 characters long - "ab"'],
    ['q'.repeat(64), `A queue name must be from 3 to 63 characters long - "${'q'.repeat(64)}"`],
    ['-abc', 'The dash (-) character may not be the first or last letter - "-abc"'],
    ['a--b', 'A queue name cannot contain consecutive dash(-) characters.'],
    ['a_b', 'A queue name can contain only letters, numbers, and dash(-) characters - "a_b"'],
  ])('invalid queue name %s', (queueName, message) => {
    expect(violationsWith(queue('tempQueue', queueName))).toEqual([{ rule: 'queue-name', message }]);
  });

  test('a connection no app setting resolves', () => {
    expect(violationsWith(queue('tempQueue', 'temp-queue', 'OtherStorage'))).toEqual([
      {
        rule: 'connection',
        message: "Storage account connection string 'OtherStorage' does not exist. Make sure that it is a defined App Setting.",
      },
    ]);
    // Resolved by the "AzureWebJobs" prefix, or by identity-based settings with a queue endpoint.
    expect(
      violationsWith(queue('tempQueue', 'temp-queue', 'Other'), {
        appSettings: { ...LOCAL_STORAGE, AzureWebJobsOther: 'UseDevelopmentStorage=true' },
      }),
    ).toEqual([]);
    expect(
      violationsWith(queue('tempQueue', 'temp-queue', 'Other'), {
        appSettings: { ...LOCAL_STORAGE, Other__queueServiceUri: 'https://a.queue.core.windows.net' },
      }),
    ).toEqual([]);
    expect(
      violationsWith(queue('tempQueue', 'temp-queue', 'Other'), {
        appSettings: { ...LOCAL_STORAGE, Other__credential: 'managedidentity' },
      }),
    ).toHaveLength(1);
  });

  test("timers without the host's storage", () => {
    const timers = listFunctions()
      .filter((d) => d.kind === 'timer')
      .map((d) => d.name);
    const violations = check(appFunctions, { appSettings: { AzureWebJobsStorage__queueServiceUri: 'https://a.queue.core.windows.net' } });
    expect(violations.filter((v) => v.message.startsWith("The host's storage is not set")).map((v) => v.functionName)).toEqual(timers);
    expect(
      check(appFunctions, {
        appSettings: { AzureWebJobsStorage__queueServiceUri: 'https://q', AzureWebJobsStorage__blobServiceUri: 'https://b' },
      }),
    ).toEqual([]);
  });

  test('queue messages the host would not decode as our producers write them (messageEncoding none)', () => {
    const violations = check(appFunctions, { messageEncoding: 'none' });
    const queueFunctions = listFunctions()
      .filter((d) => d.kind === 'queue')
      .map((d) => d.name);
    expect(violations.map((v) => [v.functionName, v.rule])).toEqual(queueFunctions.map((name) => [name, 'message-encoding']));
  });

  test.each([
    ['0 61 * * * *', "The schedule expression '0 61 * * * *' was not recognized as a valid cron expression or timespan string."],
    [
      'every five minutes',
      "The schedule expression 'every five minutes' was not recognized as a valid cron expression or timespan string.",
    ],
    ['*/5 * * * *', expect.stringMatching(/has five fields: use the six-field form/)],
    ['00:05:00', expect.stringMatching(/is a TimeSpan/)],
  ])('invalid schedule %s', (schedule, message) => {
    expect(violationsWith(timer('tempTimer', schedule))).toEqual([{ rule: 'schedule', message }]);
  });
});

describe("the local host refuses to start on a violation, with the host's message", () => {
  const bad: Array<[string, FunctionDefinition, string]> = [
    [
      'an admin/ route',
      { kind: 'http', name: 'tempAdmin', route: 'admin/x', methods: ['GET'], authLevel: 'anonymous', handler },
      'The specified route conflicts with one or more built in routes.',
    ],
    [
      'a duplicate route',
      { kind: 'http', name: 'tempHealth', route: 'health', methods: ['GET'], authLevel: 'anonymous', handler },
      "The route specified conflicts with the route defined by function 'health'.",
    ],
    [
      'an invalid name',
      { kind: 'http', name: 'temp admin', route: 'temp', methods: ['GET'], authLevel: 'anonymous', handler },
      "'temp admin' is not a valid function name.",
    ],
    [
      'an invalid schedule',
      { kind: 'timer', name: 'tempTimer', schedule: '0 0 25 * * *', handler: async () => undefined },
      "The schedule expression '0 0 25 * * *' was not recognized as a valid cron expression or timespan string.",
    ],
  ];
  test.each(bad)('%s', async (_what, definition, message) => {
    const starting = startLocalHost({
      port: 0,
      functions: [...listFunctions(), definition],
      queues: false,
      timers: false,
      log: () => undefined,
    });
    await expect(starting).rejects.toThrow(HostConformanceError);
    await expect(starting).rejects.toThrow(message);
  });
});

/** Sample values for the azd environment values main.parameters.json substitutes without a default. */
const AZD_SAMPLES = {
  AZURE_ENV_NAME: 'prod',
  AZURE_LOCATION: 'westeurope',
  MICROSOFT_CLIENT_ID: 'ms-app-id',
  GOOGLE_CLIENT_ID: 'google-client-id',
};

describeCompiled('every binding connection resolves from the app settings infra/ deploys', ({ template }) => {
  const appSettingsOf = (overrides: Record<string, unknown>) => {
    const config = dryRun(template, { ...azdParameters(AZD_SAMPLES), ...overrides }).resources.find(
      (r) => r.type === 'Microsoft.Web/sites/config' && r.name.endsWith('/appsettings'),
    );
    return config!.properties as Record<string, string>;
  };

  test.each([['secret'], ['managed-identity']])('Microsoft credential %s', (microsoftCredential) => {
    const settings = appSettingsOf({ microsoftCredential });
    expect(check(appFunctions, { appSettings: settings }).filter((v) => v.rule === 'connection')).toEqual([]);
    // The check is real: without the queue endpoint setting, every queue trigger fails it.
    const { AzureWebJobsStorage__queueServiceUri: _dropped, ...withoutQueueEndpoint } = settings;
    expect(check(appFunctions, { appSettings: withoutQueueEndpoint }).filter((v) => v.rule === 'connection').length).toBe(
      listFunctions().filter((d) => d.kind === 'queue').length,
    );
  });
});
