/**
 * No import cycles among the project's own modules (type-only imports included: a cycle of types
 * is still two modules that cannot be understood one without the other). Reads relative imports
 * and `import()`s with a regular expression and finds strongly connected components (Tarjan).
 */
import { join, relative, resolve } from 'node:path';
import { importsOf, sources } from '../support/imports';

const root = resolve(__dirname, '../..');

function cycles(files: string[]): string[][] {
  const graph = new Map(files.map((file) => [file, importsOf(file)]));
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(relative(root, w));
    } while (w !== v);
    if (component.length > 1) found.push(component.sort());
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return found;
}

test('shared/, functions/, dev/ and bench/ have no import cycles', () => {
  const files = ['shared', 'functions', 'dev', 'bench'].flatMap((dir) => sources(join(root, dir)));
  expect(files.length).toBeGreaterThan(100);
  expect(cycles(files)).toEqual([]);
});

test('consent/types.ts and providers/module.ts no longer import each other (the cycle this test was written for)', () => {
  // consent/types.ts imported the provider context from providers/module.ts, which imports consent/types.ts.
  const graph = ['shared/consent/types.ts', 'shared/providers/module.ts'].map((f) => join(root, f));
  expect(importsOf(graph[1])).toContain(graph[0]);
  expect(importsOf(graph[0])).not.toContain(graph[1]);
});
