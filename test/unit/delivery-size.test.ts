/**
 * The delivery core stays readable: no function in `shared/delivery/` spans more than 60 lines (a
 * factory that closes over its steps counts whole, so steps become module functions with their
 * dependencies passed in), and the worker file stays under 200 lines.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const dir = join(__dirname, '..', '..', 'shared', 'delivery');
const MAX_FUNCTION_LINES = 60;
const MAX_WORKER_LINES = 200;

/** `file:line name (N lines)` for every function-like node longer than `max` lines. */
export function longFunctions(fileName: string, text: string, max: number): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = end - start + 1;
      const name = node.name?.getText(source) ?? (ts.isVariableDeclaration(node.parent) ? node.parent.name.getText(source) : '(anonymous)');
      if (lines > max) found.push(`${fileName}:${start + 1} ${name} (${lines} lines)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('delivery core size', () => {
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));

  it(`has no function over ${MAX_FUNCTION_LINES} lines`, () => {
    const long = files.flatMap((f) => longFunctions(f, readFileSync(join(dir, f), 'utf8'), MAX_FUNCTION_LINES));
    expect(long).toEqual([]);
  });

  it(`keeps worker.ts under ${MAX_WORKER_LINES} lines`, () => {
    expect(readFileSync(join(dir, 'worker.ts'), 'utf8').split('\n').length).toBeLessThan(MAX_WORKER_LINES);
  });

  it('finds a long function when there is one (the check can fail)', () => {
    const body = Array.from({ length: 61 }, (_, i) => `  const a${i} = ${i};`).join('\n');
    expect(longFunctions('x.ts', `export function big() {\n${body}\n}\nconst small = () => 1;`, MAX_FUNCTION_LINES)).toEqual([
      'x.ts:1 big (63 lines)',
    ]);
  });
});
