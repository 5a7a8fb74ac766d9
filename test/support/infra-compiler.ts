/**
 * The real Bicep compiler for the infra tests: located (or restored) by dev/tools/bicep.mjs, run once
 * per distinct infra/ source and shared through a cache in the temp dir keyed by a hash of every file
 * under infra/ and of the compiler itself, so the test files that read the ARM JSON cost one compile.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { INFRA_DIR, REPO_DIR } from './infra-bicep';

export interface Diagnostic {
  file: string;
  line: number;
  column: number;
  level: 'Error' | 'Warning' | 'Info';
  code: string;
  message: string;
}

export interface Compiled {
  ok: true;
  /** The compiler's own `--version` line, e.g. "Bicep CLI version 0.49.2 (b34271ac51)". */
  version: string;
  /** infra/main.bicep compiled to ARM JSON. */
  template: ArmTemplate;
  /** Diagnostics of `bicep build infra/main.bicep` and `bicep lint` over every .bicep file. */
  build: Diagnostic[];
  lint: Diagnostic[];
  /** use-recent-api-versions with maxAgeInDays 0 (the CLI's name; the docs say maxAllowedAgeInDays): every API version is the newest non-preview one. */
  newest: Diagnostic[];
}
export interface Unavailable {
  ok: false;
  reason: string;
}
export type ArmTemplate = Record<string, any>;

let located: { path: string } | { reason: string } | undefined;

/** The compiler's path, or why there is none (neither bicep nor dotnet on the PATH, restore failed). */
export function locateCompiler(): { path: string } | { reason: string } {
  if (located) return located;
  const run = spawnSync(process.execPath, [join(REPO_DIR, 'dev/tools/bicep.mjs'), '--locate'], { encoding: 'utf8' });
  located = run.status === 0 ? { path: run.stdout.trim() } : { reason: (run.stderr || run.stdout).trim().replace(/^bicep: /, '') };
  return located;
}

const DIAGNOSTIC = /^(.+?)\((\d+),(\d+)\) : (Error|Warning|Info) ([^:]+): (.*)$/;

