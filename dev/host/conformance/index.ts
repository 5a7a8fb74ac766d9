/**
 * Host conformance: the rules the Azure Functions host applies to the function metadata it receives,
 * checked on that same metadata. The local host refuses to start on any violation
 * (dev/host/localHost.ts), and test/unit/host-conformance.test.ts holds every registered function to
 * them. Each rule cites its source beside its code; docs/operations.md lists them.
 */
import { httpViolations } from './httpRules';
import type { FunctionMetadata } from './metadata';
import { nameViolations } from './names';
import { AppSettings, encodingViolations, hostStorageViolations, queueViolations } from './storageRules';
import { timerViolations } from './timerRules';
import type { Violation } from './violation';

export type { FunctionMetadata } from './metadata';
export type { Violation, ConformanceRule } from './violation';
export { hostMetadataOf } from './metadata';
export { byHostOrder } from './httpRules';

export interface ConformanceInput {
  functions: readonly FunctionMetadata[];
  /** The app settings the host would run with (Azure: the deployed appsettings; locally: the environment). */
  appSettings: AppSettings;
  /** host.json `extensions.http.routePrefix`. */
  routePrefix: string;
  /** host.json `extensions.queues.messageEncoding`. */
  messageEncoding: string;
}

export function checkHostConformance(input: ConformanceInput): Violation[] {
  return [
    ...nameViolations(input.functions),
    ...httpViolations(input.functions, input.routePrefix),
    ...queueViolations(input.functions, input.appSettings),
    ...hostStorageViolations(input.functions, input.appSettings),
    ...encodingViolations(input.functions, input.messageEncoding),
    ...timerViolations(input.functions),
  ];
}

export class HostConformanceError extends Error {
  constructor(readonly violations: readonly Violation[]) {
    super(
      `The Azure Functions host would refuse ${violations.length === 1 ? 'this function' : 'these functions'}, so the local host does not start:\n` +
        violations.map((v) => `  ${v.functionName} (${v.rule}): ${v.message}`).join('\n'),
    );
    this.name = 'HostConformanceError';
  }
}

export function assertHostConformance(input: ConformanceInput): void {
  const violations = checkHostConformance(input);
  if (violations.length) throw new HostConformanceError(violations);
}
