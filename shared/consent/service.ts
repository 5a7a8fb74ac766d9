/**
 * The provider-neutral consent machinery (docs/api.md): consent links with signed,
 * single-use, 15-minute state and PKCE, and the callback that verifies and consumes the state and
 * hands the provider's answer to the flow. A flow may take two steps (a verified sign-in, then a
 * grant): each step has its own single-use state, and what the first proved is held server-side
 * with the second's. Storing what the flow returns is the sender service's
 * job (it owns sender rows); this module never branches on provider name.
 */
import type { Config } from '../config';
import { MailerError } from '../errors';
import type { ProviderContext } from '../providers/module';
import type { ProviderName } from '../senders/model';
import type { ConsentStateStore } from '../store/consentStates';
import { createPkcePair } from './pkce';
import { ConsentState, newNonce, signState, STATE_TTL_SECONDS, verifyState } from './state';
import { purposeKind, type ConsentBinding, type ConsentFlow, type ConsentMode, type ConsentOutcome, type ConsentPurpose, type ConsentPurposeKind } from './types';

export interface ConsentLinkRequest {
  provider: ProviderName;
  mode: ConsentMode;
  returnUrl?: string;
  loginHint?: string;
  /** See `AuthorizationRequest.aliasCheck`. */
  aliasCheck?: boolean;
}

export interface ConsentServiceDeps {
  config: Readonly<Config>;
  states: ConsentStateStore;
  context: ProviderContext;
  /**
   * The flow table: the flow of a provider's mode for a kind of consent (sender or directory).
   * Async: a provider's module (and its SDKs) loads on first use (shared/providers/index.ts).
   */
  flowFor(provider: ProviderName, mode: ConsentMode, kind: ConsentPurposeKind): Promise<ConsentFlow | undefined>;
  now?: () => number;
}

export interface ConsentService {
  /**
   * `purpose` (a named sender, or a directory connection; absent = the `default` sender) travels in
   * the signed state, so the callback stores into what the consent was for.
   */
  createLink(orgId: string, request: ConsentLinkRequest, purpose?: ConsentPurpose): Promise<{ url: string; expiresAt: string }>;
  /**
   * Verifies and consumes the state, then lets the flow finish. Throws STATE_INVALID (tampered,
   * expired, replayed), CONSENT_DECLINED, or the flow's provider code; in every case nothing is stored.
   */
  complete(provider: string, query: URLSearchParams): Promise<{ state: ConsentState; outcome: ConsentOutcome } | { state: ConsentState; next: string }>;
  /** The state of a callback when it verifies, without consuming it (to route a declined answer back). */
  peek(query: URLSearchParams): Promise<ConsentState | undefined>;
  /** Is `url` allowed as a return URL (its origin is in RETURN_URL_ALLOWLIST or is PUBLIC_BASE_URL's)? */
  returnUrlAllowed(url: string): boolean;
}

export function redirectUri(config: Readonly<Config>, provider: string): string {
  return `${config.publicBaseUrl}/api/oauth/${provider}/callback`;
}

export function createConsentService(deps: ConsentServiceDeps): ConsentService {
  const { config } = deps;
  const now = deps.now ?? Date.now;

  function returnUrlAllowed(url: string): boolean {
    try {
      return config.returnUrlAllowlist.includes(new URL(url).origin);
    } catch {
      return false;
    }
  }

  async function flowOf(provider: ProviderName, mode: ConsentMode, purpose: ConsentPurpose | undefined): Promise<ConsentFlow> {
    const flow = await deps.flowFor(provider, mode, purposeKind(purpose));
    if (!flow) {
      throw new MailerError('VALIDATION_FAILED', `The ${provider} mode ${mode} takes its credentials in the sender configuration, not by consent.`, {
        fields: { mode: `${mode} has no consent link; save its credentials with PUT` },
      });
    }
    return flow;
  }

  /**
   * One step's link: a fresh nonce, its pending row (PKCE verifier, and for a continuation what the
   * previous step proved) and the signed state. A continuation exchanges no code, so it has no PKCE.
   */
  async function issue(
    flow: ConsentFlow,
    orgId: string,
    request: Pick<ConsentLinkRequest, 'provider' | 'mode' | 'returnUrl' | 'loginHint' | 'aliasCheck'>,
    binding?: ConsentBinding,
    purpose?: ConsentPurpose,
  ): Promise<{ url: string; expiresAt: string }> {
    const nonce = newNonce();
    const pkce = flow.usesPkce && !binding ? createPkcePair() : undefined;
    const issuedAt = now();
    const expiresAt = new Date(issuedAt + STATE_TTL_SECONDS * 1000).toISOString();
    // The verifier stays here, server-side; only its challenge goes to the provider.
    await deps.states.begin({ orgId, nonce, provider: request.provider, mode: request.mode, codeVerifier: pkce?.verifier, returnUrl: request.returnUrl, expiresAt, binding });
    const state = await signState({ orgId, provider: request.provider, mode: request.mode, nonce, returnUrl: request.returnUrl, ...(purpose ? { purpose } : {}) }, config.stateSigningKey, issuedAt);
    const url = flow.authorizationUrl(
      { state, nonce, binding, codeChallenge: pkce?.challenge, redirectUri: redirectUri(config, request.provider), loginHint: request.loginHint, aliasCheck: request.aliasCheck },
      deps.context,
    );
    return { url, expiresAt };
  }

  return {
    returnUrlAllowed,

    async createLink(orgId, request, purpose) {
      const flow = await flowOf(request.provider, request.mode, purpose);
      if (request.returnUrl !== undefined && !returnUrlAllowed(request.returnUrl)) {
        throw new MailerError('RETURN_URL_NOT_ALLOWED', `The return URL's origin is not allowed.`, {
          fields: { returnUrl: 'origin is not in RETURN_URL_ALLOWLIST' },
        });
      }
      return issue(flow, orgId, request, undefined, purpose);
    },

    async peek(query) {
      const token = query.get('state');
      if (!token) return undefined;
      try {
        return await verifyState(token, config.stateSigningKey, now());
      } catch {
        return undefined;
      }
    },

    async complete(provider, query) {
      const token = query.get('state');
      if (!token) throw new MailerError('STATE_INVALID', 'The consent answer carries no state; nothing was saved.');
      const state = await verifyState(token, config.stateSigningKey, now());
      if (state.provider !== provider) throw new MailerError('STATE_INVALID', 'The consent answer arrived at the callback of another provider; nothing was saved.');
      const pending = await deps.states.consume(state.orgId, state.nonce, now());
      if (!pending) throw new MailerError('STATE_INVALID', 'This consent link was already used or has expired; nothing was saved. Start again from the settings page.');
      const flow = await flowOf(state.provider, state.mode, state.purpose);
      const outcome = await flow.complete(
        { query, codeVerifier: pending.codeVerifier, redirectUri: redirectUri(config, provider), orgId: state.orgId, nonce: state.nonce, binding: pending.binding },
        deps.context,
      );
      if ('continueWith' in outcome) {
        // The proof goes into the NEXT state's server-side row; the browser only carries the new state.
        const next = await issue(flow, state.orgId, { provider: state.provider, mode: state.mode, returnUrl: pending.returnUrl }, outcome.continueWith, state.purpose);
        return { state, next: next.url };
      }
      return { state, outcome };
    },
  };
}
