// Cross-check against kafkajs 2.2.4: its request encoders → our decoders, our response encoders → its decoders.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { apis, decodeRequest, encodeResponse, Reader, recordBatch, type ApiEntry } from '../../src/broker/protocol/index.js';
import { encodeMessage } from '../../src/broker/protocol/schema.js';
import { leavesOurs, leavesTheirs, namedLeavesOurs, namedLeavesTheirs, sample } from './samples.js';

const require = createRequire(import.meta.url);
const kjsDir: Record<number, string> = {
  0: 'produce', 1: 'fetch', 2: 'listOffsets', 3: 'metadata', 8: 'offsetCommit', 9: 'offsetFetch', 10: 'findCoordinator',
  11: 'joinGroup', 12: 'heartbeat', 13: 'leaveGroup', 14: 'syncGroup', 15: 'describeGroups', 16: 'listGroups',
  18: 'apiVersions', 19: 'createTopics', 20: 'deleteTopics', 21: 'deleteRecords', 22: 'initProducerId',
  32: 'describeConfigs', 33: 'alterConfigs', 37: 'createPartitions', 42: 'deleteGroups',
};
interface KjsProtocol {
  request: { apiKey: number; apiVersion: number; encode(): Promise<{ buffer: Buffer }> };
  response: { decode(buf: Buffer): Promise<unknown>; parse(d: unknown): Promise<unknown> };
}
function kjs(apiKey: number, version: number): ((args?: unknown) => KjsProtocol) | undefined {
  const mod = require(`kafkajs/src/protocol/requests/${kjsDir[apiKey]}/index.js`) as { versions: string[]; protocol(o: { version: number }): (a?: unknown) => KjsProtocol };
  if (!mod.versions.includes(String(version))) return undefined;
  return mod.protocol({ version });
}
const entries = Object.values(apis).filter((a): a is ApiEntry => a !== undefined && a.apiKey in kjsDir);
const versionsOf = (a: ApiEntry) => Array.from({ length: a.maxVersion - a.minVersion + 1 }, (_, i) => a.minVersion + i);

