/** Creating topics the way a client of real Kafka must. */
import type { Admin, ITopicConfig } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * CreateTopics, then wait until every partition of them has a leader. kafkajs' own wait (waitForLeaders) asks for
 * metadata at once and fails on UNKNOWN_TOPIC_OR_PARTITION when a Kafka broker has not seen the new topic yet (the
 * controller commits it first, the brokers learn it a moment later; slower on a loaded machine): the topic exists
 * and the caller would report an error. Returns createTopics' answer (false: some already existed).
 */
export async function createTopicsAndWait(admin: Pick<Admin, 'createTopics' | 'fetchTopicMetadata'>, topics: ITopicConfig[], timeoutMs = 60_000): Promise<boolean> {
  const created = await admin.createTopics({ topics, waitForLeaders: false });
  const names = topics.map((t) => t.topic);
  for (const deadline = Date.now() + timeoutMs; ; await sleep(100)) {
    const ready = await admin
      .fetchTopicMetadata({ topics: names })
      .then((md) => md.topics.length === names.length && md.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0)))
      .catch(() => false);
    if (ready) return created;
    if (Date.now() > deadline) throw new Error(`topic(s) ${names.join(', ')} were created but have no leader after ${Math.round(timeoutMs / 1000)} s`);
  }
}
