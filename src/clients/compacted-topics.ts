import type { Kafka } from 'kafkajs';

const TOPIC_RESOURCE = 2;

/** The topic's cleanup.policy as the cluster reports it, or null when it cannot be read. */
export async function cleanupPolicyOf(kafka: Kafka, topic: string): Promise<string | null> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: TOPIC_RESOURCE, name: topic, configNames: ['cleanup.policy'] }] });
    return resources[0]?.configEntries.find((e) => e.configName === 'cleanup.policy')?.configValue ?? null;
  } catch {
    return null;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * What to tell someone whose message without a key was refused (INVALID_RECORD): on a compacted topic Kafka needs a
 * key on every record (the cleaner keeps the newest record per key). Null when the topic is not compacted.
 */
export async function nullKeyRefusal(kafka: Kafka, topic: string): Promise<string | null> {
  const policy = await cleanupPolicyOf(kafka, topic);
  if (policy === null || !policy.split(',').includes('compact')) return null;
  return (
    `send refused: ${topic} is a compacted topic (cleanup.policy=${policy}) and Kafka refuses a message without a key ` +
    `there (INVALID_RECORD): send key=value lines (the newest value per key is what compaction keeps)`
  );
}