/** kafkajs request args and what our decoder must produce, per api key and version. */
const requestCases: Record<number, (v: number) => [unknown, Record<string, unknown>][]> = {
  0: (v) => [
    [
      {
        acks: -1, timeout: 30000, compression: v === 7 ? 1 : 0, transactionalId: v >= 3 ? 'tx-1' : undefined,
        topicData: [{ topic: 'orders', partitions: [
          { partition: 2, firstSequence: 0, messages: [{ key: 'k1', value: 'v1', timestamp: 1700000000000, headers: { h: 'x' } }, { key: null, value: 'v2', timestamp: 1700000000005 }] },
        ] }],
      },
      { transactionalId: 'tx-1', acks: -1, timeoutMs: 30000, topicData: [{ name: 'orders', partitionData: [{ index: 2, records: expect.any(Buffer) }] }] },
    ],
    [{ acks: 1, timeout: 100, topicData: [] }, { transactionalId: null, acks: 1, timeoutMs: 100, topicData: [] }],
  ],
  1: (v) => [[
    {
      replicaId: -1, maxWaitTime: 5000, minBytes: 1, maxBytes: 10485760, isolationLevel: 1, rackId: 'rack-a',
      topics: [{ topic: 'orders', partitions: [{ partition: 0, fetchOffset: '123', maxBytes: 1048576 }, { partition: 4, fetchOffset: '1099511627776', maxBytes: 7 }] }],
    },
    {
      replicaId: -1, maxWaitMs: 5000, minBytes: 1, maxBytes: 10485760, isolationLevel: 1, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic: 'orders', partitions: [
        { partition: 0, currentLeaderEpoch: -1, fetchOffset: 123, logStartOffset: -1, partitionMaxBytes: 1048576 },
        { partition: 4, currentLeaderEpoch: -1, fetchOffset: 2 ** 40, logStartOffset: -1, partitionMaxBytes: 7 },
      ] }],
      forgottenTopicsData: [], rackId: v >= 11 ? 'rack-a' : '',
    },
  ]],
  2: (v) => [[
    { replicaId: -1, isolationLevel: 1, topics: [{ topic: 't', partitions: [{ partition: 2, timestamp: -2 }, { partition: 3, timestamp: 1700000000000 }] }] },
    { replicaId: -1, isolationLevel: v >= 2 ? 1 : 0, topics: [{ name: 't', partitions: [{ partitionIndex: 2, timestamp: -2, currentLeaderEpoch: -1 }, { partitionIndex: 3, timestamp: 1700000000000 }] }] },
  ]],
  3: (v) => [
    [{ topics: ['a', 'b-é'], allowAutoTopicCreation: false }, { topics: [{ name: 'a' }, { name: 'b-é' }], allowAutoTopicCreation: v >= 4 ? false : true }],
    [{ topics: [] }, { topics: v === 0 ? [] : null, allowAutoTopicCreation: true }],
  ],
  8: (v) => [[
    { groupId: 'g', groupGenerationId: 3, memberId: 'm-1', retentionTime: 86400000, topics: [{ topic: 't', partitions: [{ partition: 1, offset: '42', metadata: null }, { partition: 2, offset: '7', metadata: 'md' }] }] },
    {
      groupId: 'g', generationIdOrMemberEpoch: 3, memberId: 'm-1', groupInstanceId: null, retentionTimeMs: v <= 4 ? 86400000 : -1,
      topics: [{ name: 't', partitions: [{ partitionIndex: 1, committedOffset: 42, committedMetadata: null, committedLeaderEpoch: -1 }, { partitionIndex: 2, committedOffset: 7, committedMetadata: 'md' }] }],
    },
  ]],
  9: () => [[
    { groupId: 'g', topics: [{ topic: 't', partitions: [{ partition: 0 }, { partition: 3 }] }] },
    { groupId: 'g', topics: [{ name: 't', partitionIndexes: [0, 3] }] },
  ]],
  10: (v) => [[{ groupId: 'g', coordinatorType: 1 }, { key: 'g', keyType: v >= 1 ? 1 : 0 }]],
  11: (v) => [[
    { groupId: 'g', sessionTimeout: 30000, rebalanceTimeout: 60000, memberId: '', groupInstanceId: 'inst', protocolType: 'consumer', groupProtocols: [{ name: 'RoundRobinAssigner', metadata: Buffer.from('meta') }] },
    { groupId: 'g', sessionTimeoutMs: 30000, rebalanceTimeoutMs: v >= 1 ? 60000 : -1, memberId: '', groupInstanceId: v >= 5 ? 'inst' : null, protocolType: 'consumer', protocols: [{ name: 'RoundRobinAssigner', metadata: Buffer.from('meta') }] },
  ]],
  12: (v) => [[{ groupId: 'g', groupGenerationId: 5, memberId: 'm', groupInstanceId: 'i' }, { groupId: 'g', generationId: 5, memberId: 'm', groupInstanceId: v >= 3 ? 'i' : null }]],
  13: (v) => [[
    { groupId: 'g', memberId: 'm', groupInstanceId: 'i' },
    v >= 3 ? { groupId: 'g', memberId: '', members: [{ memberId: 'm', groupInstanceId: 'i' }] } : { groupId: 'g', memberId: 'm', members: [] },
  ]],
  14: (v) => [[
    { groupId: 'g', generationId: 2, memberId: 'm', groupInstanceId: 'i', groupAssignment: [{ memberId: 'm', memberAssignment: Buffer.from('assign') }, { memberId: 'n', memberAssignment: Buffer.alloc(0) }] },
    { groupId: 'g', generationId: 2, memberId: 'm', groupInstanceId: v >= 3 ? 'i' : null, assignments: [{ memberId: 'm', assignment: Buffer.from('assign') }, { memberId: 'n', assignment: Buffer.alloc(0) }] },
  ]],
  15: () => [[{ groupIds: ['g1', 'g2'] }, { groups: ['g1', 'g2'] }]],
  16: () => [[undefined, {}]],
  18: () => [[undefined, {}]],
  19: (v) => [[
    { topics: [{ topic: 't', numPartitions: 3, replicationFactor: 2, replicaAssignment: [{ partition: 0, replicas: [1, 2] }], configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }, { topic: 'u' }], validateOnly: true, timeout: 5000 },
    {
      topics: [
        { name: 't', numPartitions: 3, replicationFactor: 2, assignments: [{ partitionIndex: 0, brokerIds: [1, 2] }], configs: [{ name: 'cleanup.policy', value: 'compact' }] },
        { name: 'u', numPartitions: -1, replicationFactor: -1, assignments: [], configs: [] },
      ],
      timeoutMs: 5000, validateOnly: v >= 1,
    },
  ]],
  20: () => [[{ topics: ['a', 'b'], timeout: 5000 }, { topicNames: ['a', 'b'], timeoutMs: 5000 }]],
  21: () => [[{ topics: [{ topic: 't', partitions: [{ partition: 0, offset: '7' }] }], timeout: 5000 }, { topics: [{ name: 't', partitions: [{ partitionIndex: 0, offset: 7 }] }], timeoutMs: 5000 }]],
  22: () => [
    [{ transactionalId: null, transactionTimeout: 5000 }, { transactionalId: null, transactionTimeoutMs: 5000, producerId: -1, producerEpoch: -1 }],
    [{ transactionalId: 'tx', transactionTimeout: 60000 }, { transactionalId: 'tx', transactionTimeoutMs: 60000 }],
  ],
  32: (v) => [[
    { resources: [{ type: 2, name: 't', configNames: ['retention.ms'] }, { type: 4, name: '1' }], includeSynonyms: true },
    { resources: [{ resourceType: 2, resourceName: 't', configurationKeys: ['retention.ms'] }, { resourceType: 4, resourceName: '1', configurationKeys: null }], includeSynonyms: v >= 1 },
  ]],
  33: () => [[
    { resources: [{ type: 2, name: 't', configEntries: [{ name: 'retention.ms', value: '1000' }] }], validateOnly: true },
    { resources: [{ resourceType: 2, resourceName: 't', configs: [{ name: 'retention.ms', value: '1000' }] }], validateOnly: true },
  ]],
  37: () => [[
    { topicPartitions: [{ topic: 't', count: 5, assignments: [[1, 2], [2, 3]] }, { topic: 'u', count: 2 }], timeout: 5000, validateOnly: false },
    { topics: [{ name: 't', count: 5, assignments: [{ brokerIds: [1, 2] }, { brokerIds: [2, 3] }] }, { name: 'u', count: 2, assignments: null }], timeoutMs: 5000, validateOnly: false },
  ]],
  42: () => [[['g1', 'g2'], { groupsNames: ['g1', 'g2'] }]],
};

