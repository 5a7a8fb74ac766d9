/**
 * `npm run bench -- --baseline <revision>`: another commit of this repository, measured in the
 * same run on the same machine. The revision is checked out into a temporary git worktree
 * (`git worktree add --detach`), given this tree's node_modules as hard links (`cp -al`: no
 * download, no copy), and built with its own `npm run build`. Its own bench (`dist/bench/run.js`)
 * then runs one compared part under one profile at a time with this run's sizes, alternating with
 * this tree's run of the same part (bench/run.ts), and its results JSON is read back. The worktree
 * is removed at the end, on failure and on Ctrl-C too.
 *
 * One instrument is shared: the baseline is built with this tree's CPU profiler (`bench/cpuProfile.ts`,
 * self-contained, same interface), so the app-code CPU of both trees is sampled alike.
 */
import { spawn, spawnSync, SpawnSyncOptions } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchFigures } from './report';

/** One baseline part (its own stack, one profile) is bounded: a stuck run is a failure, not a figure. */
const PART_TIMEOUT_MS = 30 * 60_000;

export interface BaselineTree {
  revision: string;
  /** The full commit id the revision named. */
  commit: string;
  dir: string;
  /** Runs the baseline's own bench with `args`; its figures from the results JSON it wrote. */
  run(args: readonly string[], onLine: (line: string) => void): Promise<BenchFigures>;
  remove(): void;
}

function must(command: string, args: readonly string[], options: SpawnSyncOptions): string {
  const done = spawnSync(command, args, { encoding: 'utf8', ...options });
  if (done.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${done.status}): ${String(done.stderr ?? '').slice(-2000)}`);
  return String(done.stdout ?? '').trim();
}

const resultFiles = (dir: string) => {
  const results = join(dir, 'bench', 'results');
  return existsSync(results) ? readdirSync(results).filter((f) => f.endsWith('.json')) : [];
};

function runBench(dir: string, args: readonly string[], onLine: (line: string) => void): Promise<BenchFigures> {
  const before = new Set(resultFiles(dir));
  const child = spawn(process.execPath, ['--enable-source-maps', 'dist/bench/run.js', ...args], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let tail = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    tail = (tail + text).slice(-4000);
    for (const line of text.split('\n')) if (line.startsWith('[bench')) onLine(line);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill(), PART_TIMEOUT_MS);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const written = resultFiles(dir).filter((f) => !before.has(f));
      if (code !== 0 || written.length !== 1)
        return reject(new Error(`the baseline's bench ${args.join(' ')} ended with ${code ?? signal}:\n${tail}`));
      resolve(JSON.parse(readFileSync(join(dir, 'bench', 'results', written[0]), 'utf8')) as BenchFigures);
    });
  });
}

/** Checks `revision` out and builds it; the caller must `remove()` it (a failure here removes it itself). */
export function checkOutBaseline(revision: string, repoDir: string, step: (what: string) => void): BaselineTree {
  const temp = mkdtempSync(join(tmpdir(), 'org-mailer-baseline-'));
  const dir = join(temp, 'tree');
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    spawnSync('git', ['worktree', 'remove', '--force', dir], { cwd: repoDir });
    rmSync(temp, { recursive: true, force: true });
    spawnSync('git', ['worktree', 'prune'], { cwd: repoDir });
  };
  try {
    step(`baseline: git worktree add --detach ${dir} ${revision}`);
    must('git', ['worktree', 'add', '--detach', dir, revision], { cwd: repoDir });
    const commit = must('git', ['rev-parse', 'HEAD'], { cwd: dir });
    must('cp', ['-al', join(repoDir, 'node_modules'), join(dir, 'node_modules')], {});
    const profiler = join('bench', 'cpuProfile.ts');
    if (existsSync(join(dir, profiler))) {
      step(`baseline: profiled with this tree's ${profiler}`);
      copyFileSync(join(repoDir, profiler), join(dir, profiler));
    }
    step(`baseline: npm run build in ${dir} (commit ${commit.slice(0, 12)})`);
    must('npm', ['run', 'build'], { cwd: dir });
    return { revision, commit, dir, remove, run: (args, onLine) => runBench(dir, args, onLine) };
  } catch (error) {
    remove();
    throw error;
  }
}

/** Removes the tree when this process is interrupted, then ends it as the signal would. */
export function removeOnSignal(tree: BaselineTree): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    tree.remove();
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
