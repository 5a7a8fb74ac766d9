/**
 * A small evaluator for the subset of KQL the alert queries in infra/app/alerts.bicep use, so a test
 * can run a compiled alert's query over rows and see whether it would fire. Operators and functions
 * follow the KQL reference (https://learn.microsoft.com/kusto/query/): `where`, `extend`,
 * `summarize ... by`, `project`; `==`, `!=`, `<`, `<=`, `>`, `>=`, `in (...)`, `endswith`, `and`,
 * `or`, arithmetic, `not()`, `tostring()`, and the aggregations `max`, `min`, `sum`, `sumif`,
 * `dcountif`, `count`. Nulls behave as in KQL: arithmetic with a null is null, a comparison with a
 * null is false, aggregations skip nulls, `max`/`min` of nothing is null, and `summarize` without
 * `by` returns one row even over no input. Anything else throws, so a query the evaluator cannot
 * read fails the test instead of being half-evaluated.
 */
export type Row = Record<string, unknown>;
type Ast =
  | { kind: 'lit'; value: unknown }
  | { kind: 'col'; path: string[] }
  | { kind: 'call'; name: string; args: Ast[] }
  | { kind: 'bin'; op: string; left: Ast; right: Ast }
  | { kind: 'in'; left: Ast; list: Ast[] };

const TOKEN = /\s*("(?:[^"\\]|\\.)*"|\d+(?:\.\d+)?|[A-Za-z_][\w.]*|==|!=|>=|<=|[-+*/(),<>=])/y;
const PRECEDENCE: Record<string, number> = {
  or: 1,
  and: 2,
  '==': 3,
  '!=': 3,
  '<': 3,
  '<=': 3,
  '>': 3,
  '>=': 3,
  in: 3,
  endswith: 3,
  '+': 4,
  '-': 4,
  '*': 5,
  '/': 5,
};

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.trimEnd().length) {
    const m = TOKEN.exec(text);
    if (!m) throw new Error(`kql: cannot read ${JSON.stringify(text.slice(TOKEN.lastIndex))}`);
    tokens.push(m[1]);
  }
  return tokens;
}

/** Parses one expression (Pratt parser over the tokens). */
export function parseExpression(text: string): Ast {
  const tokens = tokenize(text);
  let i = 0;
  const expect = (t: string) => {
    if (tokens[i++] !== t) throw new Error(`kql: expected ${t} in ${text}`);
  };
  const list = (): Ast[] => {
    const items: Ast[] = [];
    expect('(');
    while (tokens[i] !== ')') {
      items.push(expr(0));
      if (tokens[i] === ',') i++;
    }
    expect(')');
    return items;
  };
  const primary = (): Ast => {
    const t = tokens[i++];
    if (t === undefined) throw new Error(`kql: unexpected end of ${text}`);
    if (t === '(') {
      const inner = expr(0);
      expect(')');
      return inner;
    }
    if (t.startsWith('"')) return { kind: 'lit', value: JSON.parse(t) };
    if (/^\d/.test(t)) return { kind: 'lit', value: Number(t) };
    if (tokens[i] === '(') return { kind: 'call', name: t, args: list() };
    return { kind: 'col', path: t.split('.') };
  };
  const expr = (min: number): Ast => {
    let left = primary();
    while (i < tokens.length && PRECEDENCE[tokens[i]] !== undefined && PRECEDENCE[tokens[i]] > min) {
      const op = tokens[i++];
      left = op === 'in' ? { kind: 'in', left, list: list() } : { kind: 'bin', op, left, right: expr(PRECEDENCE[op]) };
    }
    return left;
  };
  const ast = expr(0);
  if (i !== tokens.length) throw new Error(`kql: trailing ${tokens.slice(i).join(' ')} in ${text}`);
  return ast;
}

const isNull = (v: unknown) => v === null || v === undefined;

function binary(op: string, a: unknown, b: unknown): unknown {
  if (op === 'and') return a === true && b === true;
  if (op === 'or') return a === true || b === true;
  if (isNull(a) || isNull(b)) return ['+', '-', '*', '/'].includes(op) ? null : false;
  switch (op) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return (a as number) < (b as number);
    case '<=':
      return (a as number) <= (b as number);
    case '>':
      return (a as number) > (b as number);
    case '>=':
      return (a as number) >= (b as number);
    case 'endswith':
      return String(a).toLowerCase().endsWith(String(b).toLowerCase());
    case '+':
      return (a as number) + (b as number);
    case '-':
      return (a as number) - (b as number);
    case '*':
      return (a as number) * (b as number);
    case '/':
      return (b as number) === 0 ? null : (a as number) / (b as number);
  }
  throw new Error(`kql: operator ${op}`);
}

