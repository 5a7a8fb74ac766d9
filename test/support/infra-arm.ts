/**
 * A dry run of the compiled ARM template: evaluates its template-language expressions for given
 * parameter values, expands copy loops and conditions, descends into the nested deployments the
 * modules compile to, and returns every resource that would be deployed with its values resolved.
 * So a test checks a setting built by an expression or a loop by its value, not by the source text.
 *
 * Only what Azure knows at deployment time stays symbolic: a runtime property read with reference()
 * becomes the string `{{<resource id>.<property path>}}` (e.g. a vault's vaultUri), and
 * subscription/tenant ids are fixed placeholders. Unknown functions throw, so a template that starts
 * using one fails loudly here instead of being half-checked.
 * https://learn.microsoft.com/azure/azure-resource-manager/templates/template-expressions
 * https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions
 */
import { createHash } from 'node:crypto';
import type { ArmTemplate } from './infra-compiler';

type Json = unknown;
type Ast =
  | { kind: 'lit'; value: Json }
  | { kind: 'call'; name: string; args: Ast[] }
  | { kind: 'prop'; target: Ast; name: string }
  | { kind: 'index'; target: Ast; index: Ast };

/** A value only Azure knows at deployment time: a property of a deployed resource. */
class Runtime {
  constructor(readonly path: string) {}
  toString(): string {
    return `{{${this.path}}}`;
  }
}

export const SUBSCRIPTION_ID = '00000000-0000-0000-0000-00000000a2b1';
export const TENANT_ID = '00000000-0000-0000-0000-0000000071e0';

export interface DeployedResource {
  type: string;
  name: string;
  id: string;
  /** Symbolic or array position path of the nested deployments it sits in, e.g. "api". */
  deployment: string;
  scope?: string;
  properties: Record<string, Json>;
  body: Record<string, Json>;
}

export interface Deployment {
  resources: DeployedResource[];
  outputs: Record<string, Json>;
}

function parse(source: string): Ast {
  let i = 0;
  const ws = () => {
    while (/\s/.test(source[i] ?? '')) i++;
  };
  const expr = (): Ast => {
    ws();
    let node: Ast;
    if (source[i] === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= source.length) throw new Error(`unterminated string in ${source}`);
        if (source[i] === "'" && source[i + 1] === "'") {
          value += "'";
          i += 2;
        } else if (source[i] === "'") break;
        else value += source[i++];
      }
      i++;
      node = { kind: 'lit', value };
    } else if (/[-0-9]/.test(source[i])) {
      const m = /^-?\d+/.exec(source.slice(i))!;
      i += m[0].length;
      node = { kind: 'lit', value: Number(m[0]) };
    } else {
      const m = /^[A-Za-z_][\w.]*/.exec(source.slice(i));
      if (!m) throw new Error(`cannot parse ${JSON.stringify(source)} at ${i}`);
      i += m[0].length;
      ws();
      if (source[i] !== '(') throw new Error(`expected ( after ${m[0]} in ${source}`);
      i++;
      const args: Ast[] = [];
      ws();
      while (source[i] !== ')') {
        args.push(expr());
        ws();
        if (source[i] === ',') i++;
        ws();
      }
      i++;
      node = { kind: 'call', name: m[0], args };
    }
    for (;;) {
      ws();
      if (source[i] === '.') {
        const m = /^\.([A-Za-z_$][\w$]*)/.exec(source.slice(i))!;
        i += m[0].length;
        node = { kind: 'prop', target: node, name: m[1] };
      } else if (source[i] === '[') {
        i++;
        const index = expr();
        ws();
        i++;
        node = { kind: 'index', target: node, index };
      } else return node;
    }
  };
  const ast = expr();
  ws();
  if (i !== source.length) throw new Error(`trailing text in expression ${source}`);
  return ast;
}

const isExpression = (s: string) => s.startsWith('[') && s.endsWith(']') && !s.startsWith('[[');
const str = (v: Json): string =>
  v instanceof Runtime ? v.toString() : typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
const hash = (parts: Json[]) => createHash('sha256').update(parts.map(str).join('\0')).digest('hex');
const known = (v: Json, fn: string): Json => {
  if (v instanceof Runtime) throw new Error(`${fn}() of a runtime value ${v}: not known before deployment`);
  return v;
};

