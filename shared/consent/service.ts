/**
 * The provider-neutral consent machinery (docs/security.md): consent links with signed, single-use,
 * 15-minute state and PKCE, bound to the browser that opens them, and the callback that verifies and
 * consumes the state and hands the provider's answer to the flow. A flow may take two steps (a
 * verified sign-in, then a grant): each step has its own single-use state, and what the first proved
 * is held server-side with the second's. What a consent proved is parked, sealed under the
 * browser's cookie, until the admin confirms it; storing it is the appliers' job (they own sender
 * and directory rows). This module never branches on provider name.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Config } from '../config';
import { MailerError } from '../errors';
import type { ProviderContext } from '../providers/module';
import type { ProviderName } from '../model/sender';
import type { ConsentStateStore, PendingConsent, Refusal } from '../store/consentStates';
import { browserHash, CONFIRM_TTL_SECONDS } from './browser';
import { openParked, ParkedConsent, sealParked } from './parked';
import { createPkcePair } from './pkce';
import { ConsentState, newNonce, signState, STATE_TTL_SECONDS, verifyState } from './state';
import {
  purposeKind,
  type ConsentBinding,
  type ConsentFlow,
  type ConsentMode,
  type ConsentOutcome,
  type ConsentPurpose,
  type ConsentPurposeKind,
} from './types';

export interface ConsentLinkRequest {
  provider: ProviderName;
  mode: ConsentMode;
  returnUrl?: string;
  loginHint?: string;
  /** See `AuthorizationRequest.aliasCheck`. */
  aliasCheck?: boolean;
  /** The org's display name from the SaaS, shown (as text) on the confirmation page. */
  orgName?: string;
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
  /** The time links are issued and checked at (the composition root's clock). */
  now: () => number;
}

/** A consent that signed in and waits for the admin's Confirm. */
export interface FinishedConsent {
  state: ConsentState;
  outcome: ConsentOutcome;
  orgName?: string;
}

export interface ConsentService {
  /**
   * `purpose` (a named sender, or a directory connection; absent = the `default` sender) travels in
   * the signed state, so the callback stores into what the consent was for. The URL is our start
   * endpoint, which binds the consent to the browser that opens it.
   */
  createLink(orgId: string, request: ConsentLinkRequest, purpose?: ConsentPurpose): Promise<{ url: string; expiresAt: string }>;
  /**
   * The start endpoint: the first browser that opens a link claims it (its cookie's hash) and is
   * sent to the provider. STATE_INVALID (tampered, expired, used), CONSENT_LINK_CLAIMED (another browser).
   */
  start(stateToken: string | null, browserSecret: string): Promise<string>;
  /**
   * Verifies and consumes the state for the browser that claimed it, then lets the flow finish.
   * Throws STATE_INVALID, CONSENT_BROWSER_MISMATCH, CONSENT_DECLINED, or the flow's provider code;
   * in every case nothing is stored.
   */
  complete(
    provider: string,
    query: URLSearchParams,
    browserSecret: string | undefined,
  ): Promise<FinishedConsent | { state: ConsentState; next: string }>;
  /** Holds a finished consent for Confirm; returns the one-time confirmation token. */
  park(finished: FinishedConsent, browserSecret: string): Promise<string>;
  /** Confirm or Cancel: the parked consent, once, for the same browser with the one-time token. */
  takeParked(orgId: string, nonce: string, token: string, browserSecret: string | undefined): Promise<ParkedConsent & { orgName?: string }>;
  /** The state of a callback when it verifies, without consuming it (to route a declined answer back). */
  peek(query: URLSearchParams): Promise<ConsentState | undefined>;
  /** Is `url` allowed as a return URL (its origin is in RETURN_URL_ALLOWLIST or is PUBLIC_BASE_URL's)? */
  returnUrlAllowed(url: string): boolean;
}

export function startUrl(config: Readonly<Config>, state: string): string {
  return `${config.publicBaseUrl}/api/oauth/start?${new URLSearchParams({ state })}`;
}

const tokenHash = (token: string) => createHash('sha256').update(token).digest('base64url');

/** Each refusal of the store in the words of the step that met it. */
function refused(refusal: Refusal, step: 'start' | 'callback' | 'confirm'): MailerError {
  if (refusal === 'spent') {
    return step === 'confirm'
      ? new MailerError(
          'STATE_INVALID',
          'This confirmation was already answered or has expired; nothing was saved. Start again from the settings page.',
        )
      : new MailerError(
          'STATE_INVALID',
          'This consent link was already used or has expired; nothing was saved. Start again from the settings page.',
        );
  }
  if (step === 'start') return new MailerError('CONSENT_LINK_CLAIMED', 'This consent link was already opened in another browser.');
  return new MailerError('CONSENT_BROWSER_MISMATCH', 'This consent was started in another browser; nothing was saved.');
}

export function redirectUri(config: Readonly<Config>, provider: string): string {
  return `${config.publicBaseUrl}/api/oauth/${provider}/callback`;
}

