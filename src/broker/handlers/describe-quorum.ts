import { ErrorCode } from '../protocol/errors.js';
import { awaitController } from './forward.js';
import { defineHandler } from './types.js';

const METADATA_TOPIC = '__cluster_metadata';
const NOT_HOSTED = 'This server does not host this topic-partition.';

/**
 * DescribeQuorum v0-2: the KRaft controller quorum, as the active controller sees it (brokers forward the request to
 * it). Answered for __cluster_metadata partition 0 only, and only when that is all the request asks; anything else
 * gets UNKNOWN_TOPIC_OR_PARTITION per partition, as Kafka 4.4.0 answers. The voters are the brokers (combined mode,
 * no observers); the high watermark and log end offsets count the controller's records; v1 adds when each voter
 * last fetched (now for running voters, when it stopped for one that died under this controller, else -1), v2 the
 * voters' listeners: none, since the embedded controller has no listener of its own.
 * Without an active controller the request waits, then REQUEST_TIMED_OUT (see forward.ts): Kafka's brokers never
 * answer with leader -1.
 */
export const describeQuorum = defineHandler({
  apiKey: 55,
  name: 'DescribeQuorum',
  minVersion: 0,
  maxVersion: 2,
  async handle(request, { cluster }) {
    type Asked = { topicName: string; partitions: Array<{ partitionIndex: number }> };
    const asked: Asked[] = request.topics;
    if (!(await awaitController(cluster))) {
      return { errorCode: ErrorCode.REQUEST_TIMED_OUT, errorMessage: null, topics: [], nodes: [] };
    }
    const quorum = cluster.controller.quorum;
    const valid = asked.length === 1 && asked[0]!.topicName === METADATA_TOPIC && asked[0]!.partitions.length === 1 && asked[0]!.partitions[0]!.partitionIndex === 0;
    if (!valid) {
      return {
        errorCode: ErrorCode.NONE,
        errorMessage: '',
        topics: asked.map((t) => ({
          topicName: t.topicName,
          partitions: t.partitions.map((p) => ({
            partitionIndex: p.partitionIndex,
            errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
            errorMessage: NOT_HOSTED,
            leaderId: 0,
            leaderEpoch: 0,
            highWatermark: 0,
            currentVoters: [],
            observers: [],
          })),
        })),
        nodes: [],
      };
    }
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: '',
      topics: [
        {
          topicName: METADATA_TOPIC,
          partitions: [
            {
              partitionIndex: 0,
              errorCode: ErrorCode.NONE,
              errorMessage: '',
              leaderId: quorum.leaderId!,
              leaderEpoch: quorum.epoch,
              highWatermark: cluster.metadata.metadataOffset,
              currentVoters: quorum.voterViews(),
              observers: [],
            },
          ],
        },
      ],
      nodes: quorum.voters.map((nodeId) => ({ nodeId, listeners: [] })),
    };
  },
});
