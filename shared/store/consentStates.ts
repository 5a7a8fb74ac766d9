/**
 * Pending consent links in Table `consentstates` (PK = orgId, RK = the state's nonce). A row is
 * written when a consent link is made and holds what must not travel through the browser (the PKCE
 * verifier); the callback CONSUMES it exactly once: an ETag-conditioned update marks it consumed and
 * wipes the verifier, so a replayed state (or two callbacks racing) finds it spent. Consumed rows
 * stay as the record of consumed nonces.
 */
import type { ConsentBinding, ConsentMode } from '../consent/types';
import type { ProviderName } from '../senders/model';
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
}

export interface ConsentStateStore {
  begin(pending: PendingConsent): Promise<void>;
  /** The pending consent, once; undefined when unknown, already consumed or expired. */
  consume(orgId: string, nonce: string, now?: number): Promise<PendingConsent | undefined>;
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
}

export function createConsentStateStore(storage: StorageClients): ConsentStateStore {
  const table = () => storage.table(TABLES.consentStates);
  return {
    async begin(pending) {
      const client = await table();
      const row: Row = {
        partitionKey: pending.orgId,
        rowKey: pending.nonce,
        provider: pending.provider,
        mode: pending.mode,
        expiresAt: pending.expiresAt,
        ...(pending.codeVerifier ? { codeVerifier: pending.codeVerifier } : {}),
        ...(pending.returnUrl ? { returnUrl: pending.returnUrl } : {}),
        ...(pending.binding ? { boundTenantId: pending.binding.tenantId, boundOid: pending.binding.oid, boundUsername: pending.binding.username } : {}),
      };
      try {
        await client.createEntity(row);
      } catch (error) {
        throw storageFailure(error, `record consent link for ${pending.orgId}`);
      }
    },

    async consume(orgId, nonce, now = Date.now()) {
      const client = await table();
      let row: Row & { etag: string };
      try {
        row = (await client.getEntity<Row>(orgId, nonce)) as Row & { etag: string };
      } catch (error) {
        if (storageStatus(error) === 404) return undefined;
        throw storageFailure(error, `read consent state for ${orgId}`);
      }
      if (row.consumedAt || Date.parse(row.expiresAt) <= now) return undefined;
      try {
        await client.updateEntity(
          { partitionKey: orgId, rowKey: nonce, consumedAt: new Date(now).toISOString(), codeVerifier: '' },
          'Merge',
          { etag: row.etag },
        );
      } catch (error) {
        // 412: another callback consumed it between our read and write.
        if (storageStatus(error) === 412 || storageStatus(error) === 404) return undefined;
        throw storageFailure(error, `consume consent state for ${orgId}`);
      }
      return {
        orgId,
        nonce,
        provider: row.provider as ProviderName,
        mode: row.mode as ConsentMode,
        expiresAt: row.expiresAt,
        ...(row.codeVerifier ? { codeVerifier: row.codeVerifier } : {}),
        ...(row.returnUrl ? { returnUrl: row.returnUrl } : {}),
        ...(row.boundTenantId ? { binding: { tenantId: row.boundTenantId, oid: row.boundOid ?? '', username: row.boundUsername ?? '' } } : {}),
      };
    },
  };
}
