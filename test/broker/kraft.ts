/**
 * Wire-level helpers for the KRaft-behaviour tests (quorum, controller id, DescribeQuorum, ElectLeaders): raw requests
 * with the kit's codec, sent to ONE broker, and the timeouts of the cluster under test. The tests run on whatever
 * test/helpers/target.ts gives them (the embedded cluster, or real Kafka through the jvm backend), so they only use
 * the wire and the Cluster interface (kill/stop/start).
 */
import { recordBatch } from '../../src/broker/protocol/index.js';
import { NoAnswer, requestOnce } from '../../src/cluster/kafka-requests.js';
import type { BrokerConfig } from '../../src/broker/config.js';
import { TARGET } from '../helpers/target.js';

/** The embedded cluster's timeouts in these tests: short, so that waits stay short. */
export const EMBEDDED_TIMING: Partial<BrokerConfig> = {
  brokerSessionTimeoutMs: 500,
  controllerQuorumFetchTimeoutMs: 300,
  controllerForwardTimeoutMs: 1500,
  offsetsCommitTimeoutMs: 1000,
};

/** The timeouts of the cluster under test (the jvm backend runs Kafka with the kit's compose settings). */
export const timing =
  TARGET === 'jvm'
    ? { sessionTimeoutMs: 5000, forwardTimeoutMs: 60_000, offsetsCommitTimeoutMs: 5000 }
    : {
        sessionTimeoutMs: EMBEDDED_TIMING.brokerSessionTimeoutMs!,
        forwardTimeoutMs: EMBEDDED_TIMING.controllerForwardTimeoutMs!,
        offsetsCommitTimeoutMs: EMBEDDED_TIMING.offsetsCommitTimeoutMs!,
      };

/** One request on a fresh connection, decoded with the kit's codec; rejects with NoAnswer after `timeoutMs`. */
export const ask = (address: string, apiKey: number, version: number, body: unknown, timeoutMs = 10_000): Promise<any> =>
  requestOnce(address, apiKey, version, body, timeoutMs);

export { NoAnswer };

export const QUORUM_TOPIC = [{ topicName: '__cluster_metadata', partitions: [{ partitionIndex: 0 }] }];

/** DescribeQuorum's partition 0 of __cluster_metadata as `address` answers it. */
export async function describeQuorum(address: string, version = 1, timeoutMs = 10_000) {
  const response = await ask(address, 55, version, { topics: QUORUM_TOPIC }, timeoutMs);
  return { response, partition: response.topics[0]?.partitions[0] };
}

export interface PartitionView {
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
  offline: number[];
  errorCode: number;
}

/** Metadata v6 from one broker: its broker list, controllerId, and a topic's partitions. */
export async function metadataFrom(address: string, topic?: string) {
  const response = await ask(address, 3, 6, { topics: topic ? [{ name: topic }] : null, allowAutoTopicCreation: false });
  const t = topic ? response.topics.find((x: { name: string }) => x.name === topic) : undefined;
  const partitions: PartitionView[] = (t?.partitions ?? [])
    .map((p: any) => ({ partition: p.partitionIndex, leader: p.leaderId, replicas: p.replicaNodes, isr: [...p.isrNodes].sort(), offline: p.offlineReplicas, errorCode: p.errorCode }))
    .sort((a: PartitionView, b: PartitionView) => a.partition - b.partition);
  return { brokers: response.brokers.map((b: { nodeId: number }) => b.nodeId).sort() as number[], controllerId: response.controllerId as number, partitions };
}

/** The high watermark of a partition as its leader reports it to consumers (ListOffsets latest). */
export async function highWatermark(address: string, topic: string, partition: number): Promise<number> {
  const response = await ask(address, 2, 3, { replicaId: -1, isolationLevel: 0, topics: [{ name: topic, partitions: [{ partitionIndex: partition, timestamp: -1 }] }] });
  return response.topics[0].partitions[0].offset;
}

/** What a consumer fetching `topic`-`partition` from `offset` gets from `address` (Fetch v11, no wait). */
export async function fetchRecords(address: string, topic: string, partition: number, offset = 0) {
  const response = await ask(address, 1, 11, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    topics: [{ topic, partitions: [{ partition, fetchOffset: offset, partitionMaxBytes: 1 << 20 }] }],
  });
  const p = response.responses[0].partitions[0];
  let records = 0;
  for (const batch of recordBatch.splitBatches(p.records)) records += recordBatch.decodeRecords(batch).length;
  return { errorCode: p.errorCode as number, highWatermark: p.highWatermark as number, records };
}
