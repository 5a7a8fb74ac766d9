/**
 * The delivery status the API shows (`GET /api/orgs/{orgId}/messages/{id}` and the list): what
 * happened, through which sender and why, without lease internals. Never the message body.
 */
import type { ErrorCode } from '../errors';
import type { DeliveryRecord } from '../store/deliveryStore';

/** The row without lease internals; the failure as one `error` object. */
export type DeliveryView = Omit<DeliveryRecord, 'leaseOwner' | 'leaseUntil' | 'etag' | 'code' | 'message' | 'hint'> & {
  /** The last failure (while `retrying`) or the final one (`failed`). */
  error?: { code: ErrorCode; message?: string; hint?: string };
};

export function toView(record: DeliveryRecord): DeliveryView {
  const { leaseOwner: _owner, leaseUntil: _until, etag: _etag, code, message, hint, ...shown } = record;
  const view: DeliveryView = { ...shown };
  if (code && record.status !== 'sent') view.error = { code, message, hint };
  return view;
}
