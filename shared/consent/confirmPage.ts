/**
 * The page between the provider's answer and anything being saved: "Connect <who> to <org> (<id>)
 * in <platform>?" with Confirm and Cancel. Everything it names was proved (the ID token's account,
 * the granted tenant) or signed by us (org id, the SaaS's org name); nothing comes from the query.
 * It is the defence against a forwarded link: the person who signed in sees whose org this joins.
 */
import type { PendingConfirmation } from './callback';
import { escapeHtml, renderPage, RenderedPage } from './pageShell';
import type { ConsentMode, ConsentPurposeKind } from './types';

export const CONFIRM_PATH = '/api/oauth/confirm';

const PROVIDER_LABELS: Readonly<Record<string, string>> = { microsoft: 'Microsoft 365', google: 'Google Workspace' };

export interface ConfirmPageInput {
  confirmation: PendingConfirmation;
  provider: string;
  mode?: ConsentMode;
  purpose?: ConsentPurposeKind;
  /** How the admin knows the platform (the host they reached it on). */
  platform: string;
  /** Where the form may post and be redirected to. */
  formOrigins: readonly string[];
}

/** What Confirm lets the org do, in plain words. */
function allows(input: ConfirmPageInput, org: string): string {
  if (input.purpose === 'directory') return `${input.platform} will read the users and groups of this directory for ${org}.`;
  if (input.mode === 'admin_consent') return `${input.platform} will send ${org}'s email from mailboxes of this Microsoft 365 tenant.`;
  return `${input.platform} will send ${org}'s email from this account.`;
}

export function confirmPage(input: ConfirmPageInput): RenderedPage {
  const c = input.confirmation;
  const provider = PROVIDER_LABELS[input.provider] ?? input.provider;
  const who = c.identity ?? (c.tenantId ? `tenant ${c.tenantId}` : `this ${provider} account`);
  const org = c.orgName ?? `organization ${c.orgId}`;
  const rows: [string, string][] = [
    ['Organization', c.orgName ? `${c.orgName} (${c.orgId})` : c.orgId],
    ['Signed in as', c.identity ?? 'unknown'],
    ...(c.tenantId ? ([['Tenant', c.tenantId]] as [string, string][]) : []),
    ['Service', provider],
  ];
  const hidden = { orgId: c.orgId, nonce: c.nonce, token: c.token };
  const body = `<p class="eyebrow">${escapeHtml(input.platform)} · one more step</p>
<h1>Connect ${escapeHtml(who)} to ${escapeHtml(c.orgName ?? c.orgId)} (<code>${escapeHtml(c.orgId)}</code>) in ${escapeHtml(input.platform)}?</h1>
<div class="panel"><dl>${rows.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl></div>
<p class="warn">${escapeHtml(allows(input, org))} Confirm only if you started this yourself from ${escapeHtml(org)}'s settings. If someone sent you this link, choose Cancel.</p>
<form method="post" action="${CONFIRM_PATH}">
${Object.entries(hidden)
  .map(([k, v]) => `<input type="hidden" name="${k}" value="${escapeHtml(v)}">`)
  .join('\n')}
<div class="actions"><button class="confirm" type="submit" name="decision" value="confirm">Confirm and connect</button>
<button class="cancel" type="submit" name="decision" value="cancel">Cancel</button></div>
</form>`;
  return renderPage(`Connect to ${c.orgName ?? c.orgId}?`, body, input.formOrigins);
}
