/**
 * The composition roots build in dependency order: every name a root uses is declared
 * above the use, and a variable only after its whole declaration (so a closure in an initializer
 * cannot reach a service built later, as a `let` filled in afterwards or a closure over a later
 * `const` would), and no result is merged from bags by spreading. Checked with the TypeScript
 * compiler's own name resolution (its checker), so shorthand properties and closures count too.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(__dirname, '../..');
const ROOTS = ['shared/services.ts', 'shared/directory/services.ts'];
const OPTIONS: ts.CompilerOptions = { noResolve: true, noLib: true, types: [] };

/** Where a declaration is ready to use: a variable after its whole declaration, anything else from its start. */
function readyAt(declaration: ts.Declaration): number | undefined {
  if (ts.isPropertySignature(declaration) || ts.isPropertyAssignment(declaration) || ts.isMethodSignature(declaration)) return undefined;
  if (ts.isShorthandPropertyAssignment(declaration) || ts.isPropertyDeclaration(declaration)) return undefined;
  let node: ts.Node = declaration;
  while (ts.isBindingElement(node) || ts.isObjectBindingPattern(node) || ts.isArrayBindingPattern(node)) node = node.parent;
  return ts.isVariableDeclaration(node) ? node.getEnd() : declaration.getStart();
}

function isDeclaredName(node: ts.Identifier): boolean {
  const parent = node.parent as ts.Node & { name?: ts.Node };
  return parent.name === node && !ts.isShorthandPropertyAssignment(parent) && !ts.isPropertyAccessExpression(parent);
}

function parse(file: string, text: string): { source: ts.SourceFile; checker: ts.TypeChecker } {
  const host = ts.createCompilerHost(OPTIONS, true);
  const read = host.getSourceFile;
  host.getSourceFile = (name, version, ...rest) =>
    name === file ? ts.createSourceFile(name, text, version, true) : read.call(host, name, version, ...rest);
  const program = ts.createProgram({ rootNames: [file], options: OPTIONS, host });
  return { source: program.getSourceFile(file)!, checker: program.getTypeChecker() };
}

const lineOf = (source: ts.SourceFile, at: number) => source.getLineAndCharacterOfPosition(at).line + 1;

/** Every use of a name of this file before that name is ready, as `name line N (ready at line M)`. */
function forwardReferences(file: string, text: string): string[] {
  const { source, checker } = parse(file, text);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && !isDeclaredName(node)) {
      const symbol = ts.isShorthandPropertyAssignment(node.parent)
        ? checker.getShorthandAssignmentValueSymbol(node.parent)
        : checker.getSymbolAtLocation(node);
      for (const declaration of symbol?.declarations ?? []) {
        const ready = declaration.getSourceFile() === source ? readyAt(declaration) : undefined;
        if (ready !== undefined && node.getStart() < ready)
          found.push(`${node.text} line ${lineOf(source, node.getStart())} (ready at line ${lineOf(source, ready)})`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Object spreads (`{ ...a, ...b }`): a result merged from bags instead of built field by field. */
function spreads(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isSpreadAssignment(node)) found.push(`${node.getText()} line ${lineOf(source, node.getStart())}`);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const textOf = (file: string) => readFileSync(join(root, file), 'utf8');

describe.each(ROOTS)('%s', (file) => {
  it('uses every name only after its declaration (no forward reference)', () => {
    expect(forwardReferences(join(root, file), textOf(file))).toEqual([]);
  });

  it('builds its result field by field (no spread)', () => {
    expect(spreads(join(root, file), textOf(file))).toEqual([]);
  });
});

describe('the check', () => {
  const file = join(root, 'shared/services.ts');
  const text = textOf('shared/services.ts');

  it('catches a service moved below its first users (the consent service after the senders and the directory)', () => {
    const line = /^ {2}const consent = createConsentService\(.*\n/m.exec(text)![0];
    const moved = text.replace(line, '').replace(/^ {2}const appliers = /m, `${line}$&`);
    expect(moved.indexOf(line)).toBeGreaterThan(text.indexOf('const directory = '));
    expect(forwardReferences(file, moved)).toEqual(expect.arrayContaining([expect.stringMatching(/^consent line \d+/)]));
  });

  it('catches a closure over a const declared below, a later function and a self-reference', () => {
    const source = [
      'function early() { return late(); }',
      'function late() { return 1; }',
      'export function build() {',
      '  const a = { read: () => b.value };',
      '  const b = { value: early(), a };',
      '  const c: { self: () => unknown } = { self: () => c };',
      '  return { a, b, c };',
      '}',
    ].join('\n');
    expect(forwardReferences(file, source)).toEqual([
      'late line 1 (ready at line 2)',
      'b line 4 (ready at line 5)',
      'c line 6 (ready at line 6)',
    ]);
  });

  it('catches a shorthand property and a spread', () => {
    const source = 'export const result = { copy };\nconst copy = { ...{ a: 1 } };\n';
    expect(forwardReferences(file, source)).toEqual(['copy line 1 (ready at line 2)']);
    expect(spreads(file, source)).toEqual(['...{ a: 1 } line 2']);
  });
});