interface Scope {
  parameters: Record<string, Json>;
  variables: Record<string, Ast | Json>;
  template: ArmTemplate;
  resourceGroup: string;
  deployment: string;
  copy: Record<string, number>;
  lambda: Record<string, Json>;
  deployments: Map<string, Deployment>;
  userFunctions: Record<string, { parameters: Array<{ name: string }>; output: { value: Json } }>;
}

function resourceId(scope: Scope, type: string, names: string[]): string {
  const [namespace, ...types] = type.split('/');
  const segments = types.flatMap((t, k) => [t, names[k]]);
  // Outside any resource group (the subscription-scope main template) ids are subscription-level.
  const base =
    type === 'Microsoft.Resources/resourceGroups' || !scope.resourceGroup
      ? `/subscriptions/${SUBSCRIPTION_ID}`
      : `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${scope.resourceGroup}`;
  return type === 'Microsoft.Resources/resourceGroups'
    ? `${base}/resourceGroups/${names[0]}`
    : `${base}/providers/${namespace}/${segments.join('/')}`;
}

const isObject = (v: Json): v is Record<string, Json> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Runtime);
function union(a: Json, b: Json): Json {
  if (Array.isArray(a) && Array.isArray(b)) return [...new Map([...a, ...b].map((v) => [JSON.stringify(v), v])).values()];
  if (!isObject(a) || !isObject(b)) throw new Error('union() of values that are not both objects or both arrays');
  const merged: Record<string, Json> = { ...a };
  for (const [k, v] of Object.entries(b))
    merged[k] = k in a && ((isObject(a[k]) && isObject(v)) || (Array.isArray(a[k]) && Array.isArray(v))) ? union(a[k], v) : v;
  return merged;
}

