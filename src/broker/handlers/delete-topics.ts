import { ErrorCode } from '../protocol/errors.js';
import { awaitController } from './forward.js';
import { defineHandler } from './types.js';

/**
 * DeleteTopics v0-1: removes topics, their replicas on every broker, and the offsets groups committed for them.
 * Forwarded to the controller: without an active one it waits, then REQUEST_TIMED_OUT (see forward.ts).
 */
export const deleteTopics = defineHandler({
  apiKey: 20,
  name: 'DeleteTopics',
  minVersion: 0,
  maxVersion: 1,
  async handle(request, { cluster }) {
    if (!(await awaitController(cluster))) {
      return { throttleTimeMs: 0, responses: request.topicNames.map((name: string) => ({ name, errorCode: ErrorCode.REQUEST_TIMED_OUT })) };
    }
    const responses = request.topicNames.map((name: string) => {
      const topic = cluster.metadata.topics.get(name);
      if (!topic) return { name, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
      if (topic.internal) return { name, errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION };
      cluster.controller.deleteTopic(name);
      cluster.groups.deleteTopicOffsets(name);
      cluster.log(`deleted topic ${name}`);
      return { name, errorCode: ErrorCode.NONE };
    });
    return { throttleTimeMs: 0, responses };
  },
});
