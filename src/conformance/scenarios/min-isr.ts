/**
 * The high watermark under min.insync.replicas. A topic with RF 3 and min.insync.replicas=3, one follower killed:
 *   - an acks=all produce sent at once waits for it; when the controller fences it (5 s) the ISR shrinks below min ISR,
 *   - then acks=1 is acknowledged but stays invisible (the high watermark does not move below min ISR, KIP-966),
 *   - acks=all is refused at once (NOT_ENOUGH_REPLICAS),
 *   - and once the follower is back in the ISR everything written becomes visible.
 */
import type { Scenario } from '../types.js';
import { offsets, produced, records } from './basics.js';

export const hwUnderMinIsr: Scenario = {
  name: 'hw-under-min-isr',
  title: 'high watermark and acks while the ISR is below min.insync.replicas, then recovers',
  level: 'must-match',
  quick: true,
  clients: ['kafkajs', 'kafka-python', 'java', 'franz-go', 'kcat'],
  quickClients: ['kafkajs'],
  needs: [],
  async run(ctx) {
    const topic = ctx.topic();
    await ctx.admin.createTopic(topic, { partitions: 1, replicationFactor: 3, configs: { 'min.insync.replicas': '3' } });
    await ctx.run('produce a, acks=all, full ISR', { op: 'produce', topic, partition: 0, values: ['a'], acks: -1, timeoutMs: 10_000 }, { keep: produced });
    const { leader, replicas } = await ctx.admin.partition(topic);
    const follower = replicas.find((r) => r !== leader)!;
    await ctx.cluster.killBroker(follower);
    await ctx.run('produce b, acks=all, timeout 9 s, sent as a follower dies (its fencing shrinks the ISR below min ISR meanwhile)', { op: 'produce', topic, partition: 0, values: ['b'], acks: -1, timeoutMs: 9000 }, { keep: produced, toleranceMs: 2500 });
    await ctx.admin.waitFor(topic, (p) => p.isr.length === 2, 'an ISR of 2');
    await ctx.run('produce c, acks=1, ISR 2 < min ISR 3', { op: 'produce', topic, partition: 0, values: ['c'], acks: 1, timeoutMs: 5000 }, { keep: produced, toleranceMs: 1500 });
    await ctx.run('read from offset 1 (what is visible of b and c)', { op: 'fetch', topic, partition: 0, offset: 1, max: 2, waitMs: 4000 }, { keep: records });
    await ctx.run('list offsets (latest = high watermark)', { op: 'offsets', topic, partition: 0 }, { keep: offsets });
    await ctx.run('produce d, acks=all, ISR 2 < min ISR 3', { op: 'produce', topic, partition: 0, values: ['d'], acks: -1, timeoutMs: 5000 }, { keep: produced, toleranceMs: 1500 });
    await ctx.cluster.startBroker(follower);
    await ctx.admin.waitFor(topic, (p) => p.isr.length === 3, 'the ISR back to 3', 90_000);
    await ctx.run('after the ISR recovered: read from offset 0', { op: 'fetch', topic, partition: 0, offset: 0, max: 3, waitMs: 15_000 }, { keep: records });
    await ctx.run('after the ISR recovered: list offsets', { op: 'offsets', topic, partition: 0 }, { keep: offsets });
  },
};
