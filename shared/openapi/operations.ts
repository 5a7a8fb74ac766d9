/**
 * What the routes say about themselves beyond the registry: a summary, the request body, the
 * answers and the error statuses each handler really returns (read from functions/*.ts and the
 * services they call). Keyed by `METHOD route` exactly as registered; the unit test fails when a
 * registered route has no entry here or an entry has no route.
 */
import { DELIVERY_STATUSES } from '../store/deliveryStore';
import type { Answer, OperationDoc } from './operationTypes';
import { WEBHOOK_OPERATIONS } from './webhookOperations';
import { DIRECTORY_COPY_OPERATIONS } from './directoryCopyOperations';
import { DIRECTORY_CONNECTION_OPERATIONS } from './directoryConnectionOperations';

export type { Answer, OperationDoc } from './operationTypes';

const senderView = (description: string): Answer => ({ description, schema: 'SenderView' });
const LOCATION = { Location: 'Where the delivery status of the message can be read' };

const putSender = (summary: string): OperationDoc => ({
  summary,
  description:
    'Flat JSON per provider and mode (docs/senders.md). Saving makes the sender a draft; a locked (active) sender answers 409 until reset. Secrets go to Key Vault and are never returned.',
  tag: 'sender',
  body: { schema: 'SenderInput', required: true },
  answers: { 200: senderView('The saved configuration (status draft)') },
  errors: [400, 409, 413, 422],
});
const verify: OperationDoc = {
  summary: 'Test connection: token and mailbox checks, no mail sent (at most TEST_CONNECTION_LIMIT per org in the window, then 429)',
  tag: 'sender',
  answers: { 200: { description: 'One entry per check; `ok` is true when all passed', schema: 'VerifyResult' } },
  errors: [404, 422, 429],
};
const test: OperationDoc = {
  summary: 'Save and test: send one real test message; success activates and locks the sender',
  tag: 'sender',
  body: { schema: 'TestRequest', required: true },
  answers: { 200: { description: 'Sent; the sender is now active and locked', schema: 'TestResult' } },
  errors: [400, 404, 409, 413, 422, 429],
};
const reset: OperationDoc = {
  summary: "Unlock, delete the org's secrets and return the org to the default sender",
  tag: 'sender',
  answers: { 200: senderView('The configuration, back to draft without secrets') },
  errors: [404, 409],
};
const getSender: OperationDoc = {
  summary: 'The sender configuration: status, lock, last test and error, secret hints (never values)',
  tag: 'sender',
  answers: { 200: senderView('The configuration') },
  errors: [404],
};
const consentLink = (description: string): OperationDoc => ({
  summary: 'A consent link (signed, single-use state, valid 15 minutes) for a consent-based mode',
  description,
  tag: 'consent',
  body: { schema: 'ConsentLinkRequest', required: true },
  answers: { 200: { description: 'The link to open in the browser, and when it expires', schema: 'Link' } },
  errors: [400, 409, 413, 422],
});
const createSender: OperationDoc = {
  summary: 'Create a named sender: `{ key, ...the sender configuration }` (at most 20 per org)',
  description:
    'The body is a SenderInput plus `key` (^[a-z0-9][a-z0-9-]{0,31}$). A taken key answers 409, the 21st sender 422; nothing is written then.',
  tag: 'sender',
  body: { schema: 'NewSender', required: true },
  answers: { 201: senderView('The new sender (status draft)') },
  errors: [400, 409, 413, 422],
};
const removeNamed: OperationDoc = {
  summary: 'Remove the sender and its secrets (repeatable); 409 while a routing rule names it',
  tag: 'sender',
  answers: { 204: { description: 'Removed, or there was nothing to remove' } },
  errors: [409, 422],
};
const getRouting: OperationDoc = {
  summary: "The org's routing rules, in order (none: every message uses the `default` sender)",
  tag: 'sender',
  answers: { 200: { description: 'The rules', schema: 'Routing' } },
  errors: [],
};
const putRouting: OperationDoc = {
  summary: 'Replace the routing rules: the first rule whose match fits a message names its sender',
  description: 'At most 50 rules; a rule naming a sender the org does not have answers 422 and nothing is written.',
  tag: 'sender',
  body: { schema: 'Routing', required: true },
  answers: { 200: { description: 'The rules as saved', schema: 'Routing' } },
  errors: [400, 409, 413, 422],
};
const explain: OperationDoc = {
  summary: 'Which sender a message with this category and workspace would use right now, and why',
  description: 'The same decision the delivery worker takes (one function decides both), including the fallback hops.',
  tag: 'sender',
  body: { schema: 'ExplainRequest', required: true },
  answers: { 200: { description: 'The sender, how it was reached, and the senders passed over', schema: 'RouteExplanation' } },
  errors: [400, 404, 413, 422],
};
const pageText = (description: string): Answer => ({ description, text: ['text/html'] });

