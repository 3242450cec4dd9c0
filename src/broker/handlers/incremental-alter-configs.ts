import type { BrokerConfig } from '../config.js';
import { invalidTopicConfig, isListTopicConfig, topicConfigValue } from '../cluster/topic-configs.js';
import { ErrorCode } from '../protocol/errors.js';
import { RESOURCE_TOPIC } from './describe-configs.js';
import { awaitController } from './forward.js';
import { defineHandler } from './types.js';

const SET = 0;
const DELETE = 1;
const APPEND = 2;
const SUBTRACT = 3;

interface ConfigChange {
  name: string;
  configOperation: number;
  value: string | null;
}

/**
 * IncrementalAlterConfigs v0-1 (what `kafka-configs --alter` and the Java admin client send): each change applies to
 * a topic's current overrides — SET a value, DELETE the override (back to the default), APPEND to / SUBTRACT from a
 * list config. Anything invalid rejects the whole resource, nothing half-applied. Broker settings are static in the
 * embedded cluster. Forwarded to the controller: without an active one it waits, then REQUEST_TIMED_OUT.
 */
export const incrementalAlterConfigs = defineHandler({
  apiKey: 44,
  name: 'IncrementalAlterConfigs',
  minVersion: 0,
  maxVersion: 1,
  async handle(request, { cluster }) {
    type Resource = { resourceType: number; resourceName: string; configs: ConfigChange[] };
    const answer = (resource: Resource, errorCode: number, errorMessage: string | null = null) => ({
      errorCode,
      errorMessage,
      resourceType: resource.resourceType,
      resourceName: resource.resourceName,
    });
    if (!(await awaitController(cluster))) {
      return { throttleTimeMs: 0, responses: request.resources.map((r: Resource) => answer(r, ErrorCode.REQUEST_TIMED_OUT)) };
    }
    const responses = request.resources.map((resource: Resource) => {
      if (resource.resourceType !== RESOURCE_TOPIC) {
        return answer(resource, ErrorCode.INVALID_REQUEST, 'broker settings are static in the embedded cluster: set them when it starts');
      }
      const topic = cluster.metadata.topics.get(resource.resourceName);
      if (!topic) return answer(resource, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${resource.resourceName}' does not exist.`);
      const names = resource.configs.map((c) => c.name);
      if (new Set(names).size !== names.length) return answer(resource, ErrorCode.INVALID_REQUEST, 'Error due to duplicate config keys');
      const configs = { ...topic.configs };
      for (const change of resource.configs) {
        const problem = applyChange(configs, change, cluster.config);
        if (problem) return answer(resource, ErrorCode.INVALID_CONFIG, problem);
      }
      if (!request.validateOnly) cluster.controller.setTopicConfigs(resource.resourceName, configs);
      return answer(resource, ErrorCode.NONE);
    });
    return { throttleTimeMs: 0, responses };
  },
});

/** Applies one change to a topic's overrides; returns why it cannot be applied, or null. */
function applyChange(configs: Record<string, string>, { name, configOperation, value }: ConfigChange, broker: BrokerConfig): string | null {
  const unknown = invalidTopicConfig(name, null);
  if (unknown) return `Unknown topic config name: ${name}`;
  switch (configOperation) {
    case SET: {
      const problem = invalidTopicConfig(name, value);
      if (problem) return problem;
      if (value === null) delete configs[name];
      else configs[name] = value;
      return null;
    }
    case DELETE:
      delete configs[name];
      return null;
    case APPEND:
    case SUBTRACT: {
      if (!isListTopicConfig(name)) return `Config value ${configOperation === APPEND ? 'append' : 'subtract'} is not allowed for config key: ${name}`;
      // Kafka appends to (subtracts from) the override, or the default where there is none.
      const current = topicConfigValue(configs, name, broker).split(',').filter((v) => v !== '');
      const given = (value ?? '').split(',').filter((v) => v !== '');
      const next = configOperation === APPEND ? [...current, ...given.filter((v) => !current.includes(v))] : current.filter((v) => !given.includes(v));
      const joined = next.join(',');
      const problem = invalidTopicConfig(name, joined);
      if (problem) return problem;
      configs[name] = joined;
      return null;
    }
    default:
      return `Unknown config operation ${configOperation}`;
  }
}
