// Splits the suite into the runner's shards (dev/test-runner.ts) by balancing the shards' total file
// size, largest first, instead of Jest's default split by path hash, which put the slowest files
// together. Size stands in for duration because a fresh clone has no timing cache.
const { statSync } = require('node:fs');
const Sequencer = require('@jest/test-sequencer').default;

class ShardSequencer extends Sequencer {
  shard(tests, { shardIndex, shardCount }) {
    const bySize = [...tests]
      .map((test) => ({ test, size: statSync(test.path).size }))
      .sort((a, b) => b.size - a.size || a.test.path.localeCompare(b.test.path));
    const shards = Array.from({ length: shardCount }, () => ({ size: 0, tests: [] }));
    for (const { test, size } of bySize) {
      const lightest = shards.reduce((min, s) => (s.size < min.size ? s : min));
      lightest.size += size;
      lightest.tests.push(test);
    }
    return shards[shardIndex - 1].tests;
  }
}
module.exports = ShardSequencer;
