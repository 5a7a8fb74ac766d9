/**
 * The Microsoft Graph client, built with an explicit middleware chain: authentication, telemetry
 * (SdkVersion and client-request-id headers), HTTP. The default chain also has a RetryHandler that
 * retries 429/503/504 three times; org-mailer owns its retries (the delivery pipeline re-enqueues
 * with Retry-After), so it is left out (docs/providers.md).
 */
import { AuthenticationHandler, Client, HTTPMessageHandler, TelemetryHandler } from '@microsoft/microsoft-graph-client';

/** Hosts the Graph client already treats as Graph (national clouds included). */
const GRAPH_HOSTS = new Set(['graph.microsoft.com', 'graph.microsoft.us', 'dod-graph.microsoft.us', 'microsoftgraph.chinacloudapi.cn']);

export function createGraphClient(graphUrl: string, getAccessToken: () => Promise<string>): Client {
  const authentication = new AuthenticationHandler({ getAccessToken });
  const telemetry = new TelemetryHandler();
  authentication.setNext(telemetry);
  telemetry.setNext(new HTTPMessageHandler());
  const host = new URL(graphUrl).hostname;
  return Client.initWithMiddleware({
    middleware: authentication,
    baseUrl: `${graphUrl}/`,
    defaultVersion: 'v1.0',
    // For any other host the client silently omits the Authorization header (docs/providers.md).
    customHosts: GRAPH_HOSTS.has(host) ? undefined : new Set([host]),
  });
}