function call(scope: Scope, name: string, args: Ast[]): Json {
  const ev = (k: number) => evaluate(scope, args[k]);
  const all = () => args.map((a) => evaluate(scope, a));
  switch (name.toLowerCase()) {
    case 'parameters': {
      const key = str(ev(0));
      if (!(key in scope.parameters)) throw new Error(`parameter ${key} has no value`);
      return scope.parameters[key];
    }
    case 'variables': {
      const key = str(ev(0));
      if (!(key in scope.variables)) throw new Error(`no variable ${key}`);
      return scope.variables[key];
    }
    case 'if':
      return known(ev(0), 'if') ? ev(1) : ev(2);
    case 'equals':
      return JSON.stringify(known(ev(0), 'equals')) === JSON.stringify(known(ev(1), 'equals'));
    case 'not':
      return !known(ev(0), 'not');
    case 'and':
      return all().every((v) => known(v, 'and'));
    case 'or':
      return all().some((v) => known(v, 'or'));
    case 'true':
      return true;
    case 'false':
      return false;
    case 'null':
      return null;
    case 'empty': {
      const v = known(ev(0), 'empty');
      return v === null || v === '' || (Array.isArray(v) ? v.length === 0 : typeof v === 'object' && Object.keys(v as object).length === 0);
    }
    case 'length': {
      const v = known(ev(0), 'length');
      return Array.isArray(v) || typeof v === 'string' ? v.length : Object.keys(v as object).length;
    }
    case 'format': {
      const [pattern, ...values] = all();
      return str(pattern).replace(/\{(\d+)(:[^}]*)?\}/g, (_m, k) => str(values[Number(k)]));
    }
    case 'concat': {
      const values = all();
      return values.every(Array.isArray) ? values.flat() : values.map(str).join('');
    }
    case 'createobject': {
      const values = all();
      const result: Record<string, Json> = {};
      for (let k = 0; k < values.length; k += 2) result[str(values[k])] = values[k + 1];
      return result;
    }
    case 'createarray':
      return all();
    // Objects merge recursively (later keys win), arrays keep each distinct element once.
    case 'union':
      return all().reduce((merged, next) => union(merged, next));
    case 'flatten':
      return (known(ev(0), 'flatten') as Json[][]).flat();
    case 'tolower':
      return str(known(ev(0), 'toLower')).toLowerCase();
    case 'toupper':
      return str(known(ev(0), 'toUpper')).toUpperCase();
    case 'string':
      return str(ev(0));
    case 'int':
      return Number(known(ev(0), 'int'));
    case 'add':
      return (known(ev(0), 'add') as number) + (known(ev(1), 'add') as number);
    case 'sub':
      return (known(ev(0), 'sub') as number) - (known(ev(1), 'sub') as number);
    case 'mul':
      return (known(ev(0), 'mul') as number) * (known(ev(1), 'mul') as number);
    case 'div':
      return Math.trunc((known(ev(0), 'div') as number) / (known(ev(1), 'div') as number));
    case 'contains': {
      const [container, item] = [known(ev(0), 'contains'), ev(1)];
      return typeof container === 'string'
        ? container.includes(str(item))
        : Array.isArray(container)
          ? container.some((v) => JSON.stringify(v) === JSON.stringify(item))
          : str(item) in (container as object);
    }
    case 'uniquestring':
      return BigInt(`0x${hash(all()).slice(0, 16)}`)
        .toString(36)
        .padStart(13, 'a')
        .slice(0, 13);
    case 'guid': {
      const h = hash(all());
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
    }
    case 'subscription':
      return { id: `/subscriptions/${SUBSCRIPTION_ID}`, subscriptionId: SUBSCRIPTION_ID, tenantId: TENANT_ID };
    case 'tenant':
      return { tenantId: TENANT_ID };
    case 'resourcegroup':
      return { name: scope.resourceGroup, id: `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${scope.resourceGroup}` };
    case 'deployment':
      return { name: scope.deployment || 'main' };
    case 'resourceid': {
      const values = all().map(str);
      const typeAt = values.findIndex((v) => /^[A-Za-z]+\.[A-Za-z.]+\/.+/.test(v));
      return resourceId(scope, values[typeAt], values.slice(typeAt + 1));
    }
    case 'subscriptionresourceid': {
      const [type, ...names] = all().map(str);
      return `/subscriptions/${SUBSCRIPTION_ID}/providers/${type}/${names.join('/')}`;
    }
    case 'copyindex': {
      const values = all();
      const loop = values.find((v) => typeof v === 'string') as string | undefined;
      const offset = (values.find((v) => typeof v === 'number') as number | undefined) ?? 0;
      const index = loop ? scope.copy[loop] : scope.copy[''];
      if (index === undefined) throw new Error(`copyIndex(${loop ?? ''}) outside its loop`);
      return index + offset;
    }
    case 'lambda':
      return { lambda: args.slice(0, -1).map((a) => str(evaluate(scope, a))), body: args[args.length - 1], scope };
    case 'lambdavariables':
      return scope.lambda[str(ev(0))];
    case 'map':
    case 'filter': {
      const items = known(ev(0), name) as Json[];
      const fn = ev(1) as { lambda: string[]; body: Ast; scope: Scope };
      const apply = (item: Json, k: number) =>
        evaluate(
          { ...fn.scope, lambda: { ...fn.scope.lambda, [fn.lambda[0]]: item, ...(fn.lambda[1] ? { [fn.lambda[1]]: k } : {}) } },
          fn.body,
        );
      return name.toLowerCase() === 'map' ? items.map(apply) : items.filter((item, k) => apply(item, k));
    }
    // items(): an object as [{ key, value }]; toObject(): back, with lambdas choosing key and value.
    // https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-object#items
    // https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-lambda#toobject
    case 'items':
      return Object.entries(known(ev(0), 'items') as Record<string, Json>)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, value]) => ({ key, value }));
    // https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-string#join
    case 'join':
      return (known(ev(0), 'join') as Json[]).map(str).join(str(ev(1)));
    case 'toobject': {
      const entries = known(ev(0), 'toObject') as Json[];
      const [key, value] = [ev(1), args[2] ? ev(2) : undefined] as Array<{ lambda: string[]; body: Ast; scope: Scope } | undefined>;
      const apply = (fn: { lambda: string[]; body: Ast; scope: Scope }, item: Json) =>
        evaluate({ ...fn.scope, lambda: { ...fn.scope.lambda, [fn.lambda[0]]: item } }, fn.body);
      return Object.fromEntries(entries.map((item) => [str(apply(key!, item)), value ? apply(value, item) : item]));
    }
    case 'reference': {
      const target = str(ev(0));
      const deployed = deploymentOutputs(scope, target);
      if (deployed) return { outputs: Object.fromEntries(Object.entries(deployed.outputs).map(([k, v]) => [k, { value: v }])) };
      const symbolic = scope.template.resources && !Array.isArray(scope.template.resources) ? scope.template.resources[target] : undefined;
      return new Runtime(symbolic ? resourceIdOf(scope, symbolic) : target);
    }
  }
  const user = name.includes('.') ? scope.userFunctions[name] : undefined;
  if (user) {
    const values = all();
    const parameters = Object.fromEntries(user.parameters.map((p, k) => [p.name, values[k]]));
    return evaluateValue({ ...scope, parameters, variables: {}, lambda: {}, copy: {} }, user.output.value);
  }
  throw new Error(`template function ${name}() is not supported by the dry run`);
}

