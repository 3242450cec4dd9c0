export { createKafka, kafkaConfig, startOnTopic, kafkaErrorType, resolveBootstrap, resolveLogLevel, normalizeBroker, FAILOVER_RETRY, QUICK_RETRY } from './kafka.js';
export type { CreateKafkaOptions, LogLevelName } from './kafka.js';
export { onShutdown } from './shutdown.js';
export type { ShutdownHandle, ShutdownOptions, ShutdownProcess } from './shutdown.js';
export { startProducer } from './producer.js';
export type { LabProducer, StartProducerOptions } from './producer.js';
export { startConsumer } from './consumer.js';
export type { LabConsumer, StartConsumerOptions } from './consumer.js';
