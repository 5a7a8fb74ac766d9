/**
 * The contract between the generic consent machinery (signed single-use state, PKCE, return-URL
 * allowlist, the callback route) and each provider's consent flows. Each provider module exports
 * its flows; `shared/consent/` never branches on provider name.
 */
import type { ProviderName, SenderConfig, SenderMode } from '../model/sender';
import type { DirectoryMode } from '../model/directory';
import type { ProviderContext } from '../providers/context';

/** A consent is for a sender or for a directory connection; each kind has its own flows and applier. */
export type ConsentPurpose = { kind: 'sender'; senderKey?: string } | { kind: 'directory'; connectionId: string };
export type ConsentPurposeKind = ConsentPurpose['kind'];
export type ConsentMode = SenderMode | DirectoryMode;

/** The kind of a state's purpose: absent = the `default` sender. */
export const purposeKind = (purpose: ConsentPurpose | undefined): ConsentPurposeKind => purpose?.kind ?? 'sender';

/**
 * What one step of a consent proved (a verified sign-in: tenant and user), kept server-side with the
 * state of the NEXT step of the same consent, never in the browser. The next step may only finish for it.
 */
export interface ConsentBinding {
  tenantId: string;
  /** Object id and preferred_username of the user whose verified sign-in proved the tenant. */
  oid: string;
  username: string;
}

export interface AuthorizationRequest {
  /** Signed, single-use state to pass through the provider unchanged. */
  state: string;
  /** The state's own single-use nonce, for OpenID Connect's `nonce` (echoed inside the ID token). Always set by the machinery. */
  nonce?: string;
  /** Present on a continuation step: what the previous step of this consent proved. */
  binding?: ConsentBinding;
  /** PKCE S256 challenge (present when `usesPkce`, on a first step: a continuation exchanges no code). */
  codeChallenge?: string;
  /** `${PUBLIC_BASE_URL}/api/oauth/{provider}/callback`. */
  redirectUri: string;
  /** Optional hint from the admin (user or tenant) to pre-fill the provider's page. */
  loginHint?: string;
  /**
   * Also ask for the permission to read the account's send-as aliases, so the sender email may be a
   * verified alias of the signed-in account (Google `oauth`: gmail.settings.basic). Flows whose
   * sign-in always covers this (Microsoft delegated asks for Mail.Send.Shared anyway) ignore it.
   */
  aliasCheck?: boolean;
}

export interface CallbackRequest {
  /**
   * The provider's answer as received: the callback's query string, or the form body of a
   * `response_mode=form_post` answer (Microsoft delegated sign-in). The flow checks `error` BEFORE anything else.
   */
  query: URLSearchParams;
  codeVerifier?: string;
  redirectUri: string;
  orgId: string;
  /** The consumed state's nonce: an ID token of this sign-in must carry it. Always set by the machinery. */
  nonce?: string;
  /** Present when this answer belongs to a continuation step (see `ConsentContinuation`). */
  binding?: ConsentBinding;
}

/** What a successful consent yields: non-secret fields for the config row, and secrets for Key Vault (purpose -> value). */
export interface ConsentOutcome {
  fields: Partial<Pick<SenderConfig, 'tenantId' | 'accountEmail' | 'refreshTokenIssuedAt' | 'consentedAt' | 'consentedBy' | 'senderEmail'>>;
  secrets: Record<string, string>;
}

/**
 * A step that proved something but is not the end of the consent (Microsoft admin consent: the
 * admin's verified sign-in, then the tenant-wide grant). The machinery issues a new single-use
 * state holding `continueWith` server-side and sends the browser to the flow's next URL.
 */
export interface ConsentContinuation {
  continueWith: ConsentBinding;
}

/** A flow that always finishes in one step (e.g. Google). */
export type SingleStepConsentFlow = Omit<ConsentFlow, 'complete'> & {
  complete(request: CallbackRequest, context?: ProviderContext): Promise<ConsentOutcome>;
};

export interface ConsentFlow {
  provider: ProviderName;
  mode: ConsentMode;
  usesPkce: boolean;
  /** `context` (settings, secrets) is always passed by the consent machinery; a flow may also read `getConfig()`. */
  authorizationUrl(request: AuthorizationRequest, context?: ProviderContext): string;
  /** Throws MailerError: CONSENT_DECLINED for an `error` answer, a provider code for a failed exchange or check. */
  complete(request: CallbackRequest, context?: ProviderContext): Promise<ConsentOutcome | ConsentContinuation>;
}
