/**
 * Public face of the protocol layer.
 *
 * Representation: int64 → number (exact to 2^53); uuid → 22-char base64url string; bytes/records → Buffer views
 * aliasing the input (zero-copy); records fields are `Buffer | null` (see record-batch.ts). Field names are Kafka's
 * JSON names with a lower-case first letter. Decode errors are `ProtocolError` with `.path` (e.g.
 * `topicData[0].partitionData[1].records`) and `.offset`.
 */
import { readRequestHeader, readResponseHeader, writeRequestHeader, writeResponseHeader, type RequestHeader } from './headers.js';
import { AddOffsetsToTxnRequest, AddOffsetsToTxnResponse } from './messages/add-offsets-to-txn.js';
import { AddPartitionsToTxnRequest, AddPartitionsToTxnResponse } from './messages/add-partitions-to-txn.js';
import { AlterConfigsRequest, AlterConfigsResponse } from './messages/alter-configs.js';
import { ApiVersionsRequest, ApiVersionsResponse } from './messages/api-versions.js';
import { CreatePartitionsRequest, CreatePartitionsResponse } from './messages/create-partitions.js';
import { CreateTopicsRequest, CreateTopicsResponse } from './messages/create-topics.js';
import { DeleteGroupsRequest, DeleteGroupsResponse } from './messages/delete-groups.js';
import { DeleteRecordsRequest, DeleteRecordsResponse } from './messages/delete-records.js';
import { DeleteTopicsRequest, DeleteTopicsResponse } from './messages/delete-topics.js';
import { DescribeClusterRequest, DescribeClusterResponse } from './messages/describe-cluster.js';
import { DescribeConfigsRequest, DescribeConfigsResponse } from './messages/describe-configs.js';
import { DescribeGroupsRequest, DescribeGroupsResponse } from './messages/describe-groups.js';
import { DescribeLogDirsRequest, DescribeLogDirsResponse } from './messages/describe-log-dirs.js';
import { DescribeQuorumRequest, DescribeQuorumResponse } from './messages/describe-quorum.js';
import { DescribeTransactionsRequest, DescribeTransactionsResponse } from './messages/describe-transactions.js';
import { ElectLeadersRequest, ElectLeadersResponse } from './messages/elect-leaders.js';
import { EndTxnRequest, EndTxnResponse } from './messages/end-txn.js';
import { FetchRequest, FetchResponse } from './messages/fetch.js';
import { FindCoordinatorRequest, FindCoordinatorResponse } from './messages/find-coordinator.js';
import { HeartbeatRequest, HeartbeatResponse } from './messages/heartbeat.js';
import { IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse } from './messages/incremental-alter-configs.js';
import { InitProducerIdRequest, InitProducerIdResponse } from './messages/init-producer-id.js';
import { JoinGroupRequest, JoinGroupResponse } from './messages/join-group.js';
import { LeaveGroupRequest, LeaveGroupResponse } from './messages/leave-group.js';
import { ListGroupsRequest, ListGroupsResponse } from './messages/list-groups.js';
import { ListOffsetsRequest, ListOffsetsResponse } from './messages/list-offsets.js';
import { ListTransactionsRequest, ListTransactionsResponse } from './messages/list-transactions.js';
import { MetadataRequest, MetadataResponse } from './messages/metadata.js';
import { OffsetCommitRequest, OffsetCommitResponse } from './messages/offset-commit.js';
import { OffsetFetchRequest, OffsetFetchResponse } from './messages/offset-fetch.js';
import { OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse } from './messages/offset-for-leader-epoch.js';
import { ProduceRequest, ProduceResponse } from './messages/produce.js';
import { SyncGroupRequest, SyncGroupResponse } from './messages/sync-group.js';
import { TxnOffsetCommitRequest, TxnOffsetCommitResponse } from './messages/txn-offset-commit.js';
import { ProtocolError, Reader, Writer } from './primitives.js';
import { decodeMessage, encodeMessage, type Infer, type Input, type Message } from './schema.js';
import { ErrorCode } from './errors.js';

