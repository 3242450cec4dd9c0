/** What every client does first: produce, read back, list offsets, read metadata; each codec; leader epochs. */
import type { Answer, ClientName, Compression, Scenario, ScenarioContext } from '../types.js';

export const CLIENTS: readonly ClientName[] = ['kafkajs', 'kcat', 'kafka-python', 'java', 'franz-go'];

export const records = (a: Answer) => (a.error ? { error: a.error } : { records: a.records?.map((r) => [r.offset, r.value]) });
export const offsets = (a: Answer) => (a.error ? { error: a.error } : { earliest: a.earliest, latest: a.latest });
/** Which broker leads is the cluster's choice: kept is whether the leader is a replica and in the ISR. */
export const partitions = (a: Answer) =>
  a.error
    ? { error: a.error }
    : { brokers: a.brokers, partitions: a.partitions?.map((p) => ({ partition: p.partition, replicas: p.replicas, isr: p.isr, leaderInIsr: p.isr.includes(p.leader) })) };
export const produced = (a: Answer) => (a.error ? { error: a.error } : a.offsets ? { offsets: a.offsets } : 'acknowledged');

export const produceConsume: Scenario = {
  name: 'produce-consume',
  title: 'produce with acks=all, read back from two offsets, list offsets, metadata',
  level: 'must-match',
  quick: true,
  clients: CLIENTS,
  needs: [],
  async run(ctx) {
    const topic = ctx.topic();
    await ctx.admin.createTopic(topic, { partitions: 2, replicationFactor: 3 });
    await ctx.run('produce a..e to partition 0, acks=all', { op: 'produce', topic, partition: 0, values: ['a', 'b', 'c', 'd', 'e'], acks: -1, timeoutMs: 30_000 }, { keep: produced });
    await ctx.run('produce f, acks=1', { op: 'produce', topic, partition: 0, values: ['f'], acks: 1, timeoutMs: 30_000 }, { keep: produced });
    await ctx.run('read 6 from offset 0', { op: 'fetch', topic, partition: 0, offset: 0, max: 6, waitMs: 15_000 }, { keep: records });
    await ctx.run('read 2 from offset 3', { op: 'fetch', topic, partition: 0, offset: 3, max: 2, waitMs: 15_000 }, { keep: records });
    await ctx.run('list offsets of partition 0', { op: 'offsets', topic, partition: 0 }, { keep: offsets });
    await ctx.run('list offsets of the empty partition 1', { op: 'offsets', topic, partition: 1 }, { keep: offsets });
    await ctx.run('metadata', { op: 'metadata', topic }, { keep: partitions });
  },
};

const CODECS: Compression[] = ['gzip', 'snappy', 'lz4', 'zstd'];

export const codecs: Scenario = {
  name: 'codecs',
  title: 'each codec (gzip, snappy, lz4, zstd) produced and read back',
  level: 'must-match',
  quick: true,
  clients: CLIENTS,
  needs: [],
  async run(ctx) {
    const topic = ctx.topic();
    await ctx.admin.createTopic(topic, { partitions: CODECS.length, replicationFactor: 3 });
    for (const [partition, compression] of CODECS.entries()) {
      const values = [`${compression}-1`, `${compression}-2`, 'x'.repeat(500)];
      const sent = await ctx.run(`produce 3 records with ${compression}`, { op: 'produce', topic, partition, values, acks: -1, timeoutMs: 30_000, compression }, { keep: produced });
      if (sent.error) continue;
      await ctx.run(`read the ${compression} records`, { op: 'fetch', topic, partition, offset: 0, max: 3, waitMs: 15_000 }, { keep: (a) => (a.error ? { error: a.error } : { records: a.records?.map((r) => [r.offset, r.value.length > 20 ? `${r.value.length} bytes` : r.value]) }) });
    }
  },
};

const epochs = (a: Answer) =>
  a.error ? { error: a.error } : { leaderEpoch: a.leaderEpoch, records: a.records?.map((r) => [r.offset, r.leaderEpoch ?? '(none)']), partitions: a.partitions?.map((p) => p.leaderEpoch ?? '(none)') };

async function leaderEpochs(ctx: ScenarioContext, topic: string, when: string, nextOffset: number): Promise<void> {
  await ctx.run(`${when}: metadata leader epoch`, { op: 'metadata', topic }, { keep: epochs });
  await ctx.run(`${when}: ListOffsets latest with its epoch`, { op: 'offsets', topic, partition: 0 }, { keep: (a) => (a.error ? { error: a.error } : { latest: a.latest, leaderEpoch: a.leaderEpoch ?? '(none)' }) });
  await ctx.run(`${when}: the records' leader epochs`, { op: 'fetch', topic, partition: 0, offset: 0, max: nextOffset, waitMs: 15_000 }, { keep: epochs });
}

export const leaderEpochScenario: Scenario = {
  name: 'leader-epochs',
  title: 'leader epochs reach clients (Metadata v7+, ListOffsets v4+, record batches), before and after a leader change',
  level: 'must-match',
  quick: true,
  clients: ['java', 'franz-go'],
  // franz-go shows all three (Java's admin API has no epoch in its metadata); a broker restart costs ~30 s on Kafka
  quickClients: ['franz-go'],
  needs: [],
  async run(ctx) {
    const topic = ctx.topic();
    await ctx.admin.createTopic(topic, { partitions: 1, replicationFactor: 3 });
    await ctx.run('produce 1 record', { op: 'produce', topic, partition: 0, values: ['one'], acks: -1, timeoutMs: 10_000 }, { keep: produced });
    await leaderEpochs(ctx, topic, 'first leader', 1);
    const before = await ctx.admin.partition(topic);
    await ctx.cluster.stopBroker(before.leader);
    await ctx.admin.waitFor(topic, (p) => p.leader >= 0 && p.leader !== before.leader, 'a new leader');
    // acks=all: with acks=1 the high watermark (ListOffsets latest) would race the followers' next fetch on Kafka
    await ctx.run('produce 1 record after the leader moved', { op: 'produce', topic, partition: 0, values: ['two'], acks: -1, timeoutMs: 10_000 }, { keep: produced });
    await leaderEpochs(ctx, topic, 'second leader', 2);
  },
};
