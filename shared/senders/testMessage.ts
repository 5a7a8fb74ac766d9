/**
 * The message "Save and test" sends (seed 000: "Dastra will perform a test send to confirm the
 * validity of the configured address"): its subject and body say it is org-mailer's test and show
 * the configured sender address and alias, so whoever receives it knows what it proves.
 */
import { randomUUID } from 'node:crypto';
import type { OutgoingMail } from '../providers/types';
import type { SenderConfig } from '../model/sender';

const MODE_LABELS: Record<SenderConfig['mode'], string> = {
  admin_consent: 'Microsoft 365, admin consent',
  app_registration: 'Microsoft 365, your own app registration',
  delegated: 'Microsoft 365, signed-in user',
  oauth: 'Google, signed-in user',
  service_account: 'Google Workspace, service account',
};

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function testMessage(config: SenderConfig, to: string): OutgoingMail {
  const lines: Array<[string, string]> = [
    ['Organization', config.orgId],
    ['Sender email', config.senderEmail],
    ['Sender alias', config.senderName],
    ['Connection', MODE_LABELS[config.mode]],
  ];
  const intro = 'This is a test message from org-mailer. It was sent to check the sender configuration below.';
  const outro = 'If it arrived, notifications of this organization go out from this mailbox, under this alias.';
  return {
    id: `sender-test-${randomUUID()}`,
    to: [{ address: to }],
    cc: [],
    bcc: [],
    replyTo: [],
    subject: `org-mailer test message from ${config.senderName} <${config.senderEmail}>`,
    text: [intro, '', ...lines.map(([k, v]) => `${k}: ${v}`), '', outro].join('\n'),
    html:
      `<p>${escapeHtml(intro)}</p><table>` +
      lines.map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('') +
      `</table><p>${escapeHtml(outro)}</p>`,
    attachments: [],
    headers: { 'X-Org-Mailer-Test': 'sender-test' },
  };
}
