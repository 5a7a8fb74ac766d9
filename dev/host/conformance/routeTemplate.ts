/**
 * Whether the host's router accepts a route template, with ASP.NET Core's own message when it does not.
 * The Functions host maps each HTTP function with `routePrefix + '/' + route` as an ASP.NET Core route
 * (src/WebJobs.Extensions.Http/Routing/WebJobsRouteBuilder.cs of Azure/azure-webjobs-sdk-extensions),
 * parsed by RoutePatternParser; the messages are those of dotnet/aspnetcore
 * src/Http/Routing/src/Resources.resx, as its RoutePatternParserTest expects them.
 * Templates ASP.NET accepts but the local router (dev/host/routes.ts) does not serve (several parts in
 * one segment, optional parameters before the end, constraints it lacks) are refused too, saying so.
 */
import { RouteTemplate } from '../routes';

export const ASPNET = {
  consecutiveSeparators:
    "The route template separator character '/' cannot appear consecutively. It must be separated by either a parameter or a literal value.",
  incompleteParameter:
    "There is an incomplete parameter in the route template. Check that each '{' character has a matching '}' character.",
  catchAllMultiSection:
    'A path segment that contains more than one section, such as a literal section or a parameter, cannot contain a catch-all parameter.',
  catchAllNotLast: 'A catch-all parameter can only appear as the last segment of the route template.',
  catchAllOptional: 'A catch-all parameter cannot be marked optional.',
  consecutiveParameters:
    "A path segment cannot contain two consecutive parameters. They must be separated by a '/' or by a literal string.",
  repeatedParameter: (name: string) => `The route parameter name '${name}' appears more than one time in the route template.`,
  invalidParameterName: (name: string) =>
    `The route parameter name '${name}' is invalid. Route parameter names must be non-empty and cannot contain these characters: '{', '}', '/'. The '?' character marks a parameter as optional, and can occur only at the end of the parameter. The '*' character marks a parameter as catch-all, and can occur only at the start of the parameter.`,
  invalidLiteral: (literal: string) => `The literal section '${literal}' is invalid. Literal sections cannot contain the '?' character.`,
  unknownConstraint: (name: string) =>
    `The constraint reference '${name}' could not be resolved to a type. Register the constraint type with 'Microsoft.AspNetCore.Routing.RouteOptions.ConstraintMap'.`,
};

/** ASP.NET Core's built-in inline constraints (https://learn.microsoft.com/aspnet/core/fundamentals/routing#route-constraints). */
const ASPNET_CONSTRAINTS = new Set([
  'int',
  'bool',
  'datetime',
  'decimal',
  'double',
  'float',
  'guid',
  'long',
  'minlength',
  'maxlength',
  'length',
  'min',
  'max',
  'range',
  'alpha',
  'regex',
  'required',
  'nonfile',
  'file',
]);

interface Part {
  literal?: string;
  parameter?: string;
}

/** Splits a segment into literal and `{parameter}` parts; undefined when the braces do not pair. */
function partsOf(segment: string): Part[] | undefined {
  const parts: Part[] = [];
  const pattern = /\{([^{}]*)\}|([^{}]+)/gy;
  let match: RegExpExecArray | null;
  while (pattern.lastIndex < segment.length && (match = pattern.exec(segment))) {
    parts.push(match[1] !== undefined ? { parameter: match[1] } : { literal: match[2] });
  }
  return pattern.lastIndex === segment.length || segment.length === 0 ? parts : undefined;
}

/** The ASP.NET message for one `{...}` parameter's text, or undefined; collects its name. */
function parameterProblem(text: string, names: Set<string>): string | undefined {
  const m = /^(\*{1,2})?([^:=?*]*)((?::[^:?=]+(?:\([^)]*\))?)*)(=[^?]*)?(\?)?$/.exec(text);
  if (!m || !m[2] || /[{}/]/.test(m[2])) return ASPNET.invalidParameterName(m?.[2] ?? text);
  if (m[1] && m[5]) return ASPNET.catchAllOptional;
  const key = m[2].toLowerCase();
  if (names.has(key)) return ASPNET.repeatedParameter(m[2]);
  names.add(key);
  for (const constraint of m[3].split(':').filter(Boolean)) {
    const name = constraint.replace(/\(.*$/, '');
    if (!ASPNET_CONSTRAINTS.has(name.toLowerCase())) return ASPNET.unknownConstraint(name);
  }
  return undefined;
}

function segmentProblem(segment: string, last: boolean, names: Set<string>): string | undefined {
  const parts = partsOf(segment);
  if (!parts) return ASPNET.incompleteParameter;
  for (const [i, part] of parts.entries()) {
    if (part.literal !== undefined && part.literal.includes('?')) return ASPNET.invalidLiteral(part.literal);
    if (part.parameter === undefined) continue;
    if (parts[i - 1]?.parameter !== undefined) return ASPNET.consecutiveParameters;
    const problem = parameterProblem(part.parameter, names);
    if (problem) return problem;
    if (part.parameter.startsWith('*') && parts.length > 1) return ASPNET.catchAllMultiSection;
    if (part.parameter.startsWith('*') && !last) return ASPNET.catchAllNotLast;
  }
  return undefined;
}

/** The full template the host maps (`<routePrefix>/<route>`): undefined when ASP.NET and the local router accept it. */
export function routeTemplateProblem(routePrefix: string, route: string): string | undefined {
  const template = routePrefix ? `${routePrefix}/${route}` : route;
  const segments = template.replace(/^\//, '').split('/');
  if (template !== '' && segments.some((s, i) => s === '' && i < segments.length - 1)) return ASPNET.consecutiveSeparators;
  const names = new Set<string>();
  for (const [i, segment] of segments.entries()) {
    const problem = segmentProblem(segment, i === segments.length - 1, names);
    if (problem) return problem;
  }
  try {
    new RouteTemplate(route);
  } catch (error) {
    return `The host accepts this template but the local host cannot serve it: ${(error as Error).message}.`;
  }
  return undefined;
}
