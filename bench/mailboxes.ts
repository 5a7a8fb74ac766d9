/**
 * The sandbox mailboxes of the fairness benchmark's flooding orgs: Contoso's seeded world has only
 * two usable ones besides the quiet org's, and the scenario gives each of ten orgs its own
 * sender and mailbox. The bench stack (bench/stack.ts, the process that hosts the sandbox) adds
 * them to the sandbox's Microsoft world before every child, since `POST /_sandbox/reset` (the
 * directory benchmark) reseeds the world. Contoso's app may send from them: they go on its
 * application access policy too.
 */
import type { Sandbox } from '../dev/sandbox/server';
import { CONTOSO_APP_ID, CONTOSO_TENANT_ID } from '../dev/sandbox/world';

/** The most flooding orgs `--flood-orgs` accepts (bench/options.ts). */
export const MAX_FLOOD_MAILBOXES = 20;

export const floodMailbox = (i: number) => `bench-flood-${String(i + 1).padStart(2, '0')}@contoso.example`;

const floodUserId = (i: number) => `b0000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`;

export function addFloodMailboxes(sandbox: Sandbox): void {
  const world = sandbox.microsoft;
  const grant = world.grants.find((g) => g.tenantId === CONTOSO_TENANT_ID && g.clientId === CONTOSO_APP_ID);
  for (let i = 0; i < MAX_FLOOD_MAILBOXES; i++) {
    const id = floodUserId(i);
    if (world.users.some((u) => u.id === id)) continue;
    world.users.push({
      id,
      tenantId: CONTOSO_TENANT_ID,
      userPrincipalName: floodMailbox(i),
      displayName: `Bench flood ${i + 1}`,
      mailboxEnabled: true,
      shared: false,
      globalAdmin: false,
      sendAs: [],
      canSignIn: true,
    });
    if (grant?.accessPolicyUserIds && !grant.accessPolicyUserIds.includes(id)) grant.accessPolicyUserIds.push(id);
  }
}
