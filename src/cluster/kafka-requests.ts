/**
 * The admin requests kafkajs does not have, sent with the kit's own protocol schemas (src/broker/protocol), to any
 * live broker; every backend answers them (Kafka's brokers forward the first two to the active controller):
 *
 *   DescribeQuorum (55)  who is the active KRaft controller (Metadata's controllerId is a random broker in KRaft)
 *   ElectLeaders (43)    a preferred leader election now, as `kafka-leader-election --election-type PREFERRED`
 *   DescribeLogDirs (35) the size of each replica on disk (a compacted topic shrinking)
 */
import { connect } from 'node:net';
import { decodeResponseFrame, encodeRequest } from '../broker/protocol/index.js';
import { ErrorCode, errorName } from '../broker/protocol/errors.js';
import { decodeRecords, splitBatches } from '../broker/protocol/record-batch.js';

const METADATA_TOPIC = '__cluster_metadata';

/** A broker that took the request and did not answer in time (e.g. one waiting for a controller that is not there). */
export class NoAnswer extends Error {}

/** One request on a fresh connection to host:port; the decoded response body. */
export function requestOnce(address: string, apiKey: number, version: number, body: unknown, timeoutMs = 5_000): Promise<any> {
  const [host, port] = splitAddress(address);
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port }, () => socket.write(encodeRequest(apiKey as 55, version, 1, 'kafka-lab', body as never)));
    let data = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new NoAnswer(`${address} did not answer api ${apiKey} v${version} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (chunk) => {
      data = Buffer.concat([data, chunk]);
      if (data.length >= 4 && data.length >= 4 + data.readInt32BE(0)) {
        clearTimeout(timer);
        socket.destroy();
        try {
          resolve(decodeResponseFrame(apiKey, version, data.subarray(4, 4 + data.readInt32BE(0))).body);
        } catch (error) {
          reject(error);
        }
      }
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      reject(new Error(`${address} closed the connection`));
    });
  });
}

function splitAddress(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  return [address.slice(0, i), Number(address.slice(i + 1))];
}

/**
 * The answer of the first of `addresses` that answers, asked one after the other (a dead broker refuses at once, a
 * stuck one gets its timeout); the last error when none does.
 */
export async function firstAnswer<T>(addresses: string[], ask: (address: string) => Promise<T>, whenNone = 'no broker to ask'): Promise<T> {
  let last: unknown = new Error(whenNone);
  for (const address of addresses) {
    try {
      return await ask(address);
    } catch (error) {
      last = error;
    }
  }
  throw last;
}

export interface CoordinatorAnswer {
  errorCode: number;
  nodeId: number;
  host: string;
  port: number;
}

/** FindCoordinator v1 for a group (key type 0) or a transactional id (1), asked of the first of `bootstrap` that answers. */
export const findCoordinator = (bootstrap: string[], key: string, keyType: 0 | 1, timeoutMs?: number): Promise<CoordinatorAnswer> =>
  firstAnswer(bootstrap, (address) => requestOnce(address, 10, 1, { key, keyType }, timeoutMs));

/** The coordinator's broker id, or null while FindCoordinator answers an error. */
export async function coordinatorId(bootstrap: string[], key: string, keyType: 0 | 1, timeoutMs?: number): Promise<number | null> {
  const r = await findCoordinator(bootstrap, key, keyType, timeoutMs);
  return r.errorCode === ErrorCode.NONE ? r.nodeId : null;
}

/** The first broker of `bootstrap` that answers. */
const requestAny = (bootstrap: string[], apiKey: number, version: number, body: unknown, timeoutMs?: number): Promise<any> =>
  firstAnswer(bootstrap, (address) => requestOnce(address, apiKey, version, body, timeoutMs));

/** The active KRaft controller's id, or null while there is none (no quorum) or nobody answers. */
export async function activeController(bootstrap: string[], timeoutMs = 5_000): Promise<number | null> {
  const response = await requestAny(bootstrap, 55, 0, { topics: [{ topicName: METADATA_TOPIC, partitions: [{ partitionIndex: 0 }] }] }, timeoutMs);
  if (response.errorCode !== ErrorCode.NONE) return null;
  const partition = response.topics?.[0]?.partitions?.[0];
  if (!partition || partition.errorCode !== ErrorCode.NONE || partition.leaderId < 0) return null;
  return partition.leaderId as number;
}

export interface ElectionResult {
  /** partitions whose leader moved to the preferred replica */
  moved: Array<{ topic: string; partition: number }>;
  /** partitions that could not move, with Kafka's error name (not ELECTION_NOT_NEEDED: those already had it) */
  failed: Array<{ topic: string; partition: number; error: string }>;
}

/** Preferred leader election for every partition, as Kafka's LeaderElectionCommand does it. */
export async function electLeaders(bootstrap: string[], timeoutMs = 30_000): Promise<ElectionResult> {
  const response = await requestAny(bootstrap, 43, 1, { electionType: 0, topicPartitions: null, timeoutMs }, timeoutMs + 5_000);
  if (response.errorCode !== ErrorCode.NONE) throw new Error(`ElectLeaders failed: ${errorName(response.errorCode)}`);
  const result: ElectionResult = { moved: [], failed: [] };
  for (const topic of response.replicaElectionResults as Array<{ topic: string; partitionResult: Array<{ partitionId: number; errorCode: number }> }>) {
    for (const p of topic.partitionResult) {
      if (p.errorCode === ErrorCode.NONE) result.moved.push({ topic: topic.topic, partition: p.partitionId });
      else if (p.errorCode !== ErrorCode.ELECTION_NOT_NEEDED) result.failed.push({ topic: topic.topic, partition: p.partitionId, error: errorName(p.errorCode) });
    }
  }
  return result;
}

/** How many partitions moved back to their preferred leader. */
export async function electPreferredLeaders(bootstrap: string[]): Promise<number> {
  return (await electLeaders(bootstrap)).moved.length;
}

export interface PartitionView {
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
}

/**
 * A topic's partitions as ONE broker sees them (Metadata v5 sent to that address only). kafkajs routes metadata to any
 * broker it knows, dead ones included; a lab watching a degraded cluster asks the survivor directly.
 */
export async function partitionsFrom(address: string, topic: string): Promise<PartitionView[]> {
  const response = await requestOnce(address, 3, 5, { topics: [{ name: topic }], allowAutoTopicCreation: false });
  const t = (response.topics as Array<{ name: string; errorCode: number; partitions: Array<{ partitionIndex: number; leaderId: number; replicaNodes: number[]; isrNodes: number[] }> }>).find(
    (x) => x.name === topic,
  );
  if (!t || t.errorCode !== ErrorCode.NONE) throw new Error(`${address} does not know ${topic}${t ? ` (${errorName(t.errorCode)})` : ''}`);
  return t.partitions
    .map((p) => ({ partition: p.partitionIndex, leader: p.leaderId, replicas: p.replicaNodes, isr: p.isrNodes }))
    .sort((a, b) => a.partition - b.partition);
}

export interface FetchView {
  error: string | null;
  highWatermark: number;
  /** records a consumer gets from `offset` (only what is below the high watermark) */
  records: number;
  lastOffset: number | null;
}

/** The answer for one partition to a Fetch (v11, no wait, up to 1 MiB), as a consumer without a group sends it. */
async function fetchOnce(address: string, topic: string, partition: number, offset: number): Promise<any> {
  const response = await requestOnce(address, 1, 11, {
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    topics: [{ topic, partitions: [{ partition, fetchOffset: offset, partitionMaxBytes: 1 << 20 }] }],
  });
  const p = response.responses?.[0]?.partitions?.[0];
  if (!p) throw new Error(`${address} answered no partition`);
  return p;
}

/** One Fetch (v11, no wait) of a partition from its leader, as a consumer without a group sends it. */
export async function fetchFrom(address: string, topic: string, partition: number, offset = 0): Promise<FetchView> {
  const p = await fetchOnce(address, topic, partition, offset);
  let records = 0;
  let lastOffset: number | null = null;
  const bytes: Buffer | null = p.records;
  for (let at = 0; bytes && at + 12 <= bytes.length; ) {
    const length = bytes.readInt32BE(at + 8);
    if (at + 12 + length > bytes.length) break; // a partial batch at the end of the answer
    const base = Number(bytes.readBigInt64BE(at));
    const last = base + bytes.readInt32BE(at + 23);
    records += bytes.readInt32BE(at + 57);
    lastOffset = last;
    at += 12 + length;
  }
  return { error: p.errorCode === ErrorCode.NONE ? null : errorName(p.errorCode), highWatermark: Number(p.highWatermark), records, lastOffset };
}

export interface ReplicaSize {
  partition: number;
  /** bytes of this broker's replica on disk (every segment) */
  bytes: number;
}

/**
 * DescribeLogDirs (v1) to ONE broker: the size on disk of its replicas of `topic`, one per partition it hosts. Log
 * dirs belong to brokers, so each broker is asked for its own; every backend answers (embedded since lab 11).
 */
export async function replicaSizesFrom(address: string, topic: string): Promise<ReplicaSize[]> {
  const response = await requestOnce(address, 35, 1, { topics: null });
  const sizes: ReplicaSize[] = [];
  for (const dir of response.results as Array<{ errorCode: number; topics: Array<{ name: string; partitions: Array<{ partitionIndex: number; partitionSize: number }> }> }>) {
    if (dir.errorCode !== ErrorCode.NONE) continue;
    for (const t of dir.topics) {
      if (t.name === topic) for (const p of t.partitions) sizes.push({ partition: p.partitionIndex, bytes: Number(p.partitionSize) });
    }
  }
  return sizes.sort((a, b) => a.partition - b.partition);
}

export interface LogRecord {
  offset: number;
  key: string | null;
  /** null: a tombstone */
  value: string | null;
}

/**
 * Every record of one partition from `from` to the high watermark, as a consumer without a group reads it: Fetch
 * (v11, no wait) to the leader, again from after the last batch until the high watermark. Offsets are the records'
 * own: after compaction there are gaps, and a fetch inside a gap gets the next batch that is there.
 */
export async function readPartition(leader: string, topic: string, partition: number, from = 0): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  let offset = from;
  for (;;) {
    const p = await fetchOnce(leader, topic, partition, offset);
    if (p.errorCode !== ErrorCode.NONE) throw new Error(`fetch of ${topic}-${partition} at ${offset}: ${errorName(p.errorCode)}`);
    const batches = splitBatches(p.records);
    if (batches.length === 0) return out;
    for (const batch of batches) {
      for (const r of decodeRecords(batch)) {
        if (r.offset >= offset) out.push({ offset: r.offset, key: r.key?.toString() ?? null, value: r.value?.toString() ?? null });
      }
      offset = Number(batch.readBigInt64BE(0)) + batch.readInt32BE(23) + 1;
    }
    if (offset >= Number(p.highWatermark)) return out;
  }
}
