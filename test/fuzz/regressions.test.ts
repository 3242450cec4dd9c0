/** Findings of the broker fuzz test, each pinned by the exact request that found it. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/broker/protocol/index.js';
import { startTestCluster, type TestCluster } from '../helpers/embedded.js';
import { rawRequest } from '../helpers/raw.js';

let t: TestCluster;
let port: number;
beforeAll(async () => {
  t = await startTestCluster({ brokers: 1 });
  port = t.cluster.brokers()[0]!.port;
});
afterAll(async () => {
  await t?.destroy();
});

describe('fuzz findings', () => {
  // Found by broker-fuzz (seed 12, an "extreme-values" CreateTopics): numPartitions 2^31-1 made the controller build
  // the replica assignment partition by partition until the process ran out of memory (2 000 000 took 83 s and 1.2 GB).
  it('CreateTopics with a huge partition count is refused with INVALID_PARTITIONS, at once', async () => {
    for (const numPartitions of [0x7fffffff, 10_001]) {
      const body = await rawRequest(port, 19, 3, { topics: [{ name: `huge-${numPartitions}`, numPartitions, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 1000 });
      expect(body.topics[0]).toMatchObject({ errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: expect.stringMatching(/Excessively large number of partitions/) });
    }
    const meta = await rawRequest(port, 3, 1, { topics: null });
    expect(meta.topics.map((x: { name: string }) => x.name)).not.toContain('huge-2147483647');
  });

  it('the limit is per request: many topics together may not exceed it either', async () => {
    const topics = Array.from({ length: 3 }, (_, i) => ({ name: `many-${i}`, numPartitions: 4000, replicationFactor: 1, assignments: [], configs: [] }));
    const body = await rawRequest(port, 19, 3, { topics, timeoutMs: 1000, validateOnly: true });
    expect(body.topics.map((x: { errorCode: number }) => x.errorCode)).toEqual([0, 0, ErrorCode.INVALID_PARTITIONS]);
  });

  it('CreatePartitions with a huge count is refused with INVALID_PARTITIONS, at once', async () => {
    const created = await rawRequest(port, 19, 3, { topics: [{ name: 'grow-me', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 1000 });
    expect(created.topics[0].errorCode).toBe(0);
    const body = await rawRequest(port, 37, 1, { topics: [{ name: 'grow-me', count: 0x7fffffff, assignments: null }], timeoutMs: 1000, validateOnly: false });
    expect(body.results[0]).toMatchObject({ errorCode: ErrorCode.INVALID_PARTITIONS });
  });
});
