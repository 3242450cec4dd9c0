/**
 * The bench's real-Kafka path works: Kafka's own ProducerPerformance and ConsumerPerformance run against a tiny jvm
 * cluster (one broker, free ports, temp home) and their output parses into the numbers `yarn bench` reports. Skips
 * with the reason when Java 17+ or the Kafka runtime is missing; fails then when KAFKA_LAB_REQUIRE_JVM=1 (.ci/run).
 * No timing assertions: benchmarks are not tests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KafkaTools, consumerPerformance, findKafkaTools, parseConsumerPerformance, parseProducerPerformance, producerPerformance } from '../../bench/kafka-tools.js';
import { createTopic } from '../../bench/measure.js';
import { cpuMicros, rssBytes } from '../../bench/proc.js';
import { type JvmTestCluster, jvmSkip, jvmTestCluster } from '../helpers/jvm.js';

describe('bench: parsing what Kafka 4.4 tools print', () => {
  it('takes the final ProducerPerformance summary (with percentiles), not the periodic lines', () => {
    const out = [
      '38926 records sent, 7783.6 records/sec (7.60 MB/sec), 1861.1 ms avg latency, 2780.0 ms max latency.',
      '50000 records sent, 8960.573477 records/sec (8.75 MB/sec), 1907.76 ms avg latency, 2780.00 ms max latency, 2054 ms 50th, 2426 ms 95th, 2728 ms 99th, 2778 ms 99.9th.',
    ].join('\n');
    const p = parseProducerPerformance(out, 1024);
    expect(p).toMatchObject({ records: 50000, p50Ms: 2054, p95Ms: 2426, p99Ms: 2728, p999Ms: 2778, maxLatencyMs: 2780 });
    expect(p.msgsPerSec).toBeCloseTo(8960.57, 1);
    expect(p.mbPerSec).toBeCloseTo((8960.573477 * 1024) / 1e6, 3);
    expect(() => parseProducerPerformance('Exception in thread "main"', 1024)).toThrow(/no ProducerPerformance summary/);
  });

  it('reads ConsumerPerformance columns by their header names', () => {
    const out = [
      'start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec',
      '2026-12-02 01:30:03:217, 2026-12-02 01:30:04:164, 48.8281, 51.5609, 50000, 52798.3105, 442, 505, 96.6894, 99009.9010',
    ].join('\n');
    expect(parseConsumerPerformance(out, 1024)).toMatchObject({ records: 50000, msgsPerSec: 99009.901, rebalanceMs: 442 });
  });

  it('reads CPU time and RSS of a process from /proc', () => {
    if (process.platform !== 'linux') return;
    expect(cpuMicros(process.pid)).toBeGreaterThan(0);
    expect(rssBytes(process.pid)).toBeGreaterThan(1024 * 1024);
    expect(cpuMicros(2 ** 22 + 1)).toBeNull();
  });
});

const skip = jvmSkip('test/bench/kafka-tools.test.ts');

describe.skipIf(skip !== null)('bench: Kafka tools on a tiny jvm cluster', () => {
  let c: JvmTestCluster;
  let tools: KafkaTools;
  beforeAll(async () => {
    const found = findKafkaTools();
    if ('skipped' in found) throw new Error(found.skipped);
    tools = found;
    c = await jvmTestCluster('single');
    await c.backend.up();
    await createTopic(c.backend.bootstrapServers(), 'bench-tool', 1, 1);
  }, 180_000);
  afterAll(async () => {
    await c?.destroy();
  }, 120_000);

  it('ProducerPerformance then ConsumerPerformance: every record counted, percentiles in order', async () => {
    const o = { bootstrap: c.backend.bootstrapServers(), topic: 'bench-tool', records: 500, recordBytes: 1024 };
    const produced = await producerPerformance(tools, o);
    expect(produced.records).toBe(500);
    expect(produced.msgsPerSec).toBeGreaterThan(0);
    expect(produced.p50Ms).toBeLessThanOrEqual(produced.p99Ms);
    expect(produced.p99Ms).toBeLessThanOrEqual(produced.p999Ms);
    const consumed = await consumerPerformance(tools, o);
    expect(consumed.records).toBe(500);
    expect(consumed.msgsPerSec).toBeGreaterThan(0);
  }, 120_000);
});
