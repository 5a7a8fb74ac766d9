/**
 * Azure Functions route templates (ASP.NET Core routing syntax) for the local host:
 * literal segments (matched case-insensitively, as ASP.NET does), `{name}`, optional `{name?}`
 * (trailing segments only), constraints `{name:int}` / `:guid` / `:alpha` / `:bool`, and a
 * catch-all `{*rest}` as the last segment. Parameters reach the handler URL-decoded as Kestrel decodes
 * the path, except an encoded slash: Kestrel keeps `%2F` as it is ("PathDecoder.DecodePath ...
 * deliberately preserves %2F", https://github.com/dotnet/aspnetcore/pull/65930) and routing decodes
 * nothing further (https://github.com/aspnet/Mvc/issues/6388), so `a%2Fb` reaches a function as `a%2Fb`.
 * https://learn.microsoft.com/azure/azure-functions/functions-bindings-http-webhook-trigger#customize-the-http-endpoint
 */

export type RouteParams = Record<string, string>;

interface Segment {
  literal?: string;
  name?: string;
  optional?: boolean;
  catchAll?: boolean;
  constraint?: (value: string) => boolean;
}

const CONSTRAINTS: Record<string, (value: string) => boolean> = {
  int: (v) => /^-?\d+$/.test(v),
  long: (v) => /^-?\d+$/.test(v),
  guid: (v) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v),
  alpha: (v) => /^[a-z]+$/i.test(v),
  bool: (v) => /^(true|false)$/i.test(v),
};

function parseSegment(raw: string, template: string): Segment {
  const param = /^\{(\*)?([A-Za-z_][A-Za-z0-9_]*)(?::([a-z]+))?(\?)?\}$/.exec(raw);
  if (!param) {
    if (/[{}]/.test(raw)) throw new Error(`route "${template}": unsupported segment "${raw}"`);
    return { literal: raw.toLowerCase() };
  }
  const [, star, name, constraintName, question] = param;
  const constraint = constraintName ? CONSTRAINTS[constraintName] : undefined;
  if (constraintName && !constraint) throw new Error(`route "${template}": unsupported constraint "${constraintName}"`);
  return { name, catchAll: Boolean(star), optional: Boolean(question) || Boolean(star), constraint };
}

export class RouteTemplate {
  private readonly segments: Segment[];

  constructor(readonly template: string) {
    this.segments = template
      .split('/')
      .filter(Boolean)
      .map((s) => parseSegment(s, template));
    this.segments.forEach((segment, i) => {
      const last = i === this.segments.length - 1;
      if (segment.catchAll && !last) throw new Error(`route "${template}": a catch-all must be the last segment`);
      if (segment.optional && !last && !this.segments.slice(i + 1).every((s) => s.optional)) {
        throw new Error(`route "${template}": only trailing segments may be optional`);
      }
    });
  }

  /** The route parameters when `pathSegments` (raw, still URL-encoded) match, else undefined. */
  match(pathSegments: string[]): RouteParams | undefined {
    const params: RouteParams = {};
    for (let i = 0; i < this.segments.length; i++) {
      const segment = this.segments[i];
      const raw = pathSegments[i];
      if (segment.catchAll) {
        if (pathSegments.length > i) params[segment.name!] = pathSegments.slice(i).map(safeDecode).join('/');
        return params;
      }
      if (raw === undefined) {
        if (segment.optional) continue;
        return undefined;
      }
      const value = safeDecode(raw);
      if (segment.literal !== undefined) {
        if (value.toLowerCase() !== segment.literal) return undefined;
      } else {
        if (segment.constraint && !segment.constraint(value)) return undefined;
        params[segment.name!] = value;
      }
    }
    return pathSegments.length <= this.segments.length ? params : undefined;
  }
}

function safeDecode(segment: string): string {
  return segment
    .split(/(%2F)/i)
    .map((part, i) => (i % 2 === 1 ? part : decodeOrKeep(part)))
    .join('');
}

function decodeOrKeep(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
