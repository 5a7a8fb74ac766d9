/**
 * Docs that stay true: every relative link in the README and the docs (folder READMEs included) points at a
 * file that exists, and at a heading that exists when it names one; every `path/to/file.ts` they name exists.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { brokenLinks, namedPaths } from '../support/doc-links';

const root = join(__dirname, '..', '..');
const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.md'], { cwd: root, encoding: 'utf8' })
  .split('\n')
  .filter((file) => /^(README\.md|docs\/.*\.md|bench\/README\.md|shared\/[^/]+\/README\.md)$/.test(file) && existsSync(join(root, file)));
const tracked = [...new Set(listed)]; // a file with merge stages is listed once per stage

const read = (file: string) => readFileSync(join(root, file), 'utf8');
/** Where a path named in prose may be meant from: the repository root, the document's folder, or `shared/`. */
const pathExists = (file: string, path: string) =>
  [root, join(root, dirname(file)), join(root, 'shared')].some((base) => existsSync(normalize(join(base, path))));

describe('links and paths in the docs', () => {
  it('finds the README and the docs', () => {
    expect(tracked).toEqual(expect.arrayContaining(['README.md', 'docs/architecture.md', 'docs/operations.md']));
  });

  it.each(tracked)('%s: every relative link resolves', (file) => {
    expect(brokenLinks(file, read(file), { exists: (path) => existsSync(join(root, path)), read })).toEqual([]);
  });

  it('no line of prose (over 70 characters) appears in two documents: one place for each fact', () => {
    const places = new Map<string, string[]>();
    for (const file of tracked)
      for (const line of new Set(
        read(file)
          .split('\n')
          .map((l) => l.trim()),
      )) {
        if (line.length > 70 && !line.startsWith('|---')) places.set(line, [...(places.get(line) ?? []), file]);
      }
    expect([...places].filter(([, files]) => files.length > 1)).toEqual([]);
  });

  it.each(tracked)('%s: every path it names exists', (file) => {
    expect(namedPaths(read(file)).filter((path) => !pathExists(file, path))).toEqual([]);
  });
});
