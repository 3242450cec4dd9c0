/**
 * The null broker: the ceiling a Kafka client can reach on this machine. It speaks the same wire protocol as the
 * embedded broker, through the same framing (src/broker/server/connection.ts) and the same codec
 * (src/broker/protocol), but stores and replicates nothing:
 *   ApiVersions     the embedded broker's ranges for the APIs below
 *   Metadata        N brokers (N ports, one process); every topic asked for exists with `partitions` partitions,
 *                   leaders spread round-robin, all replicas in sync
 *   InitProducerId  a fresh producer id
 *   Produce         success with fake, increasing offsets (the batch is decoded, never checked nor kept)
 *   Fetch           a canned batch re-based at the fetch offset: an endless stream for consumers
 * `efficiency` in `yarn bench` is the embedded cluster's produce throughput divided by this one's.
 */
import { type Server, createServer } from 'node:net';
import { Connection } from '../src/broker/server/connection.js';
import { advertisedVersions } from '../src/broker/handlers/index.js';
import { Reader, apiVersionsUnsupportedResponse, decodeRequest, decodeRequestHeader, encodeResponse, recordBatch } from '../src/broker/protocol/index.js';

export const NULL_BROKER_APIS = { produce: 0, fetch: 1, metadata: 3, apiVersions: 18, initProducerId: 22 } as const;
const KEYS = new Set<number>(Object.values(NULL_BROKER_APIS));
let ranges: ReturnType<typeof advertisedVersions> | null = null;
const ourRanges = () => (ranges ??= advertisedVersions().filter((r) => KEYS.has(r.apiKey)));

export interface NullBrokerOptions {
  /** How many brokers Metadata lists, each on its own port (default 3). */
  brokers?: number;
  /** Partitions of every topic (default 3). */
  partitions?: number;
  /** Records in the canned Fetch batch (default 100) and the size of each value (default 1024). */
  fetchRecords?: number;
  fetchValueBytes?: number;
  host?: string;
}

export class NullBroker {
  readonly host: string;
  readonly ports: number[] = [];
  private readonly servers: Server[] = [];
  private readonly connections = new Set<Connection>();
  private readonly offsets = new Map<string, number>();
  private readonly topics = new Set<string>();
  private readonly canned: Buffer;
  private readonly cannedCount: number;
  private producerIds = 1000;
  /** Requests answered, per API key (for the smoke test and sanity checks). */
  readonly requests = new Map<number, number>();
  /** Records acknowledged by Produce. */
  recordsProduced = 0;

  private constructor(private readonly opts: Required<NullBrokerOptions>) {
    this.host = opts.host;
    this.cannedCount = opts.fetchRecords;
    const value = Buffer.alloc(opts.fetchValueBytes, 0x61);
    this.canned = recordBatch.buildBatch(Array.from({ length: opts.fetchRecords }, () => ({ key: null, value })), { partitionLeaderEpoch: 0 });
  }

  static async start(options: NullBrokerOptions = {}): Promise<NullBroker> {
    const nb = new NullBroker({ brokers: 3, partitions: 3, fetchRecords: 100, fetchValueBytes: 1024, host: '127.0.0.1', ...options });
    for (let i = 0; i < nb.opts.brokers; i++) nb.ports.push(await nb.listen(i + 1));
    return nb;
  }

  get bootstrapServers(): string[] {
    return this.ports.map((p) => `${this.host}:${p}`);
  }