export * from './primitives.js';
export * from './errors.js';
export * from './headers.js';
export { crc32c } from './crc32c.js';
export * as recordBatch from './record-batch.js';
export {
  message, parseVersions, planFor, decodeMessage, encodeMessage,
  type Infer, type Input, type Message, type Field, type Fields, type FieldOpts, type Kind,
} from './schema.js';
export * from './messages/produce.js';
export * from './messages/fetch.js';
export * from './messages/list-offsets.js';
export * from './messages/metadata.js';
export * from './messages/offset-commit.js';
export * from './messages/offset-fetch.js';
export * from './messages/find-coordinator.js';
export * from './messages/join-group.js';
export * from './messages/heartbeat.js';
export * from './messages/leave-group.js';
export * from './messages/sync-group.js';
export * from './messages/describe-groups.js';
export * from './messages/list-groups.js';
export * from './messages/api-versions.js';
export * from './messages/create-topics.js';
export * from './messages/delete-topics.js';
export * from './messages/delete-records.js';
export * from './messages/init-producer-id.js';
export * from './messages/offset-for-leader-epoch.js';
export * from './messages/describe-configs.js';
export * from './messages/alter-configs.js';
export * from './messages/create-partitions.js';
export * from './messages/delete-groups.js';
export * from './messages/describe-cluster.js';
export * from './messages/elect-leaders.js';
export * from './messages/describe-quorum.js';
export * from './messages/incremental-alter-configs.js';
export * from './messages/describe-log-dirs.js';
export * from './messages/add-partitions-to-txn.js';
export * from './messages/add-offsets-to-txn.js';
export * from './messages/end-txn.js';
export * from './messages/txn-offset-commit.js';
export * from './messages/describe-transactions.js';
export * from './messages/list-transactions.js';

export const ApiKey = {
  Produce: 0, Fetch: 1, ListOffsets: 2, Metadata: 3, OffsetCommit: 8, OffsetFetch: 9, FindCoordinator: 10,
  JoinGroup: 11, Heartbeat: 12, LeaveGroup: 13, SyncGroup: 14, DescribeGroups: 15, ListGroups: 16, ApiVersions: 18,
  CreateTopics: 19, DeleteTopics: 20, DeleteRecords: 21, InitProducerId: 22, OffsetForLeaderEpoch: 23,
  AddPartitionsToTxn: 24, AddOffsetsToTxn: 25, EndTxn: 26, TxnOffsetCommit: 28,
  DescribeConfigs: 32, AlterConfigs: 33, DescribeLogDirs: 35, CreatePartitions: 37, DeleteGroups: 42, ElectLeaders: 43, IncrementalAlterConfigs: 44,
  DescribeQuorum: 55,
  DescribeCluster: 60, DescribeTransactions: 65, ListTransactions: 66,
} as const;
export type ApiKey = (typeof ApiKey)[keyof typeof ApiKey];

const pairs = {
  0: [ProduceRequest, ProduceResponse],
  1: [FetchRequest, FetchResponse],
  2: [ListOffsetsRequest, ListOffsetsResponse],
  3: [MetadataRequest, MetadataResponse],
  8: [OffsetCommitRequest, OffsetCommitResponse],
  9: [OffsetFetchRequest, OffsetFetchResponse],
  10: [FindCoordinatorRequest, FindCoordinatorResponse],
  11: [JoinGroupRequest, JoinGroupResponse],
  12: [HeartbeatRequest, HeartbeatResponse],
  13: [LeaveGroupRequest, LeaveGroupResponse],
  14: [SyncGroupRequest, SyncGroupResponse],
  15: [DescribeGroupsRequest, DescribeGroupsResponse],
  16: [ListGroupsRequest, ListGroupsResponse],
  18: [ApiVersionsRequest, ApiVersionsResponse],
  19: [CreateTopicsRequest, CreateTopicsResponse],
  20: [DeleteTopicsRequest, DeleteTopicsResponse],
  21: [DeleteRecordsRequest, DeleteRecordsResponse],
  22: [InitProducerIdRequest, InitProducerIdResponse],
  23: [OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse],
  24: [AddPartitionsToTxnRequest, AddPartitionsToTxnResponse],
  25: [AddOffsetsToTxnRequest, AddOffsetsToTxnResponse],
  26: [EndTxnRequest, EndTxnResponse],
  28: [TxnOffsetCommitRequest, TxnOffsetCommitResponse],
  32: [DescribeConfigsRequest, DescribeConfigsResponse],
  33: [AlterConfigsRequest, AlterConfigsResponse],
  35: [DescribeLogDirsRequest, DescribeLogDirsResponse],
  37: [CreatePartitionsRequest, CreatePartitionsResponse],
  42: [DeleteGroupsRequest, DeleteGroupsResponse],
  43: [ElectLeadersRequest, ElectLeadersResponse],
  44: [IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse],
  55: [DescribeQuorumRequest, DescribeQuorumResponse],
  60: [DescribeClusterRequest, DescribeClusterResponse],
  65: [DescribeTransactionsRequest, DescribeTransactionsResponse],
  66: [ListTransactionsRequest, ListTransactionsResponse],
} as const;
type Pairs = typeof pairs;
export type SupportedApiKey = keyof Pairs;
/** Decoded request type per api key, e.g. `RequestOf<0>` = ProduceRequest. */
export type RequestOf<K extends SupportedApiKey> = Infer<Pairs[K][0]>;
export type ResponseOf<K extends SupportedApiKey> = Infer<Pairs[K][1]>;

