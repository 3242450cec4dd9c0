import { ElectionType } from '../cluster/controller.js';
import { ErrorCode } from '../protocol/errors.js';
import { awaitController } from './forward.js';
import { defineHandler } from './types.js';

type Asked = Array<{ topic: string; partitions: number[] }> | null;

/**
 * ElectLeaders v0-2 (v0 is always PREFERRED): a preferred (0) or unclean (1) leader election, decided by the
 * controller with Kafka's per-partition answers (see Controller.electLeaders); null topicPartitions = every
 * partition, leaving out those that need no election. An unknown election type is INVALID_REQUEST. Forwarded to the
 * controller: without an active one it waits, then REQUEST_TIMED_OUT (see forward.ts).
 */
export const electLeaders = defineHandler({
  apiKey: 43,
  name: 'ElectLeaders',
  minVersion: 0,
  maxVersion: 2,
  async handle(request, { cluster }) {
    const asked: Asked = request.topicPartitions;
    const everyAsked = (errorCode: number, errorMessage: string | null) =>
      (asked ?? []).map(({ topic, partitions }) => ({ topic, partitionResult: partitions.map((partitionId) => ({ partitionId, errorCode, errorMessage })) }));
    const electionType: number = request.electionType ?? ElectionType.PREFERRED;
    if (electionType !== ElectionType.PREFERRED && electionType !== ElectionType.UNCLEAN) {
      const message = `Unknown election type ${electionType}`;
      return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REQUEST, replicaElectionResults: everyAsked(ErrorCode.INVALID_REQUEST, message) };
    }
    if (!(await awaitController(cluster))) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.REQUEST_TIMED_OUT, replicaElectionResults: everyAsked(ErrorCode.REQUEST_TIMED_OUT, null) };
    }
    const replicaElectionResults = cluster.controller.electLeaders(electionType, asked);
    const elected = replicaElectionResults.reduce((n, t) => n + t.partitionResult.filter((p) => p.errorCode === ErrorCode.NONE).length, 0);
    if (elected > 0) cluster.log(`${electionType === ElectionType.PREFERRED ? 'preferred' : 'unclean'} leader election (ElectLeaders) moved ${elected} partition(s)`);
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, replicaElectionResults };
  },
});
