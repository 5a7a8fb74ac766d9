/**
 * The runbook half of the error registry: for every code of `ERROR_CODES` (shared/errors.ts), who acts
 * on it, what it means, where it shows up and what to do. `npm run docs` renders it, with each code's
 * status and retry flag, as docs/reference/errors.md. The type is keyed by `ErrorCode`, so a code added
 * to the registry without its entry here fails the type check, naming the code.
 */
import type { ErrorCode } from './errors';

/** Who fixes it: the org's admin, the platform operator, the SaaS calling the API, a webhook receiver, or nobody (it heals). */
export type RunbookActor = 'admin' | 'operator' | 'operator/admin' | 'SaaS' | 'SaaS/admin' | 'receiver' | 'none';

export interface RunbookEntry {
  who: RunbookActor;
  /** What happened, in an operator's words. */
  means: string;
  /** Where it is seen: the answer, row, check, metric or log that shows it. */
  seen: string;
  /** What to do. */
  act: string;
}

export const ERROR_RUNBOOK: Readonly<Record<ErrorCode, RunbookEntry>> = {
  MS_SECRET_INVALID: {
    who: 'admin',
    means: "Entra ID refused the org's client secret (AADSTS7000215), usually the secret ID pasted instead of its value",
    seen: "sender `lastError`; the org's Test connection",
    act: 'admin creates a secret, Resets, saves the value',
  },
  MS_SECRET_EXPIRED: {
    who: 'admin',
    means: "the org's client secret expired (AADSTS7000222)",
    seen: '`lastError`; `clientSecretExpiresOn` in the config view',
    act: 'admin saves a new secret after Reset',
  },
  MS_SECRET_EXPIRING: {
    who: 'admin',
    means: "warning: an app registration's secret expires within 30 days",
    seen: 'config view `warnings`',
    act: 'admin rotates before the date',
  },
  MS_APP_NOT_IN_TENANT: {
    who: 'admin',
    means: 'the app is not in the tenant (AADSTS700016/7000229): no consent, or wrong ids',
    seen: 'Test connection `token` check',
    act: 'admin consents again or fixes the ids',
  },
  MS_TENANT_NOT_FOUND: {
    who: 'admin',
    means: 'no such tenant (AADSTS90002)',
    seen: 'Test connection',
    act: 'admin corrects the Directory (tenant) ID',
  },
  MS_CONSENT_MISSING: {
    who: 'admin',
    means: 'no Mail.Send role in the token / AADSTS65001',
    seen: 'Test connection `permission` check',
    act: 'admin grants admin consent for Mail.Send',
  },
  MS_MAILBOX_ACCESS_DENIED: {
    who: 'admin',
    means: 'an application access policy excludes the mailbox (`[RAOP] Blocked by tenant configured AppOnly AccessPolicy`)',
    seen: 'Test connection `mailbox` check',
    act: "admin adds the mailbox to the policy's group",
  },
  MS_RBAC_SCOPE_DENIED: {
    who: 'admin',
    means: 'no Entra Mail.Send, and the mailbox is outside the Exchange RBAC for Applications scope',
    seen: 'Test connection `mailbox` check, a send',
    act: 'admin adds the mailbox to the management scope (`Test-ServicePrincipalAuthorization` shows what the app may do)',
  },
  MS_MAILBOX_NOT_FOUND: {
    who: 'admin',
    means: 'Graph does not know the mailbox',
    seen: 'Test connection `mailbox` check',
    act: 'admin corrects sender email / object id',
  },
  MS_MAILBOX_NOT_ENABLED: {
    who: 'admin',
    means: 'mailbox without Exchange Online (licence, provisioning, on-premises)',
    seen: 'Test connection',
    act: 'admin licenses the mailbox or picks another',
  },
  MS_SEND_AS_DENIED: {
    who: 'admin',
    means: 'the signed-in account has no Send As on the shared mailbox',
    seen: 'Test connection (delegated)',
    act: 'admin grants Send As in Exchange admin center',
  },
  MS_MESSAGE_TOO_LARGE: {
    who: 'SaaS',
    means: 'Graph refused the message size (4 MB request)',
    seen: 'delivery row `error`',
    act: 'the SaaS sends smaller attachments',
  },
  MS_MAILBOX_FULL: {
    who: 'admin',
    means: 'the sending mailbox is over quota',
    seen: 'delivery row `error`',
    act: 'admin frees space',
  },
  MS_CONDITIONAL_ACCESS: {
    who: 'admin',
    means: 'a Conditional Access policy blocked the sign-in (AADSTS53003)',
    seen: '`lastError`',
    act: 'admin excludes the app from the policy',
  },
  MS_REAUTH_REQUIRED: {
    who: 'admin',
    means: 'the delegated sign-in expired or was revoked',
    seen: '`lastError`; sender `needs_attention`',
    act: 'admin Resets and signs in again',
  },
  GOOGLE_REAUTH_REQUIRED: {
    who: 'admin',
    means: 'Google refused the refresh token (`invalid_grant`)',
    seen: '`lastError`; a 7-day age points at a consent screen in Testing',
    act: 'admin signs in again; operator publishes the consent screen if in Testing',
  },
  GOOGLE_SCOPE_MISSING: {
    who: 'admin',
    means: '`gmail.send` not granted',
    seen: 'Test connection',
    act: 'admin signs in again and allows sending',
  },
  GOOGLE_DELEGATION_NOT_AUTHORIZED: {
    who: 'admin',
    means: 'service account lacks domain-wide delegation for gmail.send',
    seen: 'Test connection `token` check',
    act: 'admin adds the client id + scope in the Admin console',
  },
  GOOGLE_GMAIL_DISABLED: {
    who: 'admin',
    means: 'Gmail is off for the user',
    seen: 'Save and test',
    act: 'admin turns Gmail on or picks another sender',
  },
  GOOGLE_ALIAS_NOT_VERIFIED: {
    who: 'admin',
    means: 'the sender email is not a verified alias',
    seen: 'Test connection `alias` check',
    act: 'admin verifies the alias, or consents with the alias check',
  },
  GOOGLE_SENDING_LIMIT: {
    who: 'admin',
    means: 'daily sending limit reached',
    seen: 'delivery rows `retrying` with this code',
    act: 'wait; spread volume over senders',
  },
  DOMAIN_SPF_MISSING: {
    who: 'admin',
    means: 'warning: the sender domain has no SPF record',
    seen: 'Test connection `spf` check',
    act: 'publish the `v=spf1 include:... -all` record the hint gives',
  },
  DOMAIN_SPF_INVALID: {
    who: 'admin',
    means: "warning: several SPF records, or one over RFC 7208's 10 DNS lookups",
    seen: '`spf` check',
    act: 'merge into one record; flatten nested includes',
  },
  DOMAIN_SPF_PROVIDER_MISSING: {
    who: 'admin',
    means: 'warning: SPF does not authorise Microsoft 365 / Google',
    seen: '`spf` check',
    act: 'add `include:spf.protection.outlook.com` / `include:_spf.google.com`',
  },
  DOMAIN_DKIM_MISSING: {
    who: 'admin',
    means: "warning: no DKIM key at the provider's selector",
    seen: '`dkim` check',
    act: 'enable DKIM (Microsoft Defender portal / Google Admin console) and publish the records',
  },
  DOMAIN_DMARC_MISSING: {
    who: 'admin',
    means: 'warning: no `_dmarc` record',
    seen: '`dmarc` check',
    act: 'publish `v=DMARC1; p=none; rua=...` and tighten later',
  },
  DOMAIN_DMARC_INVALID: {
    who: 'admin',
    means: 'warning: the DMARC record is malformed (no valid `p=`)',
    seen: '`dmarc` check',
    act: 'correct the record as the hint shows',
  },
  DOMAIN_DMARC_NOT_ALIGNED: {
    who: 'admin',
    means: 'warning: neither SPF nor DKIM can align with the From domain for this sender',
    seen: '`dmarc` check',
    act: 'enable DKIM for the domain, or send from an aligned domain',
  },
  DOMAIN_CHECK_UNAVAILABLE: {
    who: 'operator',
    means: 'DNS timed out or failed (SERVFAIL): "could not check", never ok',
    seen: '`skipped` domain checks; `DNS_SERVERS`',
    act: 'check the resolvers the app uses (`DNS_SERVERS`, VNet DNS)',
  },
  PROVIDER_THROTTLED: {
    who: 'none',
    means: 'the provider asked to slow down; retried with its Retry-After',
    seen: '`retrying` rows; many at once for one mailbox',
    act: 'nothing, unless it persists for hours: lower the mailbox rate setting',
  },
  PROVIDER_UNAVAILABLE: {
    who: 'operator',
    means: 'provider 5xx or network failure; retried',
    seen: '`retrying` rows across many orgs',
    act: "check the provider's status page; messages resume by themselves",
  },
  PROVIDER_TIMEOUT: {
    who: 'none',
    means: 'a call passed `PROVIDER_CALL_TIMEOUT_SECONDS`; retried like a 503',
    seen: '`retrying` rows with this code; `mailer.provider_call_ms`',
    act: "nothing if rare; many: check provider status and the app's outbound network",
  },
  PROVIDER_FORBIDDEN_UNKNOWN: {
    who: 'operator',
    means: 'the provider answered 403 with a code we do not recognise (named in the message); the sender is left as it is',
    seen: '`failed` rows with this code',
    act: 'read the provider code in the message; open an issue so it gets classified',
  },
  KEY_VAULT_ACCESS_DENIED: {
    who: 'operator',
    means: 'Key Vault answered 401/403: the app identity lacks its role on the vault',
    seen: 'health `keyVault: access denied`; `retrying` rows',
    act: "assign *Key Vault Secrets Officer* to the app's managed identity (infra/ does it; check it was not removed)",
  },
  SECRET_STORE_UNAVAILABLE: {
    who: 'operator',
    means: 'Key Vault did not answer; retried',
    seen: 'health `keyVault` check',
    act: "check Key Vault's status and throttling (4,000 ops / 10 s)",
  },
  SECRET_NOT_FOUND: {
    who: 'admin',
    means: 'a secret the sender needs is missing',
    seen: '`lastError`',
    act: 'admin Resets and connects again; operator checks no one purged secrets by hand',
  },
  SECRET_NAME_DELETED: {
    who: 'operator',
    means: 'a deleted secret name was about to be reused',
    seen: 'logs',
    act: 'Reset the sender (moves the generation); never reuse names',
  },
  STORAGE_UNAVAILABLE: {
    who: 'operator',
    means: 'Azure Storage did not answer',
    seen: 'health `storage` check',
    act: 'check the storage account; messages wait in the queue and resume',
  },
  INVALID_MESSAGE: {
    who: 'SaaS',
    means: 'the message failed validation',
    seen: '422 at enqueue, or `failed` row',
    act: 'the SaaS fixes the field named in `fields` / the message',
  },
  POISON: {
    who: 'operator',
    means: 'a message failed repeatedly or could not be read',
    seen: '`outbox-poison` length; table `poisonmessages`',
    act: 'read the logged cause; re-enqueue after fixing',
  },
  VALIDATION_FAILED: {
    who: 'SaaS/admin',
    means: 'request fields invalid',
    seen: "the 422 answer's `fields`",
    act: 'correct the request',
  },
  BAD_REQUEST: {
    who: 'SaaS',
    means: 'body unreadable (not JSON, wrong type)',
    seen: '400 answer',
    act: 'correct the request',
  },
  NOT_FOUND: {
    who: 'SaaS',
    means: 'nothing at this address',
    seen: '404 answer',
    act: 'check the route and ids',
  },
  SENDER_NOT_FOUND: {
    who: 'SaaS/admin',
    means: 'the org has no sender config (it uses the default sender)',
    seen: '404 on GET sender',
    act: 'connect a sender if wanted',
  },
  SENDER_LOCKED: {
    who: 'admin',
    means: 'the active config is locked',
    seen: '409 on PUT',
    act: 'Reset first, then change',
  },
  CONCURRENT_UPDATE: {
    who: 'SaaS/admin',
    means: 'two writers at once (ETag)',
    seen: '409',
    act: 'reload and retry',
  },
  SENDER_EXISTS: {
    who: 'SaaS/admin',
    means: 'a sender with this key already exists in the org',
    seen: '409 on `POST /senders`',
    act: 'pick another key, or PUT to change that sender',
  },
  TOO_MANY_SENDERS: {
    who: 'SaaS/admin',
    means: 'the org has 20 senders',
    seen: '422',
    act: 'delete one it no longer uses',
  },
  SENDER_IN_USE: {
    who: 'SaaS/admin',
    means: 'a routing rule names the sender being deleted',
    seen: '409 on DELETE',
    act: 'change the rule (`PUT /routing`) first',
  },
  STATE_INVALID: {
    who: 'admin',
    means: 'consent link tampered, expired (15 min) or reused',
    seen: '400 on the callback',
    act: 'start again from the settings page',
  },
  CONSENT_DECLINED: {
    who: 'admin',
    means: 'consent was declined',
    seen: '400 on the callback',
    act: 'start again and approve',
  },
  CONSENT_ID_TOKEN_INVALID: {
    who: 'admin',
    means: 'the sign-in before admin consent was missing or its ID token did not verify',
    seen: '400 on the callback',
    act: 'start again from the settings page',
  },
  CONSENT_PERMISSION_NOT_GRANTED: {
    who: 'admin',
    means: "after an admin consent answer the app's token still lacks the roles it grants (the consent page was skipped)",
    seen: '400 on the callback',
    act: 'a Global or Privileged Role Administrator accepts on the Microsoft page',
  },
  CONSENT_REPLICATION_TIMEOUT: {
    who: 'admin',
    means: 'Entra still did not know the new service principal after about two minutes',
    seen: '503 on the callback',
    act: 'wait a few minutes and open the consent link again',
  },
  CONSENT_BROWSER_MISMATCH: {
    who: 'admin',
    means:
      "the provider's answer or the Confirm came from another browser than the one that opened the consent link (no binding cookie, or another)",
    seen: '403 on the callback or the confirmation',
    act: 'start again from the settings page in one browser; never forward consent links ([security.md](../security.md))',
  },
  CONSENT_LINK_CLAIMED: {
    who: 'admin',
    means: 'a consent link was opened in a second browser after a first one claimed it',
    seen: '409 at `/api/oauth/start`',
    act: 'ask for a new link in the browser that will finish the consent',
  },
  CONSENT_FRAMED: {
    who: 'admin',
    means: 'a consent link was opened inside a frame',
    seen: '400 at `/api/oauth/start`',
    act: 'open the link in its own tab (the settings page does this when it is embedded)',
  },
  CONSENT_NOT_ADMIN: {
    who: 'admin',
    means: 'the account that signed in holds no admin role that can grant consent (or `wids` is not emitted)',
    seen: '400 on the callback',
    act: 'sign in as a Global or Privileged Role Administrator; operator: the platform app needs `groupMembershipClaims: DirectoryRole`',
  },
  CONSENT_TENANT_MISMATCH: {
    who: 'admin',
    means: "the consent answer names another tenant than the signed-in admin's",
    seen: '400 on the callback',
    act: 'consent in the same tenant you signed in to; a forged answer is refused by design',
  },
  RETURN_URL_NOT_ALLOWED: {
    who: 'operator',
    means: 'return URL not in `RETURN_URL_ALLOWLIST`',
    seen: '400 on consent-link / admin-link',
    act: 'add the origin to the setting',
  },
  PAYLOAD_TOO_LARGE: {
    who: 'SaaS',
    means: 'body too large',
    seen: '413',
    act: 'send less',
  },
  UNAUTHORIZED: {
    who: 'SaaS',
    means: 'function key missing or wrong',
    seen: '401',
    act: 'use the function key (`x-functions-key`)',
  },
  ADMIN_LINK_INVALID: {
    who: 'admin',
    means: 'settings link expired, revoked or forged',
    seen: '401 on `/api/manage/*`',
    act: 'the SaaS issues a new admin link',
  },
  TEST_SEND_LIMIT: {
    who: 'admin',
    means: 'too many test sends for the org in the window',
    seen: '429 with `Retry-After`',
    act: 'wait; raise `TEST_SEND_LIMIT` only if needed',
  },
  TEST_CONNECTION_LIMIT: {
    who: 'admin',
    means: 'too many Test connection calls for the org in the window (each reads Key Vault and asks for a token)',
    seen: '429 with `Retry-After`',
    act: 'wait; raise `TEST_CONNECTION_LIMIT` only if needed',
  },
  IDEMPOTENCY_CONFLICT: {
    who: 'SaaS',
    means: 'the same message id was sent again with different content',
    seen: '409 at enqueue',
    act: 'use a new id for new content',
  },
  DELIVERY_UNCERTAIN: {
    who: 'SaaS',
    means: 'the provider may have accepted the message but the outcome was not recorded (worker died in the window)',
    seen: 'row `uncertain`; `message.uncertain` event',
    act: 'check with the recipient; resend under a new id if needed',
  },
  INTERNAL: {
    who: 'operator',
    means: 'an unexpected fault (a bug)',
    seen: 'the logged line with the invocation id',
    act: 'open an issue with the log line; nothing secret is in it',
  },
  DIRECTORY_CONNECTION_NOT_FOUND: {
    who: 'SaaS/admin',
    means: 'no directory connection with this id in the org',
    seen: '404 on GET/DELETE',
    act: 'list the connections for their ids',
  },
  DIRECTORY_INVALID_CONNECTION: {
    who: 'SaaS/admin',
    means: 'unknown provider/mode, or a name with control characters or over 64 characters',
    seen: "the 422 answer's `fields`",
    act: 'correct the request; nothing was written',
  },
  DIRECTORY_MODE_UNAVAILABLE: {
    who: 'operator',
    means: 'an `application` connection was asked for but `MICROSOFT_DIRECTORY_CLIENT_ID` is not set',
    seen: '422 on create',
    act: 'register the directory app ([infra/README.md](../../infra/README.md#optional-the-directory-app-application-directory-connections)), `azd env set MICROSOFT_DIRECTORY_CLIENT_ID <id>`, `azd provision`, store its secret; or use `delegated`',
  },
  TOO_MANY_DIRECTORY_CONNECTIONS: {
    who: 'admin',
    means: 'the org already has 10 directory connections',
    seen: '422 on create',
    act: 'delete one first',
  },
  DIRECTORY_CONSENT_DENIED: {
    who: 'admin',
    means: 'Entra refused the directory permissions (Authorization_RequestDenied, no admin consent of User.Read.All / Group.Read.All)',
    seen: 'connection `lastError`; consent result page',
    act: 'a Global Administrator consents (consent-link)',
  },
  DIRECTORY_NOT_ADMIN: {
    who: 'admin',
    means: 'Google `notAuthorized`: the account (or the impersonated subject) is not a Workspace admin',
    seen: '422 on create; `lastError`',
    act: 'connect as / impersonate an admin with Users and Groups read privileges',
  },
  DIRECTORY_REAUTH_REQUIRED: {
    who: 'admin',
    means: 'the directory refresh token expired or was revoked (`invalid_grant`)',
    seen: 'connection `needs_attention` with `lastError`',
    act: 'admin reconnects (POST .../consent-link)',
  },
  DIRECTORY_API_DISABLED: {
    who: 'operator/admin',
    means:
      "Google `accessNotConfigured`: the Admin SDK API is off in the Cloud project the calls go through: the platform's own project for `oauth` connections (operator), the customer's service-account project for `service_account` (admin)",
    seen: '422 on create; `lastError`',
    act: '`oauth`: the operator enables "Admin SDK API" in the platform Google project and adds the directory scopes ([infra/README.md](../../infra/README.md#google-project-for-directory-connections)); `service_account`: the customer enables it in their project (the hint says which)',
  },
  DIRECTORY_GROUP_NOT_FOUND: {
    who: 'SaaS',
    means: 'a `{ group }` recipient is not in the synced directory copy (or in the named connection)',
    seen: '422 at enqueue; or a `failed` parent row when the group vanished before send time',
    act: 'check the group id or mail (`GET .../directory/groups`); sync the connection if the group is new',
  },
  DIRECTORY_GROUP_TOO_LARGE: {
    who: 'SaaS',
    means:
      'the group (nested groups included) has more users than `DIRECTORY_GROUP_MAX_RECIPIENTS`, or groups and addresses add up to more distinct recipients',
    seen: '422 at enqueue; or a `failed` parent row when it grew before send time',
    act: 'send to smaller groups; raise the setting if the volume is intended',
  },
  DIRECTORY_TOO_MANY_GROUPS: {
    who: 'SaaS',
    means: 'a message names more than 20 different `{ group }` entries (repeats of one group count once)',
    seen: '422 at enqueue',
    act: 'send to fewer groups, or split the message',
  },
  DIRECTORY_GROUP_EMPTY: {
    who: 'SaaS',
    means: 'expanding the groups left no one to send to (every member disabled or without mail)',
    seen: '`failed` parent row with `group.skipped`',
    act: "check the group's members in the directory",
  },
  WEBHOOK_URL_REFUSED: {
    who: 'SaaS',
    means: 'the webhook URL is not https, has credentials, or resolves to a non-public address',
    seen: '422 on register',
    act: 'use a public https URL',
  },
  WEBHOOK_EVENT_UNKNOWN: {
    who: 'SaaS',
    means: 'an event type that does not exist',
    seen: '422',
    act: 'see the `webhooks` section of `/api/openapi.json`',
  },
  WEBHOOK_LIMIT_REACHED: {
    who: 'SaaS',
    means: 'more than 20 endpoints in one scope',
    seen: '422',
    act: 'remove unused endpoints',
  },
  WEBHOOK_NOT_FOUND: {
    who: 'SaaS',
    means: 'no such endpoint in this scope',
    seen: '404',
    act: 'check the id and `?orgId=`',
  },
  WEBHOOK_EVENT_NOT_FOUND: {
    who: 'SaaS',
    means: 'replay of an event that was not kept',
    seen: '404',
    act: 'only events handed to an endpoint are kept',
  },
  WEBHOOK_SIGNATURE_INVALID: {
    who: 'receiver',
    means: '`verifyWebhook` refused a delivery (bad signature, or timestamp outside the tolerance)',
    seen: "the receiver's own logs",
    act: "use the current secret (both work for 24 h after a rotation); check the receiver's clock",
  },
  DIRECTORY_THROTTLED: {
    who: 'operator',
    means: "Graph / Admin SDK kept answering 429/503 past the sync's wait bound",
    seen: '`lastSyncOutcome: failed` with this code',
    act: "nothing: the next interval resumes; look at the tenant's other Graph clients if it persists",
  },
  DIRECTORY_CONNECTION_NOT_READY: {
    who: 'admin',
    means: 'Sync now on a connection whose consent was never completed (status `connecting`)',
    seen: '409 on `POST .../directory/connections/{id}/sync`',
    act: 'complete the consent link as an administrator; the connection then syncs',
  },
  DIRECTORY_SYNC_RUNNING: {
    who: 'SaaS/admin',
    means: 'a second sync of a connection while one holds its lease',
    seen: '409 with `runningSince`',
    act: 'wait; an expired lease (crashed instance) is taken over after 10 minutes',
  },
  INVALID_CURSOR: {
    who: 'SaaS',
    means: 'a cursor not handed out by this listing (edited, or from another search/org)',
    seen: '400',
    act: 'restart without `cursor`',
  },
};
