/** The directory connections routes' notes for the OpenAPI document (see operations.ts); docs/directory.md. */
import type { OperationDoc } from './operationTypes';

const create: OperationDoc = {
  summary: 'Link a Microsoft 365 or Google Workspace directory (a named connection)',
  description:
    'delegated, application and oauth answer a consentUrl (status `connecting` until an administrator completes it); service_account is verified at once with one users.list (status `active`, or 422 with the provider code and nothing written). At most 10 per org.',
  tag: 'directory',
  body: { schema: 'DirectoryConnectionCreate', required: true },
  answers: { 201: { description: 'The connection, and for consent-based modes its consent link', schema: 'DirectoryConnectionCreated' } },
  errors: [400, 413, 422],
};
const list: OperationDoc = {
  summary: "The org's directory connections (never a secret)",
  tag: 'directory',
  answers: { 200: { description: 'Oldest first', schema: 'DirectoryConnectionList' } },
  errors: [],
};
const get: OperationDoc = {
  summary: 'One connection: status, last sync, counts, last error with hint',
  tag: 'directory',
  answers: { 200: { description: 'The connection', schema: 'DirectoryConnection' } },
  errors: [404],
};
const remove: OperationDoc = {
  summary: 'Delete the connection, its Key Vault secrets and its synced users and groups',
  tag: 'directory',
  answers: { 204: { description: 'Deleted' } },
  errors: [404],
};
const consentLink: OperationDoc = {
  summary: 'A new consent link for the connection (reconnect after needs_attention)',
  tag: 'directory',
  body: { schema: 'DirectoryConsentLinkRequest', required: false },
  answers: { 200: { description: 'The link to open as an administrator', schema: 'DirectoryConsentLink' } },
  errors: [400, 404, 413, 422],
};
/** The settings page's twins act on the admin token's org (401 comes from their security). */
const page = (doc: OperationDoc): OperationDoc => ({ ...doc, tag: 'settings page' });

export const DIRECTORY_CONNECTION_OPERATIONS: Record<string, OperationDoc> = {
  'GET orgs/{orgId}/directory/connections': list,
  'POST orgs/{orgId}/directory/connections': create,
  'GET orgs/{orgId}/directory/connections/{id}': get,
  'DELETE orgs/{orgId}/directory/connections/{id}': remove,
  'POST orgs/{orgId}/directory/connections/{id}/consent-link': consentLink,
  'GET manage/directory/connections': page(list),
  'POST manage/directory/connections': page(create),
  'GET manage/directory/connections/{id}': page(get),
  'DELETE manage/directory/connections/{id}': page(remove),
  'POST manage/directory/connections/{id}/consent-link': page(consentLink),
};
