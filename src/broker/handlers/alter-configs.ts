import { invalidTopicConfig } from '../cluster/topic-configs.js';
import { ErrorCode } from '../protocol/errors.js';
import { RESOURCE_TOPIC } from './describe-configs.js';
import { awaitController } from './forward.js';
import { defineHandler } from './types.js';

/**
 * AlterConfigs v0-1 (the non-incremental one kafkajs uses): the given set replaces a topic's overrides; anything
 * invalid rejects the whole resource. Broker settings are static in the embedded cluster. Forwarded to the controller:
 * without an active one it waits, then REQUEST_TIMED_OUT (see forward.ts).
 */
export const alterConfigs = defineHandler({
  apiKey: 33,
  name: 'AlterConfigs',
  minVersion: 0,
  maxVersion: 1,
  async handle(request, { cluster }) {
    if (!(await awaitController(cluster))) {
      return {
        throttleTimeMs: 0,
        responses: request.resources.map((r: { resourceType: number; resourceName: string }) => ({
          errorCode: ErrorCode.REQUEST_TIMED_OUT,
          errorMessage: null,
          resourceType: r.resourceType,
          resourceName: r.resourceName,
        })),
      };
    }
    const responses = request.resources.map(
      (resource: { resourceType: number; resourceName: string; configs: Array<{ name: string; value: string | null }> }) => {
        const answer = (errorCode: number, errorMessage: string | null = null) => ({
          errorCode,
          errorMessage,
          resourceType: resource.resourceType,
          resourceName: resource.resourceName,
        });
        if (resource.resourceType !== RESOURCE_TOPIC) {
          return answer(ErrorCode.INVALID_REQUEST, 'broker settings are static in the embedded cluster: set them when it starts');
        }
        if (!cluster.metadata.topics.has(resource.resourceName)) {
          return answer(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${resource.resourceName}' does not exist.`);
        }
        const configs: Record<string, string> = {};
        for (const { name, value } of resource.configs) {
          const problem = invalidTopicConfig(name, value);
          if (problem) return answer(ErrorCode.INVALID_CONFIG, problem);
          if (value !== null) configs[name] = value;
        }
        if (!request.validateOnly) cluster.controller.setTopicConfigs(resource.resourceName, configs);
        return answer(ErrorCode.NONE);
      },
    );
    return { throttleTimeMs: 0, responses };
  },
});
