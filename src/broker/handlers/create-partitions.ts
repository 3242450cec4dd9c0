import { TopicError } from '../cluster/controller.js';
import { ErrorCode } from '../protocol/errors.js';
import { awaitController } from './forward.js';
import { defineHandler } from './types.js';

/**
 * CreatePartitions v0-1: grows a topic; shrinking is refused with INVALID_PARTITIONS, as in Kafka. Forwarded to the
 * controller: without an active one it waits, then REQUEST_TIMED_OUT (see forward.ts).
 */
export const createPartitions = defineHandler({
  apiKey: 37,
  name: 'CreatePartitions',
  minVersion: 0,
  maxVersion: 1,
  async handle(request, { cluster }) {
    if (!(await awaitController(cluster))) {
      return { throttleTimeMs: 0, results: request.topics.map((t: { name: string }) => ({ name: t.name, errorCode: ErrorCode.REQUEST_TIMED_OUT, errorMessage: null })) };
    }
    const results = request.topics.map((t: { name: string; count: number; assignments: Array<{ brokerIds: number[] }> | null }) => {
      try {
        const assignments = t.assignments ? t.assignments.map((a) => a.brokerIds) : null;
        cluster.controller.addPartitions(t.name, t.count, assignments, request.validateOnly);
        return { name: t.name, errorCode: ErrorCode.NONE, errorMessage: null };
      } catch (error) {
        if (error instanceof TopicError) return { name: t.name, errorCode: error.code, errorMessage: error.message };
        throw error;
      }
    });
    return { throttleTimeMs: 0, results };
  },
});