export function parseDiagnostics(output: string, baseDir: string): Diagnostic[] {
  return output
    .split('\n')
    .map((line) => DIAGNOSTIC.exec(line.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({
      file: relative(baseDir, m[1]),
      line: Number(m[2]),
      column: Number(m[3]),
      level: m[4] as Diagnostic['level'],
      code: m[5],
      message: m[6],
    }));
}

function run(compiler: string, args: string[], cwd: string): { status: number; output: string } {
  const result = spawnSync(compiler, args, { cwd, encoding: 'utf8', env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1' } });
  return { status: result.status ?? 1, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
}

/** Builds `<dir>/main.bicep` into `<outDir>/main.json`; the diagnostics are relative to dir. */
export function build(compiler: string, dir: string, outDir: string): { status: number; output: string; diagnostics: Diagnostic[] } {
  const result = run(compiler, ['build', join(dir, 'main.bicep'), '--outfile', join(outDir, 'main.json')], dir);
  return { ...result, diagnostics: parseDiagnostics(result.output, dir) };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

function sourceHash(compiler: string): string {
  const hash = createHash('sha256');
  const stat = statSync(compiler);
  hash.update(`${compiler}\0${stat.size}\0${stat.mtimeMs}\0`);
  for (const file of filesUnder(INFRA_DIR).sort())
    hash
      .update(`${relative(INFRA_DIR, file)}\0`)
      .update(readFileSync(file))
      .update('\0');
  return hash.digest('hex').slice(0, 24);
}

let compiled: Compiled | Unavailable | undefined;

/** infra/ compiled and linted by the real compiler, from the cache when the sources are unchanged. */
export function compiledInfra(): Compiled | Unavailable {
  if (compiled) return compiled;
  const found = locateCompiler();
  if (!('path' in found)) return (compiled = { ok: false, reason: found.reason });
  const cacheDir = join(tmpdir(), 'org-mailer-bicep', sourceHash(found.path));
  const resultFile = join(cacheDir, 'result.json');
  if (!existsSync(resultFile)) {
    const workDir = mkdtempSync(join(tmpdir(), 'org-mailer-bicep-'));
    try {
      const version = run(found.path, ['--version'], INFRA_DIR).output.trim();
      const built = build(found.path, INFRA_DIR, workDir);
      if (built.status !== 0 || !existsSync(join(workDir, 'main.json'))) {
        // Not cached: a failing build is reported in full by the test that reads it.
        return (compiled = {
          ok: true,
          version,
          template: {},
          build: built.diagnostics.length
            ? built.diagnostics
            : [{ file: 'main.bicep', line: 0, column: 0, level: 'Error', code: 'build', message: built.output }],
          lint: [],
          newest: [],
        });
      }
      const linted = run(found.path, ['lint', '--pattern', '**/*.bicep'], INFRA_DIR);
      const strict = join(workDir, 'bicepconfig.json');
      writeFileSync(
        strict,
        JSON.stringify({
          analyzers: { core: { enabled: true, rules: { 'use-recent-api-versions': { level: 'error', maxAgeInDays: 0 } } } },
        }),
      );
      const newest = run(found.path, ['lint', '--pattern', '**/*.bicep', '--config', strict], INFRA_DIR);
      const result = {
        version,
        template: JSON.parse(readFileSync(join(workDir, 'main.json'), 'utf8')),
        build: built.diagnostics,
        lint: parseDiagnostics(linted.output, INFRA_DIR),
        newest: parseDiagnostics(newest.output, INFRA_DIR).filter((d) => d.code === 'use-recent-api-versions'),
      };
      mkdirSync(cacheDir, { recursive: true });
      writeFileSync(join(workDir, 'result.json'), JSON.stringify(result));
      // rename is atomic: a concurrent run reads the whole file or none.
      renameSync(join(workDir, 'result.json'), resultFile);
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
  }
  return (compiled = { ok: true, ...JSON.parse(readFileSync(resultFile, 'utf8')) });
}

/**
 * Copies infra/ to a scratch dir, lets `edit` change it, then builds it (or lints every .bicep file
 * in it with its bicepconfig.json), never cached, and cleans up.
 */
export function scratchCopy(
  compiler: string,
  edit: (dir: string) => void,
  command: 'build' | 'lint' = 'build',
): { status: number; output: string; diagnostics: Diagnostic[] } {
  const dir = mkdtempSync(join(tmpdir(), 'org-mailer-infra-'));
  try {
    cpSync(INFRA_DIR, dir, { recursive: true });
    edit(dir);
    if (command === 'build') return build(compiler, dir, dir);
    const linted = run(compiler, ['lint', '--pattern', '**/*.bicep'], dir);
    return { ...linted, diagnostics: parseDiagnostics(linted.output, dir) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `describe` for tests that need the compiled template. Without a compiler they are skipped with one
 * line saying why, except under CI=true, where a missing compiler is itself a failure: CI must prove
 * that the templates compile.
 */
export function describeCompiled(name: string, body: (infra: Compiled) => void): void {
  const infra = compiledInfra();
  if (infra.ok && infra.build.some((d) => d.level === 'Error')) {
    describe(name, () => {
      it('compiles (bicep build infra/main.bicep)', () => {
        expect(infra.build.filter((d) => d.level === 'Error')).toEqual([]);
      });
    });
  } else if (infra.ok) {
    describe(name, () => body(infra));
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      it('has the Bicep compiler (CI=true: the templates must be compiled)', () => {
        throw new Error(`no Bicep compiler: ${infra.reason}`);
      });
    });
  } else {
    process.stdout.write(`infra: Bicep compile tests skipped (${infra.reason}; CI=true makes this a failure)\n`);
    // The body needs the compiled template, so it is not even collected: one skipped test stands for it.
    describe.skip(name, () => {
      it('needs the Bicep compiler', () => undefined);
    });
  }
}

/** An azd `${NAME}` or `${NAME=default}` substitution in main.parameters.json. */
export const AZD_SUBSTITUTION = /^\$\{([A-Z0-9_]+)(?:=([^}]*))?\}$/;

/**
 * main.parameters.json as `azd provision` would hand it over: each substitution by its default, or by
 * the sample value given here for an environment value without one.
 */
export function azdParameters(samples: Record<string, unknown>): Record<string, unknown> {
  const file = JSON.parse(readFileSync(join(INFRA_DIR, 'main.parameters.json'), 'utf8')) as {
    parameters: Record<string, { value: unknown }>;
  };
  // azd substitutes the file's whole text, so a substitution inside an object parameter counts too.
  const substitute = (value: unknown): unknown => {
    if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v)]));
    const m = typeof value === 'string' ? AZD_SUBSTITUTION.exec(value) : null;
    return m && m[2] === undefined ? (samples[m[1]] ?? '') : m ? m[2] : value;
  };
  return Object.fromEntries(Object.entries(file.parameters).map(([name, { value }]) => [name, substitute(value)]));
}
