/**
 * Pending consent links in Table `consentstates` (PK = orgId, RK = the state's nonce). A row is
 * written when a consent link is made and holds what must not travel through the browser (the PKCE
 * verifier, the provider URL the start endpoint redirects to). Its life, each step an
 * ETag-conditioned write so two requests racing find it taken:
 *
 * 1. `claim`: the first browser that opens the link records its binding cookie's hash.
 * 2. `consume`: the callback, from that browser only, marks it consumed and wipes the verifier.
 * 3. `park`: what the sign-in proved waits, sealed under the browser's cookie, for Confirm.
 * 4. `takeParked`: Confirm or Cancel, from that browser with the one-time token, takes it once.
 *
 * Consumed rows stay as the record of consumed nonces.
 */
import type { ConsentBinding, ConsentMode } from '../consent/types';
import { sameHash } from '../consent/browser';
import type { ProviderName } from '../model/sender';
import { TABLES } from './names';
import type { StorageClients } from './storageClients';
import { storageFailure, storageStatus } from './storageErrors';

export interface PendingConsent {
  orgId: string;
  nonce: string;
  provider: ProviderName;
  mode: ConsentMode;
  /** PKCE verifier (present for flows that use PKCE). */
  codeVerifier?: string;
  returnUrl?: string;
  /** ISO instant after which the state is refused (it also expires inside the signed state). */
  expiresAt: string;
  /** A continuation step: what the previous step of the same consent proved (never in the browser). */
  binding?: ConsentBinding;
  /** The provider URL our start endpoint sends the browser to. */
  authorizeUrl?: string;
  /** The org's display name given by the SaaS (shown on the confirmation page as text). */
  orgName?: string;
  /** SHA-256 of the binding cookie of the browser that opened the link (absent until one did). */
  browserHash?: string;
}

/** A consent signed in and waiting for Confirm. */
export interface ParkedRow {
  sealed: string;
  orgName?: string;
}

export interface ParkProof {
  browserHash: string;
  confirmHash: string;
}

/** Why a step was refused: `spent` (unknown, used, expired) or `other-browser` (bound to another cookie, or a wrong token). */
export type Refusal = 'spent' | 'other-browser';

export interface ConsentStateStore {
  begin(pending: PendingConsent): Promise<void>;
  /** The pending consent as claimed: by `browserHash` now, or already (by it or another: compare). */
  claim(orgId: string, nonce: string, browserHash: string, now?: number): Promise<PendingConsent | Refusal>;
  /** The pending consent, once, and only for the browser that claimed it. */
  consume(orgId: string, nonce: string, browserHash: string, now?: number): Promise<PendingConsent | Refusal>;
  park(orgId: string, nonce: string, parked: { sealed: string; confirmHash: string; confirmBy: string }): Promise<void>;
  /** The parked consent, once, for the claiming browser presenting the one-time token. */
  takeParked(orgId: string, nonce: string, proof: ParkProof, now?: number): Promise<ParkedRow | Refusal>;
}

interface Row {
  partitionKey: string;
  rowKey: string;
  provider: string;
  mode: string;
  codeVerifier?: string;
  returnUrl?: string;
  expiresAt: string;
  consumedAt?: string;
  boundTenantId?: string;
  boundOid?: string;
  boundUsername?: string;
  authorizeUrl?: string;
  orgName?: string;
  browserHash?: string;
  parked?: string;
  confirmHash?: string;
  confirmBy?: string;
  confirmedAt?: string;
}

type StoredRow = Row & { etag: string };

function pendingOf(row: Row): PendingConsent {
  return {
    orgId: row.partitionKey,
    nonce: row.rowKey,
    provider: row.provider as ProviderName,
    mode: row.mode as ConsentMode,
    expiresAt: row.expiresAt,
    ...(row.codeVerifier ? { codeVerifier: row.codeVerifier } : {}),
    ...(row.returnUrl ? { returnUrl: row.returnUrl } : {}),
    ...(row.boundTenantId ? { binding: { tenantId: row.boundTenantId, oid: row.boundOid ?? '', username: row.boundUsername ?? '' } } : {}),
    ...(row.authorizeUrl ? { authorizeUrl: row.authorizeUrl } : {}),
    ...(row.orgName ? { orgName: row.orgName } : {}),
    ...(row.browserHash ? { browserHash: row.browserHash } : {}),
  };
}

