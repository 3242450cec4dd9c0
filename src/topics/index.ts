export { parseTopicSet, loadTopicSet, formatProblem, topicNameProblem, suggest, TopicSetError, TOPIC_CONFIGS } from './parse.js';
export type { TopicSpec, TopicSet, TopicProblem, ValidateOptions } from './parse.js';
export { planTopics, formatPlan } from './plan.js';
export type { Plan, PlanEntry, CurrentTopic } from './plan.js';
export { applyTopicSet, readCurrentTopics } from './apply.js';
export type { ApplyResult, ApplyOptions, TopicAdmin } from './apply.js';