describe('kafkajs request encoders → our decoders (byte-identical re-encode)', () => {
  for (const a of entries) {
    for (const v of versionsOf(a)) {
      const proto = kjs(a.apiKey, v);
      if (!proto) continue;
      it(`${a.name} v${v}`, async () => {
        const cases = requestCases[a.apiKey]!(v);
        expect(cases.length).toBeGreaterThan(0);
        for (const [args, expected] of cases) {
          const { request } = proto(args);
          expect(request.apiKey).toBe(a.apiKey);
          expect(request.apiVersion).toBe(v);
          const bytes = (await request.encode()).buffer;
          const r = new Reader(bytes);
          const decoded = decodeRequest(a.apiKey, v, r) as Record<string, unknown>;
          expect(r.remaining).toBe(0);
          expect(decoded).toMatchObject(expected);
          const again = Buffer.from(encodeMessage(a.request, v, decoded).finish());
          expect(again.toString('hex')).toBe(bytes.toString('hex'));
          if (a.apiKey === 0 && (decoded.topicData as unknown[]).length > 0) {
            const records = (decoded as { topicData: { partitionData: { records: Buffer }[] }[] }).topicData[0]!.partitionData[0]!.records;
            expect(recordBatch.validateProducedBatch(records)).toBe(0);
            expect(recordBatch.compressionOf(records)).toBe(v === 7 ? 1 : 0);
            expect(recordBatch.baseSequence(records)).toBe(0);
            const recs = recordBatch.decodeRecords(records);
            expect(recs.map((x) => [x.offset, x.timestamp, x.key?.toString() ?? null, x.value?.toString()])).toEqual([
              [0, 1700000000000, 'k1', 'v1'],
              [1, 1700000000005, null, 'v2'],
            ]);
            expect(recs[0]!.headers).toEqual([{ key: 'h', value: Buffer.from('x') }]);
          }
        }
      });
    }
  }
});

/**
 * kafkajs moves throttle_time_ms to `clientSideThrottleTime` (and zeroes `throttleTime`) for versions where brokers
 * answer before throttling; put it back so leaves compare in wire order.
 */
function unthrottle(d: unknown): unknown {
  const o = d as Record<string, unknown>;
  if (o && typeof o === 'object' && 'clientSideThrottleTime' in o) {
    // (DeleteGroups v1 in kafkajs reads the wrong name and ends with `clientSideThrottleTime: undefined` next to
    // `throttleTimeMs`; then the real value is already in place.)
    if (o.clientSideThrottleTime === undefined) delete o.throttleTime;
    else o.throttleTime = o.clientSideThrottleTime;
    delete o.clientSideThrottleTime;
  }
  return o;
}

