/**
 * The per-org admin-link generation (control row `adminlinks` of Table `senders`). Every link is
 * signed with the generation current at that moment; revoking moves it on by one, so every link
 * issued before stops working at once, on every instance (each admin call reads the row: these
 * calls are few, and a cached value would let a revoked link live on elsewhere).
 */
import { CONTROL_ROWS, OrgControlStore } from '../store/orgControls';

export interface AdminLinkGenerations {
  /** The org's current generation (0 until the first revoke). */
  current(orgId: string): Promise<number>;
  /** Invalidates every link of the org issued so far; returns the new generation. */
  revoke(orgId: string): Promise<number>;
}

const generationOf = (values: Record<string, unknown> | undefined): number => {
  const n = Number(values?.generation ?? 0);
  return Number.isInteger(n) && n >= 0 ? n : 0;
};

export function createAdminLinkGenerations(store: OrgControlStore): AdminLinkGenerations {
  return {
    async current(orgId) {
      return generationOf(await store.read(orgId, CONTROL_ROWS.adminLinks));
    },
    async revoke(orgId) {
      return store.update(orgId, CONTROL_ROWS.adminLinks, (values) => {
        const next = generationOf(values) + 1;
        return { write: { generation: next, revokedAt: new Date().toISOString() }, result: next };
      });
    },
  };
}
