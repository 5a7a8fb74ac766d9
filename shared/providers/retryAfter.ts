/**
 * Parses an HTTP `Retry-After` value into seconds. RFC 9110 section 10.2.3 allows a whole number of
 * seconds or an HTTP-date; Microsoft Graph also sends fractional seconds ("2.128", docs/providers.md),
 * so any non-negative decimal is accepted. Returns undefined for a missing or unreadable value.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (!text) return undefined;
  if (/^\d+(?:\.\d+)?$/.test(text)) return Number(text);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, (date - now) / 1000);
}
