/**
 * Record batches a broker must refuse, sent as exact Produce v7 requests (the kit's codec and batch builder), each on
 * a fresh connection: what error code comes back, or whether the connection is dropped instead.
 */
import { Kafka, logLevel } from 'kafkajs';
import { buildBatch, Compression, updateCrc } from '../../broker/protocol/record-batch.js';
import { errorName, timedRequest } from '../drivers/raw.js';
import type { Scenario, ScenarioContext } from '../types.js';

async function produceBatch(ctx: ScenarioContext, broker: number, topic: string, partition: number, batch: Buffer) {
  const answer = await timedRequest(ctx.bootstrap[broker - 1]!, 0, 7, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: partition, records: batch }] }] }, 15_000);
  if (answer.failure) return { failure: answer.failure };
  const p = answer.body.responses[0].partitionResponses[0];
  return { error: errorName(p.errorCode) };
}

export const badBatches: Scenario = {
  name: 'bad-batches',
  title: 'bad record batches: zero records, a corrupt gzip body with a valid CRC, transactional without a producer id, an internal topic, max.message.bytes, timestamps out of range',
  level: 'must-match',
  quick: true,
  clients: ['raw'],
  needs: [],
  async run(ctx) {
    const topic = ctx.topic();
    await ctx.admin.createTopic(topic, { partitions: 1, replicationFactor: 3, configs: { 'max.message.bytes': '2048' } });
    const { leader } = await ctx.admin.partition(topic);
    const good = [{ value: 'fine' }];
    ctx.observe('a good batch', await produceBatch(ctx, leader, topic, 0, buildBatch(good)));
    ctx.observe('a batch with zero records', await produceBatch(ctx, leader, topic, 0, buildBatch([])));
    const corrupt = buildBatch([{ value: 'x'.repeat(200) }], { compression: Compression.GZIP });
    corrupt.fill(0x55, 61 + 12, corrupt.length - 8); // inside the deflate stream (not its trailer), then a CRC that covers the damage
    updateCrc(corrupt);
    ctx.observe('a gzip batch with a corrupt body and a valid CRC', await produceBatch(ctx, leader, topic, 0, corrupt));
    ctx.observe('a transactional batch without a producer id', await produceBatch(ctx, leader, topic, 0, buildBatch(good, { transactional: true })));
    ctx.observe('a batch above max.message.bytes (2048)', await produceBatch(ctx, leader, topic, 0, buildBatch([{ value: 'y'.repeat(3000) }])));
    ctx.observe('a record with timestamp 1000 (1970), default message.timestamp.before.max.ms', await produceBatch(ctx, leader, topic, 0, buildBatch([{ value: 'old', timestamp: 1000 }])));
    const strict = ctx.topic('strict-time');
    try {
      await ctx.admin.createTopic(strict, { partitions: 1, replicationFactor: 3, configs: { 'message.timestamp.before.max.ms': '3600000', 'message.timestamp.after.max.ms': '3600000' } });
      const p = await ctx.admin.partition(strict);
      ctx.observe('message.timestamp.before.max.ms=1h: a record from 1970', await produceBatch(ctx, p.leader, strict, 0, buildBatch([{ value: 'old', timestamp: 1000 }])));
      ctx.observe('message.timestamp.after.max.ms=1h: a record a day ahead', await produceBatch(ctx, p.leader, strict, 0, buildBatch([{ value: 'future', timestamp: Date.now() + 86_400_000 }])));
    } catch (error) {
      ctx.observe('message.timestamp.before.max.ms=1h: a record from 1970', { topicNotCreated: (error as Error).message.split(':')[0] });
    }
    const offsets = await new Kafka({ brokers: ctx.bootstrap, logLevel: logLevel.NOTHING }).admin();
    await offsets.connect();
    const md = await offsets.fetchTopicMetadata({ topics: ['__consumer_offsets'] });
    await offsets.disconnect();
    const p0 = md.topics[0]!.partitions.find((p) => p.partitionId === 0)!;
    ctx.observe('a batch produced into __consumer_offsets', await produceBatch(ctx, p0.leader, '__consumer_offsets', 0, buildBatch(good)));
  },
};
