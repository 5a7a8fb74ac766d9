/**
 * infra/ as source text: each .bicep file parsed with tree-sitter-bicep, for the few questions the
 * compiled ARM JSON cannot answer (which files a template uses as modules, the postprovision hook's
 * secret names without a compiler). Everything else reads the compiler's output (infra-compiler.ts).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

export const REPO_DIR = resolve(__dirname, '../..');
export const INFRA_DIR = join(REPO_DIR, 'infra');

/** A syntax node, with the subset of tree-sitter's SyntaxNode API the tests use. */
export interface Node {
  type: string;
  text: string;
  isMissing: boolean;
  startPosition: { row: number; column: number };
  children: Node[];
  namedChildren: Node[];
  parent: Node | null;
  childForFieldName(name: string): Node | null;
}

interface SerializedNode {
  type: string;
  text: string;
  named: boolean;
  missing: boolean;
  row: number;
  column: number;
  field: string | null;
  children: SerializedNode[];
}

/*
 * tree-sitter runs in a child process. Jest gives each test file its own module registry, and a
 * native addon loaded a second time in one process hands back trees without a rootNode; a plain node
 * process parses, and the trees come back as JSON.
 */
const PARSE_SCRIPT = `
const Parser = require('tree-sitter');
const parser = new Parser();
parser.setLanguage(require('tree-sitter-bicep'));
const serialize = (cursor) => {
  const node = cursor.currentNode;
  const out = { type: node.type, text: node.text, named: node.isNamed, missing: node.isMissing,
    row: node.startPosition.row, column: node.startPosition.column, field: cursor.currentFieldName || null, children: [] };
  if (cursor.gotoFirstChild()) {
    do out.children.push(serialize(cursor)); while (cursor.gotoNextSibling());
    cursor.gotoParent();
  }
  return out;
};
const sources = JSON.parse(require('fs').readFileSync(0, 'utf8'));
process.stdout.write(JSON.stringify(sources.map((source) => serialize(parser.parse(source).walk()))));
`;

function toNode(serialized: SerializedNode, parent: Node | null): Node {
  const node: Node = {
    type: serialized.type,
    text: serialized.text,
    isMissing: serialized.missing,
    startPosition: { row: serialized.row, column: serialized.column },
    children: [],
    namedChildren: [],
    parent,
    childForFieldName: (name) => node.children[serialized.children.findIndex((c) => c.field === name)] ?? null,
  };
  node.children = serialized.children.map((child) => toNode(child, node));
  node.namedChildren = node.children.filter((_, i) => serialized.children[i].named);
  return node;
}

/** Parses Bicep sources with tree-sitter-bicep (one child process for the whole batch). */
export function parseBicepSources(sources: string[]): Node[] {
  const result = spawnSync(process.execPath, ['-e', PARSE_SCRIPT], {
    cwd: REPO_DIR,
    input: JSON.stringify(sources),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`tree-sitter-bicep failed: ${result.stderr}`);
  return (JSON.parse(result.stdout) as SerializedNode[]).map((tree) => toNode(tree, null));
}

export interface BicepFile {
  /** Path relative to infra/, e.g. `app/storage.bicep`. */
  name: string;
  root: Node;
}

/** Every file under infra/, as paths relative to infra/. */
export function infraFiles(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((entry) => {
      const path = join(dir, entry);
      return statSync(path).isDirectory() ? walk(path) : [relative(INFRA_DIR, path)];
    });
  return walk(INFRA_DIR).sort();
}

const parsedFiles = new Map<string, BicepFile>();

/** A file under infra/, parsed; the first call parses every .bicep file there in one go. */
export function parseBicep(name: string): BicepFile {
  if (parsedFiles.size === 0) {
    const names = infraFiles().filter((f) => f.endsWith('.bicep'));
    const roots = parseBicepSources(names.map((f) => readFileSync(join(INFRA_DIR, f), 'utf8')));
    names.forEach((f, i) => parsedFiles.set(f, { name: f, root: roots[i] }));
  }
  const file = parsedFiles.get(name);
  if (!file) throw new Error(`infra/${name} is not a .bicep file under infra/`);
  return file;
}

function declarations(file: BicepFile, type: string): Node[] {
  return file.root.namedChildren.filter((n) => n.type === type);
}

function declaredName(declaration: Node): string {
  const name = declaration.childForFieldName('name') ?? declaration.namedChildren.find((n) => n.type === 'identifier');
  if (!name) throw new Error(`a ${declaration.type} without a name`);
  return name.text;
}

/** The value expression of `var <name> = ...`. */
export function variableValue(file: BicepFile, name: string): Node {
  const declaration = declarations(file, 'variable_declaration').find((d) => declaredName(d) === name);
  if (!declaration) throw new Error(`${file.name} declares no variable ${name}`);
  return declaration.namedChildren[declaration.namedChildren.length - 1];
}

/** The key of an object property: an identifier or a quoted string. */
function propertyKey(property: Node): string {
  const key = property.namedChildren[0];
  return key.type === 'string' ? key.namedChildren.map((c) => c.text).join('') : key.text;
}

/** An object's own properties by key (values are the expression nodes). */
export function objectProperties(object: Node): Map<string, Node> {
  return new Map(
    object.namedChildren
      .filter((p) => p.type === 'object_property')
      .map((p) => [propertyKey(p), p.namedChildren[p.namedChildren.length - 1]] as const),
  );
}

/** The value at a dotted path of object properties, e.g. `properties.functionAppConfig.runtime.name`. */
export function propertyAt(object: Node, path: string): Node | undefined {
  let current: Node | undefined = object;
  for (const key of path.split('.')) {
    if (!current || current.type !== 'object') return undefined;
    current = objectProperties(current).get(key);
  }
  return current;
}

/** Plain string literals (no interpolation) anywhere under `node`, in source order. */
export function stringLiterals(node: Node): string[] {
  if (node.type === 'string') {
    return node.namedChildren.every((c) => c.type === 'string_content') ? [node.namedChildren.map((c) => c.text).join('')] : [];
  }
  return node.namedChildren.flatMap(stringLiterals);
}

export interface ModuleDeclaration {
  symbol: string;
  /** The module file relative to infra/. */
  path: string;
  params: Map<string, Node>;
}

export function modules(file: BicepFile): ModuleDeclaration[] {
  return declarations(file, 'module_declaration').map((declaration) => {
    const [symbol, path, body] = declaration.namedChildren;
    const params = propertyAt(body, 'params');
    return { symbol: symbol.text, path: stringLiterals(path)[0], params: params ? objectProperties(params) : new Map() };
  });
}
