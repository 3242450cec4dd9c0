/**
 * The benchmark harness works: the null broker answers a real kafkajs producer and a raw Fetch, and a tiny produce
 * measurement returns sane numbers. No timing assertions: benchmarks are not tests (`yarn bench` measures).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NULL_BROKER_APIS, NullBroker } from '../../bench/null-broker.js';
import { measureProduce } from '../../bench/measure.js';
import { recordBatch } from '../../src/broker/protocol/index.js';
import { rawRequest } from '../helpers/raw.js';

let nb: NullBroker;
beforeAll(async () => {
  nb = await NullBroker.start({ brokers: 3, partitions: 3, fetchRecords: 5, fetchValueBytes: 16 });
});
afterAll(async () => {
  await nb?.close();
});

describe('bench harness (null broker)', () => {
  it('lists three brokers and any topic asked for', async () => {
    const md = await rawRequest(nb.ports[0]!, NULL_BROKER_APIS.metadata, 1, { topics: [{ name: 'smoke' }] });
    expect(md.brokers.map((b: { port: number }) => b.port)).toEqual(nb.ports);
    expect(md.topics[0].name).toBe('smoke');
    expect(md.topics[0].partitions).toHaveLength(3);
  });

  it('a tiny kafkajs produce measurement (acks=all) counts every message', async () => {
    const t = await measureProduce(nb.bootstrapServers, { topic: 'smoke', messages: 500, valueBytes: 64, batch: 50, concurrency: 2, warmup: 50 });
    expect(t.messages).toBe(500);
    expect(t.bytes).toBe(500 * 64);
    expect(t.msgsPerSec).toBeGreaterThan(0);
    expect(nb.recordsProduced).toBe(550);
    expect(nb.requests.get(NULL_BROKER_APIS.produce)).toBeGreaterThan(0);
  });

  it('serves a canned batch at the fetch offset', async () => {
    const body = {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      topics: [{ topic: 'smoke', partitions: [{ partition: 1, fetchOffset: 42, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, logStartOffset: -1 }] }],
    };
    const res = await rawRequest(nb.ports[1]!, NULL_BROKER_APIS.fetch, 4, body);
    const p = res.responses[0].partitions[0];
    expect(p.errorCode).toBe(0);
    expect(p.highWatermark).toBe(47);
    expect(recordBatch.validateBatch(p.records)).toBe(0);
    const records = recordBatch.decodeRecords(p.records);
    expect(records).toHaveLength(5);
    expect(p.records.readUInt32BE(4)).toBe(42);
  });
});