function evaluate(scope: Scope, ast: Ast): Json {
  switch (ast.kind) {
    case 'lit':
      return ast.value;
    case 'call':
      return call(scope, ast.name, ast.args);
    case 'prop': {
      const target = evaluate(scope, ast.target);
      if (target instanceof Runtime) return new Runtime(`${target.path}.${ast.name}`);
      if (target === null || typeof target !== 'object' || !(ast.name in target))
        throw new Error(`no property ${ast.name} in ${str(target)}`);
      return (target as Record<string, Json>)[ast.name];
    }
    case 'index': {
      const target = evaluate(scope, ast.target);
      const index = evaluate(scope, ast.index);
      if (target instanceof Runtime) return new Runtime(`${target.path}[${str(index)}]`);
      return (target as Record<string, Json>)[index as string];
    }
  }
}

/** Any JSON value of the template: expression strings are evaluated, objects and arrays recursively. */
function evaluateValue(scope: Scope, value: Json): Json {
  if (typeof value === 'string') {
    if (isExpression(value)) return evaluate(scope, parse(value.slice(1, -1)));
    return value.startsWith('[[') ? value.slice(1) : value;
  }
  if (Array.isArray(value)) return value.map((v) => evaluateValue(scope, v));
  if (value && typeof value === 'object') {
    const result: Record<string, Json> = {};
    for (const [key, v] of Object.entries(value)) {
      if (key === 'copy' && Array.isArray(v)) {
        // Property loops: { copy: [{ name, count, input }] } makes the property `name` an array.
        for (const loop of v as Array<{ name: string; count: Json; input: Json }>) {
          const count = evaluateValue(scope, loop.count) as number;
          result[loop.name] = Array.from({ length: count }, (_, k) =>
            evaluateValue({ ...scope, copy: { ...scope.copy, [loop.name]: k } }, loop.input),
          );
        }
      } else result[str(evaluateValue(scope, key))] = evaluateValue(scope, v);
    }
    return result;
  }
  return value;
}

function resourceIdOf(scope: Scope, resource: Record<string, Json>): string {
  const name = str(evaluateValue(scope, resource.name));
  return resourceId(scope, resource.type as string, name.split('/'));
}

function deploymentOutputs(scope: Scope, target: string): Deployment | undefined {
  const resources = scope.template.resources;
  const entries: Array<[string, Record<string, Json>]> = Array.isArray(resources)
    ? resources.map((r, k) => [String(k), r])
    : Object.entries(resources ?? {});
  for (const [symbol, resource] of entries) {
    if (resource.type !== 'Microsoft.Resources/deployments') continue;
    if (symbol === target || resourceIdOf(scope, resource) === target) return nestedDeployment(scope, symbol, resource);
  }
  return undefined;
}

function nestedDeployment(scope: Scope, symbol: string, resource: Record<string, Json>): Deployment {
  const path = scope.deployment ? `${scope.deployment}/${symbol}` : symbol;
  const cached = scope.deployments.get(path);
  if (cached) return cached;
  const properties = resource.properties as { parameters: Record<string, { value: Json }>; template: ArmTemplate };
  const parameters = Object.fromEntries(Object.entries(properties.parameters ?? {}).map(([k, p]) => [k, evaluateValue(scope, p.value)]));
  const resourceGroup = resource.resourceGroup ? str(evaluateValue(scope, resource.resourceGroup)) : scope.resourceGroup;
  const result = run(properties.template, parameters, { resourceGroup, deployment: path, deployments: scope.deployments });
  scope.deployments.set(path, result);
  return result;
}