function rowOf(pending: PendingConsent): Row {
  const optional: Partial<Row> = {
    codeVerifier: pending.codeVerifier,
    returnUrl: pending.returnUrl,
    authorizeUrl: pending.authorizeUrl,
    orgName: pending.orgName,
    browserHash: pending.browserHash,
    ...(pending.binding
      ? { boundTenantId: pending.binding.tenantId, boundOid: pending.binding.oid, boundUsername: pending.binding.username }
      : {}),
  };
  const row: Row = {
    partitionKey: pending.orgId,
    rowKey: pending.nonce,
    provider: pending.provider,
    mode: pending.mode,
    expiresAt: pending.expiresAt,
  };
  for (const [name, value] of Object.entries(optional)) if (value) (row as unknown as Record<string, string>)[name] = value;
  return row;
}

export function createConsentStateStore(storage: StorageClients): ConsentStateStore {
  const table = () => storage.table(TABLES.consentStates);

  async function read(orgId: string, nonce: string): Promise<StoredRow | undefined> {
    try {
      return (await (await table()).getEntity<Row>(orgId, nonce)) as StoredRow;
    } catch (error) {
      if (storageStatus(error) === 404) return undefined;
      throw storageFailure(error, `read consent state for ${orgId}`);
    }
  }

  /** An ETag-conditioned merge: false when another request changed (or removed) the row first. */
  async function mergeIf(row: StoredRow, changes: Partial<Row>, what: string): Promise<boolean> {
    try {
      await (await table()).updateEntity({ partitionKey: row.partitionKey, rowKey: row.rowKey, ...changes }, 'Merge', { etag: row.etag });
      return true;
    } catch (error) {
      if (storageStatus(error) === 412 || storageStatus(error) === 404) return false;
      throw storageFailure(error, `${what} for ${row.partitionKey}`);
    }
  }

  const spent = (row: Row | undefined, now: number): row is undefined =>
    !row || Boolean(row.consumedAt) || Date.parse(row.expiresAt) <= now;

  return {
    async begin(pending) {
      try {
        await (await table()).createEntity(rowOf(pending));
      } catch (error) {
        throw storageFailure(error, `record consent link for ${pending.orgId}`);
      }
    },

    async claim(orgId, nonce, browserHash, now = Date.now()) {
      const row = await read(orgId, nonce);
      if (spent(row, now)) return 'spent';
      if (row.browserHash) return sameHash(row.browserHash, browserHash) ? pendingOf(row) : 'other-browser';
      if (await mergeIf(row, { browserHash }, 'claim consent link')) return pendingOf({ ...row, browserHash });
      // Another browser claimed it between our read and our write.
      return 'other-browser';
    },

    async consume(orgId, nonce, browserHash, now = Date.now()) {
      const row = await read(orgId, nonce);
      if (spent(row, now)) return 'spent';
      if (!sameHash(row.browserHash, browserHash)) return 'other-browser';
      if (!(await mergeIf(row, { consumedAt: new Date(now).toISOString(), codeVerifier: '' }, 'consume consent state'))) return 'spent';
      return pendingOf(row);
    },

    async park(orgId, nonce, parked) {
      try {
        await (
          await table()
        ).updateEntity(
          { partitionKey: orgId, rowKey: nonce, parked: parked.sealed, confirmHash: parked.confirmHash, confirmBy: parked.confirmBy },
          'Merge',
        );
      } catch (error) {
        throw storageFailure(error, `hold consent for confirmation for ${orgId}`);
      }
    },

    async takeParked(orgId, nonce, proof, now = Date.now()) {
      const row = await read(orgId, nonce);
      if (!row?.parked || row.confirmedAt || !row.confirmBy || Date.parse(row.confirmBy) <= now) return 'spent';
      if (!sameHash(row.browserHash, proof.browserHash) || !sameHash(row.confirmHash, proof.confirmHash)) return 'other-browser';
      if (!(await mergeIf(row, { confirmedAt: new Date(now).toISOString(), parked: '', confirmHash: '' }, 'take parked consent')))
        return 'spent';
      return { sealed: row.parked, ...(row.orgName ? { orgName: row.orgName } : {}) };
    },
  };
}
