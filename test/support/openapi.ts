/**
 * Validating values against the OpenAPI document's own JSON Schema, for the openapi tests. No JSON
 * Schema validator is installed; zod's `fromJSONSchema` (draft 2020-12) reads the generated schema
 * back, so the check uses the DOCUMENT, not the zod schema it came from.
 */
import { z } from 'zod';
import type { OpenApiDocument } from '@shared/openapi';

/** A validator for `#/components/schemas/<name>`, with the other components reachable as `$defs`. */
export function documentValidator(document: OpenApiDocument, name: string): z.ZodType {
  const schemas = (document.components as { schemas: Record<string, unknown> }).schemas;
  // OpenAPI's `discriminator` is an annotation for client generators; `oneOf` already does the checking.
  const text = JSON.stringify({ $ref: `#/$defs/${name}`, $defs: schemas }, (key, value) => (key === 'discriminator' ? undefined : value));
  return z.fromJSONSchema(JSON.parse(text.replaceAll('#/components/schemas/', '#/$defs/')));
}