function run(
  template: ArmTemplate,
  given: Record<string, Json>,
  context: Pick<Scope, 'resourceGroup' | 'deployment' | 'deployments'>,
): Deployment {
  const scope: Scope = { ...context, template, parameters: {}, variables: {}, copy: {}, lambda: {}, userFunctions: {} };
  for (const ns of template.functions ?? [])
    for (const [k, f] of Object.entries(ns.members)) scope.userFunctions[`${ns.namespace}.${k}`] = f as Scope['userFunctions'][string];
  for (const [name, spec] of Object.entries(template.parameters ?? {}) as Array<[string, { defaultValue?: Json }]>) {
    if (name in given) scope.parameters[name] = given[name];
    else if ('defaultValue' in spec) scope.parameters[name] = evaluateValue(scope, spec.defaultValue);
    else throw new Error(`${context.deployment || 'main'}: required parameter ${name} has no value`);
  }
  // Variables are evaluated lazily (in any order, as ARM allows), each at most once.
  const raw = template.variables ?? {};
  scope.variables = new Proxy({} as Record<string, Json>, {
    has: (_t, key) => key in raw || (raw.copy ?? []).some((c: { name: string }) => c.name === key),
    get: (cache, key: string) => {
      if (!(key in cache)) {
        const loop = (raw.copy ?? []).find((c: { name: string }) => c.name === key);
        cache[key] = loop ? (evaluateValue(scope, { copy: [loop] }) as Record<string, Json>)[key] : evaluateValue(scope, raw[key]);
      }
      return cache[key];
    },
  });
  const deployed: DeployedResource[] = [];
  const resources = template.resources;
  const entries: Array<[string, Record<string, Json>]> = Array.isArray(resources)
    ? resources.map((r, k) => [String(k), r])
    : Object.entries(resources ?? {});
  for (const [symbol, resource] of entries) {
    if (resource.existing) continue;
    const loop = resource.copy as { name: string; count: Json } | undefined;
    const count = loop ? (evaluateValue(scope, loop.count) as number) : 1;
    for (let k = 0; k < count; k++) {
      const inner: Scope = loop ? { ...scope, copy: { ...scope.copy, [loop.name]: k, '': k } } : scope;
      if ('condition' in resource && !known(evaluateValue(inner, resource.condition), 'condition')) continue;
      if (resource.type === 'Microsoft.Resources/deployments') {
        const nested = nestedDeployment(inner, loop ? `${symbol}[${k}]` : symbol, resource);
        deployed.push(...nested.resources);
        continue;
      }
      const { copy: _copy, condition: _condition, dependsOn: _dependsOn, ...rest } = resource;
      const body = finalize(evaluateValue(inner, rest)) as Record<string, Json>;
      deployed.push({
        type: body.type as string,
        name: body.name as string,
        id: resourceIdOf(inner, resource),
        deployment: context.deployment,
        scope: body.scope as string | undefined,
        properties: (body.properties ?? {}) as Record<string, Json>,
        body,
      });
    }
  }
  const outputs = Object.fromEntries(
    Object.entries(template.outputs ?? {}).map(([k, o]) => [k, finalize(evaluateValue(scope, (o as { value: Json }).value))]),
  );
  return { resources: deployed, outputs };
}

/** Runtime placeholders become their `{{...}}` strings in the results the tests see. */
function finalize(value: Json): Json {
  if (value instanceof Runtime) return value.toString();
  if (Array.isArray(value)) return value.map(finalize);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, finalize(v)]));
  return value;
}

/** Deploys the compiled template in memory with these parameter values (defaults fill the rest). */
export function dryRun(template: ArmTemplate, parameters: Record<string, Json>): Deployment {
  return run(template, parameters, { resourceGroup: '', deployment: '', deployments: new Map() });
}

/** `{{<id>.<path>}}`: how a runtime property of a deployed resource appears in dry-run values. */
export const runtime = (id: string, path: string) => `{{${id}.${path}}}`;
