/**
 * The request headers and query as a Node.js function receives them from the Azure Functions host.
 * The host copies ASP.NET Core's request into the worker's RpcHttp message
 * (src/WebJobs.Script.Grpc/MessageExtensions/GrpcMessageConversionExtensions.cs `ToRpcHttp` in
 * Azure/azure-functions-host): one entry per query key and per header, its value
 * `StringValues.ToString()`, i.e. every value of a repeated key joined with "," (no space), header
 * names lower-cased, empty values kept (the Node.js worker declares UseNullableValueDictionaryForHttp,
 * src/startApp.ts of Azure/azure-functions-nodejs-worker). `@azure/functions` then builds
 * `request.query` from that map, not from the URL (src/http/HttpRequest.ts), so `?a=1&a=2` reads as
 * `query.get('a') === '1,2'`. With `enableHttpStream` the worker takes the headers from the trigger's
 * binding data instead, joined the same way (`request.Headers.ToDictionary(..., kvp.Value.ToString())`
 * in src/WebJobs.Extensions.Http/HttpTriggerAttributeBindingProvider.cs of
 * Azure/azure-webjobs-sdk-extensions), and the query from the forwarded URL, each value kept.
 */
import type { IncomingMessage } from 'node:http';

export function hostHeaders(req: IncomingMessage): Record<string, string> {
  // headersDistinct keeps every value of a repeated header (req.headers drops some, joins others with ", ").
  return Object.fromEntries(Object.entries(req.headersDistinct).map(([name, values]) => [name.toLowerCase(), (values ?? []).join(',')]));
}

export function hostQuery(url: URL): Record<string, string> {
  const query: Record<string, string> = {};
  for (const key of new Set(url.searchParams.keys())) query[key] = url.searchParams.getAll(key).join(',');
  return query;
}

/**
 * `request.params` as a streamed request gets it: `@azure/functions` takes every string of the trigger's
 * binding data but Query and Headers (src/http/HttpRequest.ts `createStreamRequest`), and the host
 * fills that data with each query parameter but `code` (values joined with ","), then the route values
 * over them, in one case-insensitive dictionary that keeps the first spelling of a key
 * (`GetRequestBindingData` in src/WebJobs.Extensions.Http/HttpTriggerAttributeBindingProvider.cs of
 * Azure/azure-webjobs-sdk-extensions). So `?status=x` shows up as a parameter, and `?OrgId=x` on a
 * route with `{orgId}` leaves the route's value under the name `OrgId`.
 */
export function streamedParams(url: URL, routeParams: Record<string, string>): Record<string, string> {
  const entries = new Map<string, [string, string]>();
  const put = (key: string, value: string) => entries.set(key.toLowerCase(), [entries.get(key.toLowerCase())?.[0] ?? key, value]);
  for (const [key, value] of Object.entries(hostQuery(url))) if (key.toLowerCase() !== 'code') put(key, value);
  for (const [key, value] of Object.entries(routeParams)) put(key, value);
  return Object.fromEntries(entries.values());
}