export function createConsentService(deps: ConsentServiceDeps): ConsentService {
  const { config } = deps;
  const now = deps.now;

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
      throw new MailerError(
        'VALIDATION_FAILED',
        `The ${provider} mode ${mode} takes its credentials in the sender configuration, not by consent.`,
        {
          fields: { mode: `${mode} has no consent link; save its credentials with PUT` },
        },
      );
    }
    return flow;
  }

  /** What every step of one consent carries over from the first: the org's name and the claiming browser. */
  type Carried = Pick<PendingConsent, 'orgName' | 'browserHash'>;

  /**
   * One step's link: a fresh nonce, its pending row (PKCE verifier, the provider URL, and for a
   * continuation what the previous step proved) and the signed state. A continuation exchanges no
   * code, so it has no PKCE; it is already bound to the browser, so it goes to the provider directly.
   */
  async function issue(
    flow: ConsentFlow,
    orgId: string,
    request: Omit<ConsentLinkRequest, 'orgName'>,
    carried: Carried,
    binding?: ConsentBinding,
    purpose?: ConsentPurpose,
  ): Promise<{ state: string; authorizeUrl: string; expiresAt: string }> {
    const nonce = newNonce();
    const pkce = flow.usesPkce && !binding ? createPkcePair() : undefined;
    const issuedAt = now();
    const expiresAt = new Date(issuedAt + STATE_TTL_SECONDS * 1000).toISOString();
    const state = await signState(
      { orgId, provider: request.provider, mode: request.mode, nonce, returnUrl: request.returnUrl, ...(purpose ? { purpose } : {}) },
      config.stateSigningKey,
      issuedAt,
    );
    const authorizeUrl = flow.authorizationUrl(
      {
        state,
        nonce,
        binding,
        codeChallenge: pkce?.challenge,
        redirectUri: redirectUri(config, request.provider),
        loginHint: request.loginHint,
        aliasCheck: request.aliasCheck,
      },
      deps.context,
    );
    // The verifier stays here, server-side; only its challenge goes to the provider.
    await deps.states.begin({
      orgId,
      nonce,
      provider: request.provider,
      mode: request.mode,
      codeVerifier: pkce?.verifier,
      returnUrl: request.returnUrl,
      expiresAt,
      binding,
      authorizeUrl,
      ...carried,
    });
    return { state, authorizeUrl, expiresAt };
  }

  async function verified(token: string | null): Promise<ConsentState> {
    if (!token) throw new MailerError('STATE_INVALID', 'The consent answer carries no state; nothing was saved.');
    return verifyState(token, config.stateSigningKey, now());
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
      const { orgName, ...rest } = request;
      const link = await issue(flow, orgId, rest, { orgName }, undefined, purpose);
      return { url: startUrl(config, link.state), expiresAt: link.expiresAt };
    },

    async start(token, browserSecret) {
      const state = await verified(token);
      const claimed = await deps.states.claim(state.orgId, state.nonce, browserHash(browserSecret), now());
      if (typeof claimed === 'string') throw refused(claimed, 'start');
      if (!claimed.authorizeUrl) throw refused('spent', 'start');
      return claimed.authorizeUrl;
    },

    async peek(query) {
      try {
        return await verified(query.get('state'));
      } catch {
        return undefined;
      }
    },

    async complete(provider, query, browserSecret) {
      const state = await verified(query.get('state'));
      if (state.provider !== provider)
        throw new MailerError('STATE_INVALID', 'The consent answer arrived at the callback of another provider; nothing was saved.');
      if (!browserSecret) throw refused('other-browser', 'callback');
      const pending = await deps.states.consume(state.orgId, state.nonce, browserHash(browserSecret), now());
      if (typeof pending === 'string') throw refused(pending, 'callback');
      const flow = await flowOf(state.provider, state.mode, state.purpose);
      const outcome = await flow.complete(
        {
          query,
          codeVerifier: pending.codeVerifier,
          redirectUri: redirectUri(config, provider),
          orgId: state.orgId,
          nonce: state.nonce,
          binding: pending.binding,
        },
        deps.context,
      );
      if ('continueWith' in outcome) {
        // The proof goes into the NEXT state's server-side row; the browser only carries the new state.
        const carried = { orgName: pending.orgName, browserHash: pending.browserHash };
        const next = await issue(
          flow,
          state.orgId,
          { provider: state.provider, mode: state.mode, returnUrl: pending.returnUrl },
          carried,
          outcome.continueWith,
          state.purpose,
        );
        return { state, next: next.authorizeUrl };
      }
      return { state, outcome, ...(pending.orgName ? { orgName: pending.orgName } : {}) };
    },

    async park(finished, browserSecret) {
      const token = randomBytes(32).toString('base64url');
      const sealed = await sealParked({ state: finished.state, outcome: finished.outcome }, browserSecret, config.stateSigningKey);
      const confirmBy = new Date(now() + CONFIRM_TTL_SECONDS * 1000).toISOString();
      await deps.states.park(finished.state.orgId, finished.state.nonce, { sealed, confirmHash: tokenHash(token), confirmBy });
      return token;
    },

    async takeParked(orgId, nonce, token, browserSecret) {
      if (!browserSecret) throw refused('other-browser', 'confirm');
      const taken = await deps.states.takeParked(
        orgId,
        nonce,
        { browserHash: browserHash(browserSecret), confirmHash: tokenHash(token) },
        now(),
      );
      if (typeof taken === 'string') throw refused(taken, 'confirm');
      const parked = await openParked(taken.sealed, browserSecret, config.stateSigningKey, nonce);
      return { ...parked, ...(taken.orgName ? { orgName: taken.orgName } : {}) };
    },
  };
}