export interface ApiEntry {
  apiKey: number;
  name: string;
  minVersion: number;
  maxVersion: number;
  /** First flexible version per Kafka's spec (may be above maxVersion). */
  flexibleFrom: number;
  request: Message<any>;
  response: Message<any>;
}

/** Registry: `apis[apiKey]` for every API we can encode/decode (undefined for others). */
export const apis: Readonly<Record<number, ApiEntry | undefined>> = Object.freeze(
  Object.fromEntries(
    Object.entries(pairs).map(([k, [req, resp]]) => [
      Number(k),
      Object.freeze({
        apiKey: Number(k),
        name: req.name.replace(/Request$/, ''),
        minVersion: req.minVersion,
        maxVersion: req.maxVersion,
        flexibleFrom: req.flexibleFrom,
        request: req as Message<any>,
        response: resp as Message<any>,
      }),
    ]),
  ),
);

/** `[{ apiKey, minVersion, maxVersion }]` for every registered API, sorted by key (ApiVersions body material). */
export function supportedApiVersions(): { apiKey: number; minVersion: number; maxVersion: number }[] {
  return Object.values(apis)
    .filter((a): a is ApiEntry => a !== undefined)
    .map((a) => ({ apiKey: a.apiKey, minVersion: a.minVersion, maxVersion: a.maxVersion }))
    .sort((a, b) => a.apiKey - b.apiKey);
}

export function isSupported(apiKey: number, version: number): boolean {
  const a = apis[apiKey];
  return a !== undefined && version >= a.minVersion && version <= a.maxVersion;
}
/** Flexible per Kafka's spec for (apiKey, version); false for unknown APIs. */
export function isFlexibleVersion(apiKey: number, version: number): boolean {
  const a = apis[apiKey];
  return a !== undefined && version >= a.flexibleFrom;
}
export function requestHeaderVersion(apiKey: number, version: number): 1 | 2 {
  return isFlexibleVersion(apiKey, version) ? 2 : 1;
}
/** ApiVersions always answers with header v0. */
export function responseHeaderVersion(apiKey: number, version: number): 0 | 1 {
  return apiKey !== 18 && isFlexibleVersion(apiKey, version) ? 1 : 0;
}

/**
 * Decode a request header (the frame without its size prefix). Header tags are skipped only for flexible
 * (apiKey, version) pairs we know; unknown apis/versions are read as header v1 (the body is not parsed anyway).
 * With a Reader, it is left positioned at the body; `bodyOffset` says where that is.
 */
export function decodeRequestHeader(input: Reader | Buffer): RequestHeader {
  const r = input instanceof Reader ? input : new Reader(input);
  return readRequestHeader(r, (k, v) => isSupported(k, v) && isFlexibleVersion(k, v));
}

/**
 * The untyped overloads accept a non-literal `number` key (router code); a literal supported key must use the typed
 * overload, so typos in field names are caught.
 */
type DynamicKey<N extends number> = N extends SupportedApiKey ? never : N;

function entry(apiKey: number, version: number): ApiEntry {
  const a = apis[apiKey];
  if (!a) throw new ProtocolError(`unknown api key ${apiKey}`);
  if (version < a.minVersion || version > a.maxVersion) {
    throw new ProtocolError(`${a.name} v${version} is not supported (${a.minVersion}-${a.maxVersion})`);
  }
  return a;
}

/** Decode a request body. Throws ProtocolError on unknown api / unsupported version / malformed bytes. */
export function decodeRequest<K extends SupportedApiKey>(apiKey: K, version: number, reader: Reader): RequestOf<K>;
export function decodeRequest(apiKey: number, version: number, reader: Reader): unknown;
export function decodeRequest(apiKey: number, version: number, reader: Reader): unknown {
  return decodeMessage(entry(apiKey, version).request, version, reader);
}

