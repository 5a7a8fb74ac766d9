/** What a route says about itself in the OpenAPI document (see operations.ts). */
import type { SchemaName } from './schemas';

export interface Answer {
  description: string;
  /** A JSON body of this component schema. */
  schema?: SchemaName;
  /** A non-JSON body (HTML, script, style): its media types. */
  text?: string[];
  /** A JSON object with no component schema (this document itself). */
  anyJson?: boolean;
  headers?: Record<string, string>;
}

export interface OperationDoc {
  summary: string;
  description?: string;
  tag: 'sender' | 'messages' | 'settings page' | 'consent' | 'operations' | 'webhooks' | 'directory';
  body?: { schema: SchemaName; required: boolean };
  query?: Array<{ name: string; description: string; schema: Record<string, unknown> }>;
  /** Success answers (and redirects or pages that are not the JSON error envelope), by status. */
  answers: Record<number, Answer>;
  /**
   * Statuses answered with the JSON error envelope. Added by the builder: 400 on `{orgId}` paths (an
   * invalid org id), 401 from the route's security, and `default` (5xx).
   */
  errors: number[];
}