/** Our field name vs kafkajs's name for the same wire field. */
const synonyms: Record<string, string[]> = {
  throttleTimeMs: ['throttleTime'],
  name: ['topic', 'topicName', 'groupId', 'configName'],
  topic: ['topicName'],
  partitionIndex: ['partition', 'partitionId'],
  index: ['partition'],
  responses: ['topics'],
  partitionResponses: ['partitions'],
  logAppendTimeMs: ['logAppendTime'],
  leaderId: ['leader'],
  replicaNodes: ['replicas'],
  isrNodes: ['isr'],
  errorCode: ['topicErrorCode', 'partitionErrorCode'],
  committedOffset: ['offset'],
  protocolName: ['groupProtocol'],
  leader: ['leaderId'],
  metadata: ['memberMetadata'],
  assignment: ['memberAssignment'],
  apiKeys: ['apiVersions'],
  groupState: ['state'],
  protocolData: ['protocol'],
  value: ['configValue'],
  configSource: ['configSource'],
  source: ['configSource'],
};
function sameName(ours: string, theirs: string): boolean {
  return ours === theirs || (synonyms[ours] ?? []).includes(theirs);
}

/** Make samples kafkajs can decode without throwing on its own checks (error 35 in ApiVersions etc.). */
function tame(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(tame);
  if (x && typeof x === 'object' && !Buffer.isBuffer(x)) {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) o[k] = k === 'errorCode' ? 0 : tame(v);
    return o;
  }
  return x;
}

describe('our response encoders → kafkajs response decoders (same values, same order)', () => {
  for (const a of entries) {
    if (a.apiKey === 1) continue; // Fetch: kafkajs decodes records into messages; checked separately below
    for (const v of versionsOf(a)) {
      const proto = kjs(a.apiKey, v);
      if (!proto) continue;
      it(`${a.name} v${v}`, async () => {
        const args = requestCases[a.apiKey]!(v)[0]![0];
        const { response } = proto(args);
        for (const seed of [1, 2, 3, 4]) {
          const body = tame(sample(a.response, v, seed, { noTags: true })) as Record<string, unknown>;
          // kafkajs sorts these topic lists by name; present them sorted so the order is comparable
          const sortedKey = ({ 19: 'topics', 20: 'responses', 21: 'topics', 37: 'results' } as Record<number, string>)[a.apiKey];
          if (sortedKey) (body[sortedKey] as { name: string }[]).sort((x, y) => x.name.localeCompare(y.name));
          const frame = encodeResponse(a.apiKey, v, 1, body);
          const decoded = unthrottle(await response.decode(frame.subarray(8))); // skip size + correlation id
          if (a.apiKey === 32) {
            // kafkajs derives configSource (v0) / isDefault (v1+) instead of reading them: drop the derived one
            for (const res of (decoded as { resources: { configEntries: Record<string, unknown>[] }[] }).resources) {
              for (const c of res.configEntries) delete c[v === 0 ? 'configSource' : 'isDefault'];
            }
          }
          expect(leavesTheirs(decoded)).toEqual(leavesOurs(a.response, v, body));
          // and the names line up (catches two same-typed fields swapped in a schema)
          const ours = namedLeavesOurs(a.response, v, body);
          const theirs = namedLeavesTheirs(decoded);
          const bad = ours.map(([n], i) => [n, theirs[i]![0]] as const).filter(([o, t]) => !sameName(o, t));
          expect(bad).toEqual([]);
        }
      });
    }
  }

  it('kafkajs parse() accepts our well-formed answers (Metadata v6, ApiVersions v2, JoinGroup v5)', async () => {
    const md = kjs(3, 6)!({ topics: ['t'] }).response;
    const body = {
      brokers: [{ nodeId: 1, host: '127.0.0.1', port: 9092, rack: null }], clusterId: 'c', controllerId: 1,
      topics: [{ errorCode: 0, name: 't', isInternal: false, partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 1, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] }] }],
    };
    const parsed = (await md.parse(await md.decode(encodeResponse(3, 6, 1, body).subarray(8)))) as Record<string, unknown>;
    expect(parsed).toMatchObject({ clusterId: 'c', controllerId: 1, brokers: [{ nodeId: 1, host: '127.0.0.1', port: 9092 }] });
    expect(parsed.topicMetadata).toMatchObject([{ topic: 't', partitionMetadata: [{ partitionId: 0, leader: 1, replicas: [1], isr: [1] }] }]);

    const av = kjs(18, 2)!().response;
    const avBody = { errorCode: 0, apiKeys: [{ apiKey: 0, minVersion: 3, maxVersion: 7 }, { apiKey: 18, minVersion: 0, maxVersion: 3 }] };
    expect(await av.parse(await av.decode(encodeResponse(18, 2, 1, avBody).subarray(8)))).toMatchObject({
      apiVersions: [{ apiKey: 0, minVersion: 3, maxVersion: 7 }, { apiKey: 18, minVersion: 0, maxVersion: 3 }],
    });

    const jg = kjs(11, 5)!(requestCases[11]!(5)[0]![0]).response;
    const jgBody = { generationId: 1, protocolName: 'RoundRobinAssigner', leader: 'm1', memberId: 'm1', members: [{ memberId: 'm1', groupInstanceId: null, metadata: Buffer.from('x') }] };
    expect(await jg.parse(await jg.decode(encodeResponse(11, 5, 1, jgBody).subarray(8)))).toMatchObject({
      generationId: 1, groupProtocol: 'RoundRobinAssigner', leaderId: 'm1', memberId: 'm1', members: [{ memberId: 'm1', memberMetadata: Buffer.from('x') }],
    });
  });

  it('kafkajs ApiVersions v2 decoder sees UNSUPPORTED_VERSION in our fallback reply', async () => {
    const { encodeApiVersionsUnsupported } = await import('../../src/broker/protocol/index.js');
    const av = kjs(18, 2)!().response;
    await expect(av.decode(encodeApiVersionsUnsupported(1, 3).subarray(8))).rejects.toMatchObject({ type: 'UNSUPPORTED_VERSION' });
  });
});