/** Decode a response body (reader positioned after the response header). */
export function decodeResponse<K extends SupportedApiKey>(apiKey: K, version: number, reader: Reader): ResponseOf<K>;
export function decodeResponse(apiKey: number, version: number, reader: Reader): unknown;
export function decodeResponse(apiKey: number, version: number, reader: Reader): unknown {
  return decodeMessage(entry(apiKey, version).response, version, reader);
}

/** Decode a full response frame (WITHOUT the size prefix): header + body. */
export function decodeResponseFrame<K extends SupportedApiKey>(
  apiKey: K, version: number, frame: Buffer,
): { correlationId: number; body: ResponseOf<K> };
export function decodeResponseFrame(apiKey: number, version: number, frame: Buffer): { correlationId: number; body: unknown };
export function decodeResponseFrame(apiKey: number, version: number, frame: Buffer): { correlationId: number; body: unknown } {
  const r = new Reader(frame);
  const correlationId = readResponseHeader(r, responseHeaderVersion(apiKey, version));
  return { correlationId, body: decodeResponse(apiKey, version, r) };
}

function frame(w: Writer): Buffer {
  const out = w.finish();
  out.writeInt32BE(out.length - 4, 0);
  return out;
}

/** Last encoded frame size per api key and direction: the next writer starts at that size (fewer regrowths). */
const sizeHints = new Map<number, number>();
function writerFor(key: number): Writer {
  return new Writer(sizeHints.get(key) ?? 256);
}
function remember(key: number, size: number): void {
  sizeHints.set(key, Math.min(Math.max(256, size + 64), 4 * 1024 * 1024));
}

/**
 * Encode a full response frame: int32 size + response header (v0, or v1 for flexible versions except ApiVersions)
 * + body. Missing body fields take their defaults.
 */
export function encodeResponse<K extends SupportedApiKey>(
  apiKey: K, version: number, correlationId: number, body: Input<ResponseOf<K>>,
): Buffer;
export function encodeResponse<N extends number>(apiKey: DynamicKey<N>, version: number, correlationId: number, body: unknown): Buffer;
export function encodeResponse(apiKey: number, version: number, correlationId: number, body: unknown): Buffer {
  const a = entry(apiKey, version);
  const w = writerFor(apiKey);
  w.int32(0);
  writeResponseHeader(w, correlationId, responseHeaderVersion(apiKey, version));
  encodeMessage(a.response, version, body as Input<Infer<Message<any>>>, w);
  remember(apiKey, w.offset);
  return frame(w);
}

/** Encode a full request frame: int32 size + request header (v1, or v2 for flexible versions) + body. */
export function encodeRequest<K extends SupportedApiKey>(
  apiKey: K, version: number, correlationId: number, clientId: string | null, body: Input<RequestOf<K>>,
): Buffer;
export function encodeRequest<N extends number>(apiKey: DynamicKey<N>, version: number, correlationId: number, clientId: string | null, body: unknown): Buffer;
export function encodeRequest(apiKey: number, version: number, correlationId: number, clientId: string | null, body: unknown): Buffer {
  const a = entry(apiKey, version);
  const w = writerFor(-1 - apiKey);
  w.int32(0);
  writeRequestHeader(w, { apiKey, apiVersion: version, correlationId, clientId }, requestHeaderVersion(apiKey, version));
  encodeMessage(a.request, version, body as Input<Infer<Message<any>>>, w);
  remember(-1 - apiKey, w.offset);
  return frame(w);
}

/**
 * The reply to an ApiVersions request whose version we do not support (Kafka's behaviour, KIP-511): response header
 * v0, then a v0-format body: error_code=35 (UNSUPPORTED_VERSION), [ {apiKey 18, minVersion 0, maxVersion} ].
 * Do not parse the request body in that case. Returns the full frame.
 */
export function encodeApiVersionsUnsupported(correlationId: number, maxVersion = apis[18]!.maxVersion): Buffer {
  const w = new Writer(32);
  w.int32(0).int32(correlationId).int16(ErrorCode.UNSUPPORTED_VERSION).int32(1).int16(18).int16(0).int16(maxVersion);
  return frame(w);
}

/** Alias of `encodeApiVersionsUnsupported` (name used by the router). */
export const apiVersionsUnsupportedResponse = encodeApiVersionsUnsupported;
