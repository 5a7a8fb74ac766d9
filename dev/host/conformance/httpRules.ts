/**
 * The Functions host's rules for HTTP functions, with its messages:
 * - src/WebJobs.Script/Host/ScriptHost.cs (Azure/azure-functions-host) `ValidateHttpFunction`: an empty
 *   route becomes the function name; a route that, trimmed of '/' and lower-cased, starts with "admin"
 *   or "runtime" is refused whatever routePrefix is. `ValidateFunction` + `HttpRoutesConflict`: two
 *   functions whose routes are equal (trimmed of '/', case-insensitive) and whose methods intersect
 *   (no methods = all) conflict.
 * - src/WebJobs.Script/Binding/Extensibility/ScriptBindingContext.cs `GetMetadataEnumValue`: authLevel
 *   must name an AuthorizationLevel.
 * - Route order: FunctionMetadataManager.cs sorts functions by name (OrdinalIgnoreCase) and
 *   src/WebJobs.Script.WebHost/WebScriptHostHttpRoutesManager.cs adds their routes in that order to one
 *   ASP.NET RouteCollection, where the first match wins (no literal-before-parameter precedence). A route
 *   an earlier function always answers first is never reached; the host says nothing, so we do.
 */
import { RouteTemplate } from '../routes';
import { BindingMetadata, FunctionMetadata, triggerBinding } from './metadata';
import { routeTemplateProblem } from './routeTemplate';
import type { Violation } from './violation';

export interface HttpFunctionRoute {
  name: string;
  route: string;
  /** Upper-case; empty = every method. */
  methods: string[];
  authLevel: unknown;
}

/** AuthorizationLevel of Microsoft.Azure.WebJobs.Extensions.Http; the local host serves these three. */
const SERVED_AUTH_LEVELS = ['anonymous', 'function', 'admin'];
const HOST_AUTH_LEVELS = [...SERVED_AUTH_LEVELS, 'user', 'system'];

/** Function names in the order the host adds their routes (OrdinalIgnoreCase compares upper-cased). */
export function byHostOrder(a: { name: string }, b: { name: string }): number {
  const x = a.name.toUpperCase();
  const y = b.name.toUpperCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

export function httpRoutesOf(functions: readonly FunctionMetadata[]): HttpFunctionRoute[] {
  return functions.flatMap((fn) => {
    const binding: BindingMetadata | undefined = triggerBinding(fn);
    if (binding?.type !== 'httpTrigger') return [];
    const route = typeof binding.route === 'string' && binding.route.trim() ? binding.route : fn.name;
    const methods = Array.isArray(binding.methods) ? binding.methods.map((m) => String(m).toUpperCase()) : [];
    return [{ name: fn.name, route, methods, authLevel: binding.authLevel }];
  });
}

const trimSlashes = (route: string) => route.replace(/^\/+|\/+$/g, '');
const methodsMeet = (a: string[], b: string[]) => a.length === 0 || b.length === 0 || a.some((m) => b.includes(m));

function ownViolations(fn: HttpFunctionRoute, routePrefix: string): Violation[] {
  const violations: Violation[] = [];
  const reserved = trimSlashes(fn.route).toLowerCase();
  if (reserved.startsWith('admin') || reserved.startsWith('runtime')) {
    violations.push({
      functionName: fn.name,
      rule: 'reserved-route',
      message: 'The specified route conflicts with one or more built in routes.',
    });
  }
  const level = typeof fn.authLevel === 'string' ? fn.authLevel.toLowerCase() : 'function';
  if (!HOST_AUTH_LEVELS.includes(level)) {
    violations.push({
      functionName: fn.name,
      rule: 'auth-level',
      message: "Error parsing function.json: Invalid value specified for binding property 'authLevel' of enum type AuthorizationLevel.",
    });
  } else if (!SERVED_AUTH_LEVELS.includes(level)) {
    violations.push({
      functionName: fn.name,
      rule: 'auth-level',
      message: `authLevel '${level}' is valid for the host but not served locally (anonymous, function or admin).`,
    });
  }
  const problem = routeTemplateProblem(routePrefix, fn.route);
  if (problem) violations.push({ functionName: fn.name, rule: 'route-template', message: problem });
  return violations;
}

/** A path that only this template (of its shape) matches: literals as written, parameters as samples. */
function samplePath(route: string): string[] {
  const samples: Record<string, string> = {
    int: '7',
    long: '7',
    guid: '00000000-0000-4000-8000-000000000007',
    alpha: 'sampleparameter',
    bool: 'true',
  };
  return trimSlashes(route)
    .split('/')
    .map((segment) => {
      const param = /^\{\*?[A-Za-z_]\w*(?::([a-z]+))?\??\}$/.exec(segment);
      return param ? (samples[param[1] ?? ''] ?? 'sample-parameter-value') : segment;
    });
}

function matches(template: string, path: string[]): boolean {
  try {
    return new RouteTemplate(template).match(path) !== undefined;
  } catch {
    return false; // reported by the route-template rule
  }
}

function pairViolation(earlier: HttpFunctionRoute, later: HttpFunctionRoute): Violation | undefined {
  if (!methodsMeet(earlier.methods, later.methods)) return undefined;
  if (trimSlashes(earlier.route).toLowerCase() === trimSlashes(later.route).toLowerCase()) {
    return {
      functionName: later.name,
      rule: 'route-conflict',
      message: `The route specified conflicts with the route defined by function '${earlier.name}'.`,
    };
  }
  if (!matches(earlier.route, samplePath(later.route))) return undefined;
  return {
    functionName: later.name,
    rule: 'route-unreachable',
    message: `The route '${later.route}' is never reached: the host tries routes in function-name order and function '${earlier.name}' (route '${earlier.route}') answers it first.`,
  };
}

export function httpViolations(functions: readonly FunctionMetadata[], routePrefix: string): Violation[] {
  const routes = httpRoutesOf(functions).sort(byHostOrder);
  const violations = routes.flatMap((fn) => ownViolations(fn, routePrefix));
  routes.forEach((later, i) => {
    const found = routes
      .slice(0, i)
      .map((earlier) => pairViolation(earlier, later))
      .find((v) => v !== undefined);
    if (found) violations.push(found);
  });
  return violations;
}
