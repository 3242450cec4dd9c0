import { statfsSync } from 'node:fs';
import type { Replica } from '../cluster/replica.js';
import { ErrorCode } from '../protocol/errors.js';
import { defineHandler } from './types.js';

/**
 * DescribeLogDirs v1-4 (what `kafka-log-dirs` and a console's log sizes ask): the one log dir of the receiving broker,
 * with each partition replica it hosts, its size on disk and, on a follower, how far its log end is behind the
 * leader's (offsetLag; 0 on the leader, as Kafka reports it). Null topics means all of them.
 */
export const describeLogDirs = defineHandler({
  apiKey: 35,
  name: 'DescribeLogDirs',
  minVersion: 1,
  maxVersion: 4,
  handle(request, { broker, cluster }) {
    const wanted = request.topics as Array<{ topic: string; partitions: number[] }> | null;
    const asked = (r: Replica) => wanted === null || wanted.some((t) => t.topic === r.topic && t.partitions.includes(r.partition));
    const byTopic = new Map<string, Replica[]>();
    for (const replica of broker.replicas.values()) {
      if (!asked(replica)) continue;
      byTopic.set(replica.topic, [...(byTopic.get(replica.topic) ?? []), replica]);
    }
    const lagOf = (r: Replica) => {
      if (r.isLeader) return 0;
      const leader = cluster.leaderReplica(r.topic, r.partition);
      return leader ? Math.max(0, leader.logEndOffset - r.logEndOffset) : 0;
    };
    const disk = diskSpace(broker.dataDir);
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      results: [
        {
          errorCode: ErrorCode.NONE,
          logDir: broker.dataDir,
          topics: [...byTopic].map(([name, replicas]) => ({
            name,
            partitions: replicas
              .sort((a, b) => a.partition - b.partition)
              .map((r) => ({ partitionIndex: r.partition, partitionSize: r.log.sizeBytes, offsetLag: lagOf(r), isFutureKey: false })),
          })),
          totalBytes: disk.total,
          usableBytes: disk.usable,
        },
      ],
    };
  },
});

function diskSpace(dir: string): { total: number; usable: number } {
  try {
    const s = statfsSync(dir);
    return { total: s.blocks * s.bsize, usable: s.bavail * s.bsize };
  } catch {
    return { total: -1, usable: -1 };
  }
}
