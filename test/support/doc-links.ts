/**
 * What the docs link to and name, for test/unit/doc-links.test.ts. Headings become anchors as GitHub
 * makes them: lower case, punctuation other than `-` and `_` dropped, spaces as `-`
 * (https://github.com/gjtorikian/html-pipeline/blob/main/lib/html/pipeline/toc_filter.rb).
 */
import { dirname, join, normalize } from 'node:path';

const withoutCode = (markdown: string) => markdown.replace(/```[\s\S]*?```/g, '');

export function anchorsOf(markdown: string): Set<string> {
  const headings = withoutCode(markdown).match(/^#{1,6} .*$/gm) ?? [];
  return new Set(
    headings.map((h) =>
      h
        .replace(/^#+ /, '')
        .trim()
        .toLowerCase()
        .replace(/[^\w\- ]/g, '')
        .replace(/ /g, '-'),
    ),
  );
}

interface LinkContext {
  /** Whether a repository-relative path exists. */
  exists(path: string): boolean;
  /** A repository-relative Markdown file's text. */
  read(path: string): string;
}

/** Relative links of `file` (repository-relative) whose file, or whose heading, does not exist. */
export function brokenLinks(file: string, markdown: string, context: LinkContext): string[] {
  const links = [...withoutCode(markdown).matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]);
  return links.filter((link) => !/^(https?:|mailto:)/.test(link)).filter((link) => !resolves(file, link, markdown, context));
}

function resolves(file: string, link: string, markdown: string, context: LinkContext): boolean {
  const [pathPart, anchor] = link.split('#', 2);
  const target = pathPart ? normalize(join(dirname(file), pathPart)) : file;
  if (pathPart && !context.exists(target)) return false;
  if (!anchor || !target.endsWith('.md')) return true;
  return anchorsOf(pathPart ? context.read(target) : markdown).has(anchor);
}

/** Every `folder/file.ext` the text names (in code spans or prose), build outputs and placeholders aside. */
export function namedPaths(markdown: string): string[] {
  const found =
    markdown.match(/(?<![\w/.<{-])(?:\.{1,2}\/)?(?:[\w.-]+\/)+[\w.-]+\.(?:ts|mjs|js|json|md|bicep|sh|yaml|csproj)(?![\w/])/g) ?? [];
  const generated = /^(dist|\.local|node_modules)\//;
  return [...new Set(found)].filter((path) => !generated.test(path) && !/^https?:/.test(path));
}
