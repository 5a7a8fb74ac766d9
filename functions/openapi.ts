/**
 * `GET /api/openapi.json` (anonymous): the OpenAPI 3.1 document of this API, for generating clients.
 * Built once per process from the registry and the schemas (shared/openapi); the routes are read at
 * the first request, when functions/index.ts has declared them all.
 */
import type { HttpHandler } from '@azure/functions';
import { getConfig } from '@shared/config';
import { buildOpenApiDocument, OpenApiDocument } from '@shared/openapi';
import { handle, json } from './http';
import { defineHttp, HttpFunction, listFunctions } from './registry';

let built: { base: string; document: OpenApiDocument } | undefined;

/** The document for the current PUBLIC_BASE_URL (tests change settings between hosts). */
export function openApiDocument(): OpenApiDocument {
  const { publicBaseUrl } = getConfig();
  if (built?.base !== publicBaseUrl) {
    const routes = listFunctions().filter((f): f is HttpFunction => f.kind === 'http');
    built = { base: publicBaseUrl, document: buildOpenApiDocument({ routes, publicBaseUrl }) };
  }
  return built.document;
}

export const openapi: HttpHandler = handle(async () => json(200, openApiDocument(), { 'Cache-Control': 'public, max-age=300' }));

defineHttp({
  name: 'openapi',
  route: 'openapi.json',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: openapi,
});
