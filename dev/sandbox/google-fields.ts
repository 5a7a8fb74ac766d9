/**
 * Google's partial response (`fields=`) for the sandbox's Google APIs: `a,b/c,d(e,f/g)` keeps those
 * properties, applying a selection to each element of an array; `*` keeps everything at its level
 * (https://developers.google.com/workspace/admin/directory/v1/guides/performance#partial-response).
 * A malformed selection keeps everything (the real service would answer 400; no caller sends one).
 */
type Tree = Map<string, Tree | true>;

function parse(text: string): Tree | undefined {
  let i = 0;
  const list = (): Tree | undefined => {
    const tree: Tree = new Map();
    for (;;) {
      const start = i;
      while (i < text.length && !',()'.includes(text[i])) i++;
      const path = text.slice(start, i).trim().split('/').filter(Boolean);
      if (!path.length) return undefined;
      let sub: Tree | true = true;
      if (text[i] === '(') {
        i++;
        const inner = list();
        if (!inner || text[i] !== ')') return undefined;
        i++;
        sub = inner;
      }
      let node = tree;
      path.forEach((name, n) => {
        if (n === path.length - 1) {
          node.set(name, sub);
        } else {
          const next = node.get(name);
          const child: Tree = next instanceof Map ? next : new Map();
          node.set(name, child);
          node = child;
        }
      });
      if (text[i] !== ',') return tree;
      i++;
    }
  };
  const tree = list();
  return tree && i === text.length ? tree : undefined;
}

function apply(value: unknown, tree: Tree | true): unknown {
  if (tree === true || tree.has('*')) return value;
  if (Array.isArray(value)) return value.map((v) => apply(v, tree));
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [name, sub] of tree) {
    const field = (value as Record<string, unknown>)[name];
    if (field !== undefined) out[name] = apply(field, sub);
  }
  return out;
}

export function pickFields<T>(body: T, fields: string): T {
  const tree = parse(fields);
  return (tree ? apply(body, tree) : body) as T;
}
