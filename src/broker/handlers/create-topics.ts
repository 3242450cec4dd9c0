import { MAX_PARTITIONS_PER_REQUEST, TopicError } from '../cluster/controller.js';
import { ErrorCode } from '../protocol/errors.js';
import { awaitController } from './forward.js';
import { defineHandler } from './types.js';

interface CreatableTopic {
  name: string;
  numPartitions: number;
  replicationFactor: number;
  assignments: Array<{ partitionIndex: number; brokerIds: number[] }>;
  configs: Array<{ name: string; value: string | null }>;
}

/**
 * CreateTopics v0-3, validated as Kafka does (name, partitions, replication factor against the registered brokers,
 * known configs) with Kafka's error codes. Any broker accepts it, as KRaft brokers forward it to the controller:
 * without an active controller it waits, then REQUEST_TIMED_OUT (see forward.ts).
 */
export const createTopics = defineHandler({
  apiKey: 19,
  name: 'CreateTopics',
  minVersion: 0,
  maxVersion: 3,
  async handle(request, { cluster }) {
    const names = request.topics.map((t: CreatableTopic) => t.name);
    if (!(await awaitController(cluster))) {
      return { throttleTimeMs: 0, topics: names.map((name: string) => ({ name, errorCode: ErrorCode.REQUEST_TIMED_OUT, errorMessage: null })) };
    }
    let budget = MAX_PARTITIONS_PER_REQUEST; // partitions this request may still create (all topics together)
    const topics = request.topics.map((t: CreatableTopic) => {
      const result = (errorCode: number, errorMessage: string | null = null) => ({ name: t.name, errorCode, errorMessage });
      if (names.filter((n: string) => n === t.name).length > 1) {
        return result(ErrorCode.INVALID_REQUEST, `Create topics request from client contains multiple entries for topic ${t.name}.`);
      }
      try {
        const { replicas, configs } = cluster.controller.validateNewTopic(t.name, t.numPartitions, t.replicationFactor, t.assignments, t.configs);
        if (replicas.length > budget) {
          return result(ErrorCode.INVALID_PARTITIONS, `Excessively large number of partitions per request (at most ${MAX_PARTITIONS_PER_REQUEST}).`);
        }
        budget -= replicas.length;
        if (!request.validateOnly) {
          cluster.controller.createTopic(t.name, replicas, configs);
          cluster.log(`created topic ${t.name} (${replicas.length} partitions, replication factor ${replicas[0]!.length})`);
        }
        return result(ErrorCode.NONE);
      } catch (error) {
        if (error instanceof TopicError) return result(error.code, error.message);
        throw error;
      }
    });
    return { throttleTimeMs: 0, topics };
  },
});