describe('Fetch responses decode in kafkajs, records included', () => {
  for (const v of versionsOf(apis[1]!)) {
    it(`Fetch v${v}`, async () => {
      const { response } = kjs(1, v)!(requestCases[1]!(v)[0]![0]);
      const batch1 = recordBatch.buildBatch(
        [{ key: 'a', value: 'one', headers: { trace: 'abc' }, timestamp: 1700000000000 }, { key: 'b', value: 'two', timestamp: 1700000000001 }],
        { baseOffset: 100, partitionLeaderEpoch: 3 },
      );
      const batch2 = recordBatch.buildBatch([{ key: null, value: 'three', timestamp: 1700000000002 }], { baseOffset: 102, compression: 1 });
      const truncated = Buffer.concat([batch1, batch2, batch1.subarray(0, 30)]); // trailing partial batch, as brokers send
      const body = {
        throttleTimeMs: 5, errorCode: 0, sessionId: 0,
        responses: [{ topic: 'orders', partitions: [
          { partitionIndex: 0, errorCode: 0, highWatermark: 103, lastStableOffset: 102, logStartOffset: 100, abortedTransactions: [{ producerId: 9, firstOffset: 50 }], preferredReadReplica: -1, records: truncated },
          { partitionIndex: 1, errorCode: 0, highWatermark: 0, lastStableOffset: 0, logStartOffset: 0, abortedTransactions: null, preferredReadReplica: -1, records: null },
        ] }],
      };
      const decoded = (await response.decode(encodeResponse(1, v, 1, body).subarray(8))) as {
        responses: { topicName: string; partitions: Record<string, unknown>[] }[];
        throttleTime?: number; errorCode?: number; sessionId?: number;
      };
      if (v >= 1) expect((unthrottle(decoded) as { throttleTime: number }).throttleTime).toBe(5);
      const [p0, p1] = decoded.responses[0]!.partitions;
      expect(decoded.responses[0]!.topicName).toBe('orders');
      expect(p0).toMatchObject({ partition: 0, errorCode: 0, highWatermark: '103', lastStableOffset: '102', abortedTransactions: [{ producerId: '9', firstOffset: '50' }] });
      if (v >= 5) expect(p0!.lastStartOffset ?? p0!.logStartOffset).toBe('100');
      if (v >= 11) expect(p0!.preferredReadReplica).toBe(-1);
      const msgs = p0!.messages as { offset: string; key: Buffer | null; value: Buffer; timestamp: string; headers: Record<string, Buffer> }[];
      expect(msgs.map((m) => [m.offset, m.key?.toString() ?? null, m.value.toString(), m.timestamp])).toEqual([
        ['100', 'a', 'one', '1700000000000'],
        ['101', 'b', 'two', '1700000000001'],
        ['102', null, 'three', '1700000000002'],
      ]);
      expect(msgs[0]!.headers.trace!.toString()).toBe('abc');
      expect(p1!.messages).toEqual([]);
    });
  }
});