  private listen(nodeId: number): Promise<number> {
    const server = createServer((socket) => {
      const connection: Connection = new Connection(socket, (frame) => Promise.resolve(this.process(frame, nodeId)), 100 * 1024 * 1024, () => {});
      this.connections.add(connection);
      socket.on('close', () => this.connections.delete(connection));
    });
    this.servers.push(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.host, port: 0 }, () => resolve((server.address() as { port: number }).port));
    });
  }

  private process(frame: Buffer, _nodeId: number): Buffer | null {
    const reader = new Reader(frame);
    const { apiKey, apiVersion, correlationId } = decodeRequestHeader(reader);
    const range = ourRanges().find((r) => r.apiKey === apiKey);
    if (!range) throw new Error(`the null broker does not speak API ${apiKey}`);
    if (apiVersion < range.minVersion || apiVersion > range.maxVersion) {
      if (apiKey === NULL_BROKER_APIS.apiVersions) return apiVersionsUnsupportedResponse(correlationId, range.maxVersion);
      throw new Error(`unsupported version ${apiVersion} of API ${apiKey}`);
    }
    const request: any = decodeRequest(apiKey, apiVersion, reader);
    this.requests.set(apiKey, (this.requests.get(apiKey) ?? 0) + 1);
    let body: unknown;
    switch (apiKey) {
      case NULL_BROKER_APIS.apiVersions:
        body = { errorCode: 0, apiKeys: ourRanges(), throttleTimeMs: 0 };
        break;
      case NULL_BROKER_APIS.metadata:
        body = this.metadata(request);
        break;
      case NULL_BROKER_APIS.initProducerId:
        body = { throttleTimeMs: 0, errorCode: 0, producerId: this.producerIds++, producerEpoch: 0 };
        break;
      case NULL_BROKER_APIS.produce:
        body = this.produce(request);
        if (request.acks === 0) return null;
        break;
      case NULL_BROKER_APIS.fetch:
        body = this.fetch(request);
        break;
    }
    return encodeResponse(apiKey, apiVersion, correlationId, body);
  }

  private metadata(request: { topics: Array<{ name: string }> | null }) {
    for (const t of request.topics ?? []) this.topics.add(t.name);
    const nodes = this.ports.map((_, i) => i + 1);
    return {
      throttleTimeMs: 0,
      brokers: this.ports.map((port, i) => ({ nodeId: i + 1, host: this.host, port, rack: null })),
      clusterId: 'kafka-lab-null-broker',
      controllerId: 1,
      topics: [...this.topics].map((name) => ({
        errorCode: 0,
        name,
        isInternal: false,
        partitions: Array.from({ length: this.opts.partitions }, (_, p) => ({
          errorCode: 0,
          partitionIndex: p,
          leaderId: (p % nodes.length) + 1,
          leaderEpoch: 0,
          replicaNodes: nodes,
          isrNodes: nodes,
          offlineReplicas: [],
        })),
      })),
    };
  }

  private produce(request: { topicData: Array<{ name: string; partitionData: Array<{ index: number; records: Buffer | null }> }> }) {
    return {
      throttleTimeMs: 0,
      responses: request.topicData.map((t) => ({
        name: t.name,
        partitionResponses: t.partitionData.map((p) => {
          const key = `${t.name}-${p.index}`;
          const base = this.offsets.get(key) ?? 0;
          // lastOffsetDelta (int32 at byte 23 of a v2 batch) + 1 records
          const count = p.records && p.records.length >= 27 ? p.records.readInt32BE(23) + 1 : 0;
          this.offsets.set(key, base + count);
          this.recordsProduced += count;
          return { index: p.index, errorCode: 0, baseOffset: base, logAppendTimeMs: -1, logStartOffset: 0 };
        }),
      })),
    };
  }

  private fetch(request: { topics: Array<{ topic: string; partitions: Array<{ partition: number; fetchOffset: number }> }> }) {
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      sessionId: 0,
      responses: request.topics.map((t) => ({
        topic: t.topic,
        partitions: t.partitions.map((p) => {
          const records = Buffer.from(this.canned);
          records.writeUInt32BE(Math.floor(p.fetchOffset / 2 ** 32), 0);
          records.writeUInt32BE(p.fetchOffset >>> 0, 4);
          const end = p.fetchOffset + this.cannedCount;
          return {
            partitionIndex: p.partition,
            errorCode: 0,
            highWatermark: end,
            lastStableOffset: end,
            logStartOffset: 0,
            abortedTransactions: null,
            preferredReadReplica: -1,
            records,
          };
        }),
      })),
    };
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.destroy();
    this.connections.clear();
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}