/** The value of an expression for one row (scalar functions only). */
export function evaluate(ast: Ast, row: Row): unknown {
  switch (ast.kind) {
    case 'lit':
      return ast.value;
    case 'col':
      return ast.path.reduce<unknown>((v, key) => (isNull(v) ? null : ((v as Row)[key] ?? null)), row);
    case 'in':
      return ast.list.map((x) => evaluate(x, row)).includes(evaluate(ast.left, row));
    case 'bin':
      return binary(ast.op, evaluate(ast.left, row), evaluate(ast.right, row));
    case 'call': {
      const [arg] = ast.args.map((a) => evaluate(a, row));
      if (ast.name === 'tostring') return isNull(arg) ? '' : typeof arg === 'object' ? JSON.stringify(arg) : String(arg);
      if (ast.name === 'not') return arg !== true;
      throw new Error(`kql: function ${ast.name}()`);
    }
  }
}

/** One aggregation over the rows of a group. */
function aggregate(ast: Ast, rows: Row[]): unknown {
  if (ast.kind !== 'call') throw new Error('kql: summarize needs an aggregation');
  const [value, predicate] = ast.args;
  const chosen = predicate ? rows.filter((r) => evaluate(predicate, r) === true) : rows;
  const values = value ? chosen.map((r) => evaluate(value, r)).filter((v) => !isNull(v)) : [];
  switch (ast.name) {
    case 'count':
      return rows.length;
    case 'max':
      return values.length ? Math.max(...(values as number[])) : null;
    case 'min':
      return values.length ? Math.min(...(values as number[])) : null;
    case 'sum':
    case 'sumif':
      return (values as number[]).reduce((a, b) => a + b, 0);
    case 'dcountif':
      return new Set(values).size;
  }
  throw new Error(`kql: aggregation ${ast.name}()`);
}

/** Splits on a separator outside string literals and parentheses. */
function splitTop(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"' && text[i - 1] !== '\\') quoted = !quoted;
    else if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')') depth--;
    else if (!quoted && depth === 0 && text.startsWith(separator, i)) {
      parts.push(text.slice(start, i));
      start = i + separator.length;
      i += separator.length - 1;
    }
  }
  return [...parts, text.slice(start)].map((p) => p.trim());
}

/** `name = expression` pairs (a bare column keeps its name). */
function assignments(text: string): Array<[string, Ast]> {
  return splitTop(text, ',').map((part) => {
    const m = /^([A-Za-z_]\w*)\s*=(?!=)\s*(.+)$/s.exec(part);
    return m ? [m[1], parseExpression(m[2])] : [part, parseExpression(part)];
  });
}

function summarize(rows: Row[], text: string): Row[] {
  const [aggregations, by] = splitTop(text, ' by ');
  const keys = by ? assignments(by) : [];
  const groups = new Map<string, Row[]>();
  for (const row of rows) {
    const key = JSON.stringify(keys.map(([, ast]) => evaluate(ast, row)));
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  if (keys.length === 0 && groups.size === 0) groups.set('[]', []);
  return [...groups.entries()].map(([key, group]) => ({
    ...Object.fromEntries(keys.map(([name], k) => [name, (JSON.parse(key) as unknown[])[k]])),
    ...Object.fromEntries(assignments(aggregations).map(([name, ast]) => [name, aggregate(ast, group)])),
  }));
}

/** Runs a query over named tables and returns its result rows. */
export function runQuery(query: string, tables: Record<string, Row[]>): Row[] {
  const [source, ...stages] = splitTop(query, '|');
  if (!(source in tables)) throw new Error(`kql: no table ${source}`);
  return stages.reduce((rows, stage) => {
    const m = /^(where|extend|summarize|project)\s+(.+)$/s.exec(stage);
    if (!m) throw new Error(`kql: operator in ${stage}`);
    if (m[1] === 'where') {
      const predicate = parseExpression(m[2]);
      return rows.filter((r) => evaluate(predicate, r) === true);
    }
    if (m[1] === 'summarize') return summarize(rows, m[2]);
    const columns = assignments(m[2]);
    const computed = (r: Row) => Object.fromEntries(columns.map(([name, ast]) => [name, evaluate(ast, r)]));
    return rows.map((r) => (m[1] === 'extend' ? { ...r, ...computed(r) } : computed(r)));
  }, tables[source]);
}

/** The columns (first path segment) and customDimensions keys a query reads. */
export function columnsRead(query: string): { columns: Set<string>; dimensions: Set<string> } {
  const columns = new Set<string>();
  const dimensions = new Set<string>();
  const defined = new Set<string>();
  const visit = (ast: Ast): void => {
    if (ast.kind === 'col') {
      if (ast.path[0] === 'customDimensions') dimensions.add(ast.path[1]);
      else if (!defined.has(ast.path[0])) columns.add(ast.path[0]);
    } else if (ast.kind === 'call') ast.args.forEach(visit);
    else if (ast.kind === 'bin') [ast.left, ast.right].forEach(visit);
    else if (ast.kind === 'in') [ast.left, ...ast.list].forEach(visit);
  };
  for (const stage of splitTop(query, '|').slice(1)) {
    const m = /^(where|extend|summarize|project)\s+(.+)$/s.exec(stage)!;
    const parts = m[1] === 'where' ? [['', parseExpression(m[2])] as [string, Ast]] : splitTop(m[2], ' by ').flatMap(assignments);
    parts.forEach(([, ast]) => visit(ast));
    parts.forEach(([name]) => name && defined.add(name));
  }
  return { columns, dimensions };
}