export const OPERATIONS: Record<string, OperationDoc> = {
  'GET orgs/{orgId}/sender': getSender,
  'PUT orgs/{orgId}/sender': putSender('Save the sender configuration'),
  'DELETE orgs/{orgId}/sender': {
    summary: 'Remove the sender and its secrets entirely (repeatable)',
    tag: 'sender',
    answers: { 204: { description: 'Removed, or there was nothing to remove' } },
    errors: [409],
  },
  'POST orgs/{orgId}/sender/consent-link': consentLink(
    'The admin comes back to `returnUrl` (which must be allowed by RETURN_URL_ALLOWLIST) or to a result page.',
  ),
  'POST orgs/{orgId}/sender/verify': verify,
  'POST orgs/{orgId}/sender/test': test,
  'POST orgs/{orgId}/sender/reset': reset,

  'GET orgs/{orgId}/senders': {
    summary: "The org's senders (default first), each with its key and status",
    tag: 'sender',
    answers: { 200: { description: 'Every sender of the org', schema: 'SenderList' } },
    errors: [],
  },
  'POST orgs/{orgId}/senders': createSender,
  'GET orgs/{orgId}/senders/{senderKey}': { ...getSender, errors: [404, 422] },
  'PUT orgs/{orgId}/senders/{senderKey}': { ...putSender('Save one sender of the org'), errors: [400, 404, 409, 413, 422] },
  'DELETE orgs/{orgId}/senders/{senderKey}': removeNamed,
  'POST orgs/{orgId}/senders/{senderKey}/consent-link': {
    ...consentLink('The consent is stored into this sender (its key travels in the signed state).'),
    errors: [400, 404, 409, 413, 422],
  },
  'POST orgs/{orgId}/senders/{senderKey}/verify': verify,
  'POST orgs/{orgId}/senders/{senderKey}/test': test,
  'POST orgs/{orgId}/senders/{senderKey}/reset': { ...reset, errors: [404, 409, 422] },
  'GET orgs/{orgId}/routing': getRouting,
  'PUT orgs/{orgId}/routing': putRouting,
  'POST orgs/{orgId}/routing/explain': explain,

  'POST orgs/{orgId}/messages': {
    summary: 'Enqueue one message; the same id twice is the same message, not a second one',
    description:
      "There is no `from`: the sender comes from the org's saved configuration. At most 500 recipients in to + cc + bcc, 3.5 MiB as JSON.",
    tag: 'messages',
    body: { schema: 'MessageInput', required: true },
    answers: {
      202: { description: 'Queued (or already known with the same content: `duplicate`)', schema: 'Enqueued', headers: LOCATION },
    },
    errors: [400, 409, 413, 422],
  },
  'GET orgs/{orgId}/messages': {
    summary: 'Recent deliveries, newest first, paged',
    tag: 'messages',
    query: [
      { name: 'status', description: 'Only deliveries in this status', schema: { type: 'string', enum: [...DELIVERY_STATUSES] } },
      { name: 'limit', description: 'Page size', schema: { type: 'integer', minimum: 1, maximum: 200 } },
      { name: 'cursor', description: 'The `cursor` of the previous page', schema: { type: 'string' } },
    ],
    answers: { 200: { description: 'One page of deliveries', schema: 'DeliveryPage' } },
    errors: [400],
  },
  'GET orgs/{orgId}/messages/{id}': {
    summary: 'The delivery status of one message',
    tag: 'messages',
    answers: { 200: { description: 'The status, the sender used and the last error', schema: 'DeliveryView' } },
    errors: [404],
  },

  'POST orgs/{orgId}/admin-links': {
    summary: "A 60-minute link to the org's settings page, to hand to that org's admin",
    tag: 'settings page',
    body: { schema: 'AdminLinkRequest', required: false },
    answers: { 200: { description: 'The link (its token rides in the fragment) and when it expires', schema: 'Link' } },
    errors: [400, 413, 422],
  },
  'POST orgs/{orgId}/admin-links/revoke': {
    summary: 'Revoke every admin link of the org issued so far (a Reset does the same)',
    tag: 'settings page',
    answers: { 200: { description: 'Revoked: older links answer 401 ADMIN_LINK_INVALID', schema: 'AdminLinksRevoked' } },
    errors: [],
  },
  'GET manage/session': {
    summary: "The org and expiry the settings page's token grants",
    tag: 'settings page',
    answers: { 200: { description: 'The session', schema: 'AdminSession' } },
    errors: [],
  },
  'GET manage/sender': getSender,
  'PUT manage/sender': putSender("Save the token's org's sender configuration"),
  'GET manage/senders': {
    summary: "The token's org's senders with their status (the page lists them when there are several)",
    tag: 'settings page',
    answers: { 200: { description: 'Every sender of the org, default first', schema: 'SenderList' } },
    errors: [],
  },
  'POST manage/senders': { ...createSender, tag: 'settings page' },
  'GET manage/senders/{senderKey}': { ...getSender, errors: [404, 422] },
  'PUT manage/senders/{senderKey}': { ...putSender("Save one sender of the token's org"), errors: [400, 404, 409, 413, 422] },
  'DELETE manage/senders/{senderKey}': { ...removeNamed, tag: 'settings page' },
  'POST manage/senders/{senderKey}/consent-link': {
    ...consentLink('Consent started from the settings page comes back to the page: a `returnUrl` in the body is ignored.'),
    errors: [400, 404, 409, 413, 422],
  },
  'POST manage/senders/{senderKey}/verify': verify,
  'POST manage/senders/{senderKey}/test': test,
  'POST manage/senders/{senderKey}/reset': { ...reset, errors: [404, 409, 422] },
  'GET manage/routing': { ...getRouting, tag: 'settings page' },
  'PUT manage/routing': { ...putRouting, tag: 'settings page' },
  'POST manage/routing/explain': { ...explain, tag: 'settings page' },
  'POST manage/sender/consent-link': consentLink(
    'Consent started from the settings page comes back to the page: a `returnUrl` in the body is ignored.',
  ),
  'POST manage/sender/verify': verify,
  'POST manage/sender/test': test,
  'POST manage/sender/reset': reset,
  'GET settings/{asset?}': {
    summary: 'The settings page (no asset) and its script and style (app.js, app.css)',
    tag: 'settings page',
    answers: { 200: { description: 'The page or the asset', text: ['text/html', 'text/javascript', 'text/css'] } },
    errors: [404],
  },
  'GET settings/errors/{code}': {
    summary: 'The plain-words hint of an error code',
    tag: 'settings page',
    answers: { 200: { description: 'The code and its hint', schema: 'ErrorHint' } },
    errors: [404],
  },

  'GET oauth/start': {
    summary: 'Where a consent link starts (open it in the browser; not called by API clients)',
    description:
      'Binds the consent to this browser (an HttpOnly cookie; the first browser that opens a link claims it) and redirects to the provider. See docs/security.md.',
    tag: 'consent',
    answers: {
      303: { description: 'On to the provider', headers: { Location: "The provider's sign-in or consent page" } },
      400: pageText('Result page: invalid, expired or used link, or opened inside a frame'),
      409: pageText('Result page: the link was already opened in another browser (CONSENT_LINK_CLAIMED)'),
    },
    errors: [],
  },
  'GET oauth/{provider}/callback': {
    summary: 'Where Microsoft and Google send the admin back after consent (not called by API clients)',
    description:
      "Parameters are the provider's (`code`, `state`, `error`, `admin_consent`, `tenant`, ...). Only the browser that opened the link is answered: a signed-in consent shows the confirmation page (nothing stored yet); a failure redirects to the signed return URL with `consent=declined|failed` or shows an HTML result page whose status is the outcome's.",
    tag: 'consent',
    answers: {
      200: pageText('Confirmation page: connect this account to this org?'),
      303: {
        description: 'On to the next provider step, or back to the return URL',
        headers: { Location: 'The provider step, or the return URL with the outcome' },
      },
      400: pageText('Result page: invalid, expired or used state, or consent declined'),
      403: pageText('Result page: another browser started this consent (CONSENT_BROWSER_MISMATCH)'),
      422: pageText('Result page: the provider refused (the code and its hint are shown)'),
    },
    errors: [],
  },
  'POST oauth/{provider}/callback': {
    summary: "Microsoft's form_post answer of a sign-in (not called by API clients)",
    tag: 'consent',
    answers: {
      200: pageText('Confirmation page: connect this account to this org?'),
      303: {
        description: 'On to the next provider step, or back to the return URL',
        headers: { Location: 'The provider step, or the return URL with the outcome' },
      },
      403: pageText('Result page: another browser started this consent (CONSENT_BROWSER_MISMATCH)'),
      422: pageText('Result page: the provider refused (the code and its hint are shown)'),
    },
    errors: [400, 413],
  },
  'POST oauth/confirm': {
    summary: "The confirmation page's Confirm or Cancel (not called by API clients)",
    description:
      'A form with the one-time token of the confirmation page, from the same browser. Only Confirm stores; Cancel stores nothing.',
    tag: 'consent',
    answers: {
      200: pageText('Result page: connected, or cancelled'),
      303: { description: 'Back to the return URL', headers: { Location: 'The return URL with `consent=connected|cancelled|failed`' } },
      403: pageText('Result page: not the browser that signed in (CONSENT_BROWSER_MISMATCH)'),
      404: pageText('Result page: the sender or connection no longer exists'),
      409: pageText('Result page: the sender is locked'),
      422: pageText('Result page: the org has too many senders'),
    },
    errors: [400, 413],
  },
  ...WEBHOOK_OPERATIONS,
  ...DIRECTORY_COPY_OPERATIONS,
  ...DIRECTORY_CONNECTION_OPERATIONS,
  'GET health': {
    summary: 'Liveness and dependency checks (Storage, Key Vault)',
    tag: 'operations',
    answers: {
      200: { description: 'Everything answers', schema: 'Health' },
      503: { description: 'A dependency is unavailable (named in `checks`)', schema: 'Health' },
    },
    errors: [],
  },
  'GET operator/summary': {
    summary: 'Operator summary: deliveries by status (last hour and day), failing orgs, senders by status, queue ages and poison queues',
    tag: 'operations',
    answers: { 200: { description: 'The summary', schema: 'OperatorSummary' } },
    errors: [],
  },
  'GET openapi.json': {
    summary: 'This document',
    tag: 'operations',
    answers: { 200: { description: 'The OpenAPI 3.1 document of this API', anyJson: true } },
    errors: [],
  },
};
