/**
 * OutgoingMail -> the JSON body of Graph `POST /users/{id}/sendMail` (and `/me/sendMail`).
 * Shape: https://learn.microsoft.com/graph/api/user-sendmail (docs/providers.md "Microsoft Graph").
 */
import { MailerError } from '../../errors';
import { stableMessageId } from '../../messageId';
import type { MailAddress, OutgoingMail } from '../types';

/** Graph refuses a sendMail request over 4 MB with 413 (4,194,304 characters, measured by the PnP CLI team). */
export const GRAPH_MAX_REQUEST_BYTES = 4 * 1024 * 1024;

interface GraphRecipient {
  emailAddress: { address: string; name?: string };
}

export interface GraphSendMailBody {
  message: {
    subject: string;
    body: { contentType: 'Text' | 'HTML'; content: string };
    from: GraphRecipient;
    toRecipients: GraphRecipient[];
    ccRecipients: GraphRecipient[];
    bccRecipients: GraphRecipient[];
    replyTo: GraphRecipient[];
    attachments?: Array<{ '@odata.type': '#microsoft.graph.fileAttachment'; name: string; contentType: string; contentBytes: string }>;
    internetMessageHeaders?: Array<{ name: string; value: string }>;
    internetMessageId?: string;
  };
  saveToSentItems: boolean;
}

const recipient = (a: MailAddress): GraphRecipient => ({
  emailAddress: a.name ? { address: a.address, name: a.name } : { address: a.address },
});

export interface GraphMessageOptions {
  from: MailAddress;
  /** Used when the message itself names no Reply-To. */
  defaultReplyTo?: string;
  saveToSentItems: boolean;
  /** Leave out internetMessageId (a tenant whose Graph refused it: messageIdFallback.ts). */
  withoutMessageId?: boolean;
}

export function toGraphSendMail(mail: OutgoingMail, options: GraphMessageOptions): GraphSendMailBody {
  // A Graph message has ONE body (itemBody: Text or HTML). When the caller gave both, HTML wins:
  // it is what people see, and Exchange Online derives the text/plain alternative from it when it
  // builds the outgoing MIME, so text-only clients still get readable text.
  const body =
    mail.html !== undefined
      ? { contentType: 'HTML' as const, content: mail.html }
      : { contentType: 'Text' as const, content: mail.text ?? '' };

  const headers = Object.entries(mail.headers ?? {});
  for (const [name] of headers) {
    // Graph answers 400 InvalidInternetMessageHeader for any other name (docs/providers.md).
    if (!/^x-/i.test(name)) {
      throw new MailerError(
        'INVALID_MESSAGE',
        `Custom header "${name}" is not allowed: Microsoft Graph accepts only headers starting with X-.`,
        {
          fields: { headers: name },
        },
      );
    }
  }

  const replyTo = mail.replyTo.length ? mail.replyTo : options.defaultReplyTo ? [{ address: options.defaultReplyTo }] : [];
  const message: GraphSendMailBody['message'] = {
    subject: mail.subject,
    body,
    from: recipient(options.from),
    toRecipients: mail.to.map(recipient),
    ccRecipients: mail.cc.map(recipient),
    bccRecipients: mail.bcc.map(recipient),
    replyTo: replyTo.map(recipient),
    // Writable while the message is new ("Updatable only if isDraft = true", RFC 2822 msg-id form
    // with angle brackets: https://learn.microsoft.com/graph/api/message-update#request-body); no
    // Microsoft page says whether sendMail takes it (docs/providers.md), so a refusal naming it falls
    // back to sending without it (messageIdFallback.ts). The same stable id as Gmail's Message-ID, so
    // a resend of one delivery carries the Message-ID of the first copy and clients can de-duplicate it.
    ...(options.withoutMessageId ? {} : { internetMessageId: stableMessageId(mail.id, options.from.address) }),
  };
  if (mail.attachments.length) {
    // "Inline" in the request: under 3 MB each; bigger files need an upload session and Mail.ReadWrite.
    message.attachments = mail.attachments.map((a) => ({
      '@odata.type': '#microsoft.graph.fileAttachment',
      name: a.name,
      contentType: a.contentType,
      contentBytes: a.content.toString('base64'),
    }));
  }
  if (headers.length) message.internetMessageHeaders = headers.map(([name, value]) => ({ name, value }));
  return { message, saveToSentItems: options.saveToSentItems };
}

/** Serializes the body and refuses it before the round trip when Graph would answer 413. */
export function serializeSendMail(body: GraphSendMailBody): string {
  const json = JSON.stringify(body);
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > GRAPH_MAX_REQUEST_BYTES) {
    throw new MailerError(
      'MS_MESSAGE_TOO_LARGE',
      `The message is ${(bytes / 1024 / 1024).toFixed(1)} MB as a Graph request; Microsoft Graph accepts at most 4 MB per sendMail (attachments included, Base64 adds a third).`,
    );
  }
  return json;
}
