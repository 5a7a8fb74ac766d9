/**
 * The CPU profile of the pipeline worker: V8's sampling profiler, the one
 * `node --cpu-prof` starts, driven through the inspector protocol
 * (https://nodejs.org/docs/latest-v20.x/api/inspector.html#cpu-profiler) so that it covers only the
 * worker's window, not the set-up and enqueue before it. The profile is written as a
 * `.cpuprofile` (open it in Chrome DevTools or VS Code) and summarised as the top self-time items,
 * each frame mapped back to its source file through the bundle's source map (the child runs with
 * --enable-source-maps).
 */
import { Session } from 'node:inspector';
import { mkdirSync, writeFileSync } from 'node:fs';
import { findSourceMap } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface SelfTimeItem {
  /** Function name (`(anonymous)` when V8 has none), and its source: a repository path or `package/file`. */
  name: string;
  file: string;
  selfMs: number;
  /** Share of the profile's non-idle samples. */
  percent: number;
}

/**
 * Where the sampled time goes, by who runs it: each sample goes to the area of its own frame, or,
 * for a native frame (a socket write, the garbage collector's work), of the nearest JavaScript
 * frame that called it; samples with no JavaScript frame at all are `native`.
 */
export const AREAS = ['app', 'storage-sdk', 'provider-sdk', 'host', 'bench', 'node', 'native'] as const;
export type Area = (typeof AREAS)[number];
export const AREA_LABELS: Record<Area, string> = {
  app: "the app's own code (shared/, functions/)",
  'storage-sdk': 'Azure SDK HTTP, Storage and XML packages (@azure/*, @typespec/*, fast-xml-*)',
  'provider-sdk': 'other packages (Graph client, zod, lru-cache, ...)',
  host: 'the local Functions host (dev/host: queue polling and completion)',
  bench: 'the benchmark itself (meters, polling for the outcome)',
  node: 'Node.js internals (HTTP, streams, timers) called from no package frame',
  native: 'native with no JavaScript caller (garbage collector, socket writes, program)',
};

/** The area of one source file (repository path or `package/file`, as `originalFile` gives). */
export function areaOf(file: string): Area {
  if (file.startsWith('node:')) return 'node';
  if (file.startsWith('(') || file === '') return 'native';
  if (/^(shared|functions)\//.test(file)) return 'app';
  if (/^dev\//.test(file)) return 'host';
  if (/^bench\//.test(file) || /dist\/bench\//.test(file)) return 'bench';
  if (/^(@azure\/|@typespec\/|fast-xml-|strnum|tslib)/.test(file)) return 'storage-sdk';
  return 'provider-sdk';
}

export interface CpuProfileSummary {
  /** Non-idle sampled time per area (ms). */
  areas?: Record<Area, number>;
  top: SelfTimeItem[];
  /** The same, JavaScript frames only (a file of the app or a package): where the native time above is called from. */
  topJs: SelfTimeItem[];
  /** Non-idle sampled time (ms) and where the `.cpuprofile` was written. */
  sampledMs: number;
  path: string;
}

interface ProfileNode {
  id: number;
  children?: number[];
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** `node_modules/@azure/core-rest-pipeline/dist/x.js` -> `@azure/core-rest-pipeline/dist/x.js`; app files relative to the repo. */
function shortFile(source: string): string {
  const path = source.startsWith('file://') ? fileURLToPath(source) : source;
  const inModules = /node_modules\/(.*)$/.exec(path);
  return inModules ? inModules[1] : relative(process.cwd(), path) || path;
}

/** The original source of a bundle frame (V8 lines and columns are 0-based, as SourceMap.findEntry wants). */
function originalFile(frame: ProfileNode['callFrame']): string {
  if (!frame.url) return '(native)';
  if (frame.url.startsWith('node:')) return frame.url;
  const map = findSourceMap(frame.url.startsWith('file://') ? fileURLToPath(frame.url) : frame.url);
  const entry = map?.findEntry(frame.lineNumber, frame.columnNumber) as { originalSource?: string } | undefined;
  return shortFile(entry?.originalSource ?? frame.url);
}

const isJs = (item: SelfTimeItem) => !item.file.startsWith('(') && !item.file.startsWith('node:');

/** Self time per (function, file), highest first, all frames and JavaScript only; `(idle)` samples are left out. */
export function topSelfTime(
  profile: Profile,
  count = 5,
): { top: SelfTimeItem[]; topJs: SelfTimeItem[]; sampledMs: number; areas: Record<Area, number> } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, ProfileNode>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node);
  const files = new Map<ProfileNode, string>();
  const fileOf = (node: ProfileNode) => files.get(node) ?? files.set(node, originalFile(node.callFrame)).get(node)!;
  /** The area of a sample: its frame's, or for a native frame its nearest JavaScript caller's. */
  const areaOfNode = (node: ProfileNode): Area => {
    for (let at: ProfileNode | undefined = node; at; at = parentOf.get(at.id)) {
      const area = areaOf(fileOf(at));
      if (area !== 'native' && area !== 'node') return area;
    }
    return areaOf(fileOf(node));
  };
  const areas = Object.fromEntries(AREAS.map((area) => [area, 0])) as Record<Area, number>;
  const totals = new Map<string, SelfTimeItem>();
  let sampledMs = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const frame = node?.callFrame;
    if (!node || !frame || frame.functionName === '(idle)') return;
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    sampledMs += ms;
    areas[areaOfNode(node)] += ms;
    const name = frame.functionName || '(anonymous)';
    const file = fileOf(node);
    const key = `${name}\u0000${file}`;
    const item = totals.get(key) ?? { name, file, selfMs: 0, percent: 0 };
    item.selfMs += ms;
    totals.set(key, item);
  });
  const ranked = [...totals.values()].sort((a, b) => b.selfMs - a.selfMs);
  for (const item of ranked) item.percent = sampledMs ? (100 * item.selfMs) / sampledMs : 0;
  return { top: ranked.slice(0, count), topJs: ranked.filter(isJs).slice(0, count), sampledMs, areas };
}

function post<T>(session: Session, method: string, params: object = {}): Promise<T> {
  return new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result as T))));
}

/**
 * Microseconds between samples. V8's default, 1 ms, leaves about 50 samples of app code in the `azure`
 * profile's 100 messages, too few to tell two trees 5% apart; at 100 us a run holds about ten times
 * as many (https://chromedevtools.github.io/devtools-protocol/v8/Profiler/#method-setSamplingInterval).
 */
const SAMPLING_INTERVAL_US = 100;

/** Starts profiling this process; `stop` writes `<dir>/<label>.cpuprofile` and summarises it. */
export async function startCpuProfile(dir: string, label: string): Promise<{ stop(): Promise<CpuProfileSummary> }> {
  const session = new Session();
  session.connect();
  await post(session, 'Profiler.enable');
  await post(session, 'Profiler.setSamplingInterval', { interval: SAMPLING_INTERVAL_US });
  await post(session, 'Profiler.start');
  return {
    async stop() {
      const { profile } = await post<{ profile: Profile }>(session, 'Profiler.stop');
      session.disconnect();
      mkdirSync(dir, { recursive: true });
      const path = join(dir, `${label}.cpuprofile`);
      writeFileSync(path, JSON.stringify(profile));
      return { ...topSelfTime(profile), path: relative(process.cwd(), path) };
    },
  };
}
