import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PartitionLog } from '../../src/broker/log/index.js';
import { crc32c } from '../../src/broker/protocol/crc32c.js';
import { buildBatch, parseBatches, tempDir } from './helpers.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(() => cleanup());

function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
}

describe('memory stays bounded', () => {
  it('200k small batches: index proportional to size / interval, no batch bytes held, fast reopen', () => {
    const opts = { segmentBytes: 64 * 1024, indexIntervalBytes: 4096, retentionMs: -1 };
    const log = PartitionLog.open(join(dir, 'big'), opts);
    const template = buildBatch(['0123456789'], { producerId: 5, producerEpoch: 0, baseSequence: 0 });
    const N = 200_000;
    collectGarbage();
    const before = process.memoryUsage();
    for (let i = 0; i < N; i++) {
      template.writeInt32BE(i, 53); // next sequence
      template.writeUInt32BE(crc32c(template, 21), 17);
      log.appendAsLeader(template, 0);
    }
    expect(log.logEndOffset).toBe(N);
    const stats = log.stats();
    expect(stats.sizeBytes).toBe(N * template.length);
    const expectedSegments = Math.ceil(stats.sizeBytes / (64 * 1024));
    expect(stats.segments).toBeGreaterThanOrEqual(expectedSegments);
    expect(stats.segments).toBeLessThanOrEqual(expectedSegments + 2);
    expect(stats.indexEntries).toBeLessThanOrEqual(stats.sizeBytes / 4096 + stats.segments + 1);
    expect(stats.indexEntries).toBeGreaterThan(stats.sizeBytes / 4096 / 2);
    expect(stats.producers).toBe(1);
    expect(log.producerState.get(5)!.batches).toHaveLength(5);
    collectGarbage();
    const after = process.memoryUsage();
    // ~14 MB were written; nothing like it may stay in memory
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(4 * 1024 * 1024);
    expect(after.heapUsed - before.heapUsed).toBeLessThan(8 * 1024 * 1024);

    // reads anywhere use the index
    for (const off of [0, 1, 4095, 77_777, 123_456, N - 1]) {
      const batches = parseBatches(log.read(off, 1).records);
      expect(batches[0]!.baseOffset).toBe(off);
    }
    const many = parseBatches(log.read(1000, 64 * 1024).records);
    expect(many[0]!.baseOffset).toBe(1000);
    expect(many.length).toBeGreaterThan(100);
    log.close();

    const again = PartitionLog.open(join(dir, 'big'), opts);
    expect(again.stats()).toEqual(stats);
    expect(parseBatches(again.read(150_001, 1).records)[0]!.baseOffset).toBe(150_001);
    again.close();
  }, 120_000);
});
