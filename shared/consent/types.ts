/**
 * The contract between the generic consent machinery (signed single-use state, PKCE, return-URL
 * allowlist, the callback route) and each provider's consent flows. Each provider module exports
 * its flows; `shared/consent/` never branches on provider name.
 */
import type { ProviderName, SenderConfig, SenderMode } from '../senders/model';
import type { ProviderContext } from '../providers/context';

export interface AuthorizationRequest {
  /** Signed, single-use state to pass through the provider unchanged. */
  state: string;
  /** PKCE S256 challenge (present when `usesPkce`). */
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
}

/** What a successful consent yields: non-secret fields for the config row, and secrets for Key Vault (purpose -> value). */
export interface ConsentOutcome {
  fields: Partial<Pick<SenderConfig, 'tenantId' | 'accountEmail' | 'refreshTokenIssuedAt' | 'consentedAt' | 'senderEmail'>>;
  secrets: Record<string, string>;
}

export interface ConsentFlow {
  provider: ProviderName;
  mode: SenderMode;
  usesPkce: boolean;
  /** `context` (settings, secrets) is always passed by the consent machinery; a flow may also read `getConfig()`. */
  authorizationUrl(request: AuthorizationRequest, context?: ProviderContext): string;
  /** Throws MailerError: CONSENT_DECLINED for an `error` answer, a provider code for a failed exchange or check. */
  complete(request: CallbackRequest, context?: ProviderContext): Promise<ConsentOutcome>;
}
