/**
 * The one list of functions. Each `functions/*.ts` file declares its triggers through these helpers;
 * they register with the Azure Functions host (`app.http` / `app.storageQueue` / `app.timer`) AND
 * record the definition here, so the local host in `dev/` serves exactly the same list (Core Tools
 * cannot be installed on the build machines, and `@azure/functions` has no public API to list
 * registrations outside the real host).
 */
import { app, HttpHandler, HttpMethod, InvocationContext, Timer } from '@azure/functions';
import { withInvocationLog } from '@shared/telemetry/log';

export type AuthLevel = 'anonymous' | 'function' | 'admin';

export interface HttpFunction {
  kind: 'http';
  name: string;
  route: string;
  methods: HttpMethod[];
  authLevel: AuthLevel;
  handler: HttpHandler;
}

export type QueueHandler = (queueEntry: unknown, context: InvocationContext) => Promise<void>;

export interface QueueFunction {
  kind: 'queue';
  name: string;
  queueName: string;
  handler: QueueHandler;
}

export type TimerHandler = (timer: Timer, context: InvocationContext) => Promise<void>;

export interface TimerFunction {
  kind: 'timer';
  name: string;
  /** NCRONTAB with seconds, as Azure Functions expects. */
  schedule: string;
  handler: TimerHandler;
}

export type FunctionDefinition = HttpFunction | QueueFunction | TimerFunction;

const definitions: FunctionDefinition[] = [];

/**
 * True inside the Azure Functions host, which provides `@azure/functions-core`. Elsewhere (the local
 * host, Jest) `@azure/functions` runs in "test mode" and warns once per registration; we skip the
 * call instead and keep only our own list.
 */
const insideFunctionsHost: boolean = (() => {
  try {
    // A probe, not a dependency: only the Functions host provides this module, so it cannot be imported.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('@azure/functions-core');
    return true;
  } catch {
    return false;
  }
})();

/**
 * Request bodies reach handlers as streams (`request.body`), not buffered whole by the host first:
 * a handler with a small limit (the OAuth callback's 16 KB) stops reading at it (functions/http.ts
 * `readText`). Must be set before any registration
 * (https://learn.microsoft.com/azure/azure-functions/node-http-stream). The local host reads this
 * flag and streams the same way.
 */
export const HTTP_STREAMING = true;
if (insideFunctionsHost) app.setup({ enableHttpStream: HTTP_STREAMING });

/** Every function declared so far (import `functions/index` first to declare them all). */
export function listFunctions(): readonly FunctionDefinition[] {
  return definitions;
}

function remember(definition: FunctionDefinition): void {
  if (definitions.some((d) => d.name === definition.name)) {
    throw new Error(`internal: function ${definition.name} is declared twice`);
  }
  definitions.push(definition);
}

/**
 * Every handler runs with its invocation as the target of the structured log lines
 * (shared/telemetry/log.ts), so a line written deep in shared/ carries the invocation id and goes
 * through `context.log` to Application Insights.
 */
function logged<A, R>(handler: (input: A, context: InvocationContext) => R): (input: A, context: InvocationContext) => R {
  return (input, context) =>
    withInvocationLog({ invocationId: context.invocationId, log: (line) => context.log(line), warn: (line) => context.warn(line) }, () =>
      handler(input, context),
    );
}

const invocations = new WeakMap<FunctionDefinition, FunctionDefinition['handler']>();

/**
 * What a host calls: the definition's handler (the one its file exports) inside its invocation's
 * log context. The Azure registrations below and the local host (dev/host) both call this.
 */
export function invocationOf<D extends FunctionDefinition>(definition: D): D['handler'] {
  let invoke = invocations.get(definition);
  if (!invoke)
    invocations.set(
      definition,
      (invoke = logged(definition.handler as (input: unknown, context: InvocationContext) => unknown) as D['handler']),
    );
  return invoke as D['handler'];
}

/**
 * The trigger options each definition is registered with in Azure (the handler aside). The local
 * host builds the metadata it checks from these same options (dev/host/conformance/metadata.ts).
 */
export function httpTriggerOptions(definition: HttpFunction): { route: string; methods: HttpMethod[]; authLevel: AuthLevel } {
  return { route: definition.route, methods: definition.methods, authLevel: definition.authLevel };
}

/** Queue triggers read the host's own Storage account (the app settings `AzureWebJobsStorage*`). */
export function queueTriggerOptions(definition: QueueFunction): { queueName: string; connection: string } {
  return { queueName: definition.queueName, connection: 'AzureWebJobsStorage' };
}

export function timerTriggerOptions(definition: TimerFunction): { schedule: string } {
  return { schedule: definition.schedule };
}

export function defineHttp(input: Omit<HttpFunction, 'kind'>): void {
  const definition: HttpFunction = { kind: 'http', ...input };
  remember(definition);
  if (!insideFunctionsHost) return;
  app.http(definition.name, { ...httpTriggerOptions(definition), handler: invocationOf(definition) });
}

export function defineQueue(input: Omit<QueueFunction, 'kind'>): void {
  const definition: QueueFunction = { kind: 'queue', ...input };
  remember(definition);
  if (!insideFunctionsHost) return;
  app.storageQueue(definition.name, { ...queueTriggerOptions(definition), handler: invocationOf(definition) });
}

/** Runs during the host's graceful shutdown (not when the instance is killed outright). */
export type TerminateHook = () => Promise<void>;
const terminateHooks: TerminateHook[] = [];

/** Every terminate hook declared so far: the local host runs them when it closes, as Azure's host does. */
export function listTerminateHooks(): readonly TerminateHook[] {
  return terminateHooks;
}

/**
 * `app.hook.appTerminate`: the Node.js worker's graceful-shutdown hook, given a limited grace period
 * (https://learn.microsoft.com/azure/azure-functions/functions-reference-node#hooks).
 */
export function defineTerminateHook(hook: TerminateHook): void {
  terminateHooks.push(hook);
  if (!insideFunctionsHost) return;
  app.hook.appTerminate(() => hook());
}

export function defineTimer(input: Omit<TimerFunction, 'kind'>): void {
  const definition: TimerFunction = { kind: 'timer', ...input };
  remember(definition);
  if (!insideFunctionsHost) return;
  app.timer(definition.name, { ...timerTriggerOptions(definition), handler: invocationOf(definition) });
}
