/** One broken host rule: which function, which rule, and the host's own message for it. */
export type ConformanceRule =
  | 'function-name'
  | 'unique-name'
  | 'binding'
  | 'reserved-route'
  | 'route-conflict'
  | 'route-unreachable'
  | 'route-template'
  | 'auth-level'
  | 'queue-name'
  | 'connection'
  | 'message-encoding'
  | 'schedule';

export interface Violation {
  functionName: string;
  rule: ConformanceRule;
  message: string;
}
