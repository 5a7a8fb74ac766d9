/**
 * The measuring side of `npm run bench`: one benchmark per child process, started by `run.ts` with
 * the stack's settings and NODE_EXTRA_CA_CERTS in its environment (Node reads that variable only at
 * start-up). The result goes back over the IPC channel. `run.ts` loads this module only in the
 * child, so the parent (which hosts the sandbox) does not load the app.
 */
import { benchDelivery, DeliveryOptions, DeliveryResult } from './delivery';
import { benchFairness, FairnessOptions, FairnessResult } from './fairness';
import { benchDirectory, DirectoryBenchResult } from './directory';
import { benchDirsync, DirsyncBenchResult } from './dirsync';
import { benchMemory, MemoryOptions, MemoryResult } from './memory';
import { benchScaleOut, ScaleOutOptions, ScaleOutResult } from './scaleOut';
import { benchTypedClient, TypedClientOptions, TypedClientResult } from './typedClient';

export type ChildTask =
  | { kind: 'delivery'; options: DeliveryOptions }
  | { kind: 'typed'; options: TypedClientOptions }
  | { kind: 'fairness'; options: FairnessOptions }
  | { kind: 'memory'; options: MemoryOptions }
  | { kind: 'directory'; users: number }
  | { kind: 'dirsync'; users: number; groups: number }
  | { kind: 'scaleOut'; options: ScaleOutOptions };
export type ChildResult =
  DeliveryResult | TypedClientResult | FairnessResult | MemoryResult | DirectoryBenchResult | DirsyncBenchResult | ScaleOutResult;

function run(task: ChildTask): Promise<ChildResult> {
  switch (task.kind) {
    case 'delivery':
      return benchDelivery(task.options);
    case 'typed':
      return benchTypedClient(task.options);
    case 'fairness':
      return benchFairness(task.options);
    case 'memory':
      return benchMemory(task.options);
    case 'directory':
      return benchDirectory(task.users);
    case 'dirsync':
      return benchDirsync(task.users, task.groups);
    case 'scaleOut':
      return benchScaleOut(task.options);
  }
}

export async function childMain(taskJson: string): Promise<void> {
  let reply: { ok: true; result: ChildResult } | { ok: false; error: string };
  try {
    reply = { ok: true, result: await run(JSON.parse(taskJson) as ChildTask) };
  } catch (error) {
    reply = { ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
  // SDK keep-alive sockets would hold the process open: leave once the parent has the answer.
  process.send!(reply, () => process.exit(0));
}
