import { addOffsetsToTxn } from './add-offsets-to-txn.js';
import { addPartitionsToTxn } from './add-partitions-to-txn.js';
import { type SupportedApiKey, apis } from '../protocol/index.js';
import { alterConfigs } from './alter-configs.js';
import { apiVersions } from './api-versions.js';
import { createPartitions } from './create-partitions.js';
import { createTopics } from './create-topics.js';
import { deleteGroups } from './delete-groups.js';
import { deleteRecords } from './delete-records.js';
import { deleteTopics } from './delete-topics.js';
import { describeCluster } from './describe-cluster.js';
import { describeConfigs } from './describe-configs.js';
import { describeGroups } from './describe-groups.js';
import { describeLogDirs } from './describe-log-dirs.js';
import { describeQuorum } from './describe-quorum.js';
import { describeTransactions } from './describe-transactions.js';
import { electLeaders } from './elect-leaders.js';
import { endTxn } from './end-txn.js';
import { fetch } from './fetch.js';
import { findCoordinator } from './find-coordinator.js';
import { heartbeat } from './heartbeat.js';
import { incrementalAlterConfigs } from './incremental-alter-configs.js';
import { initProducerId } from './init-producer-id.js';
import { joinGroup } from './join-group.js';
import { leaveGroup } from './leave-group.js';
import { listGroups } from './list-groups.js';
import { listOffsets } from './list-offsets.js';
import { listTransactions } from './list-transactions.js';
import { metadata } from './metadata.js';
import { offsetCommit } from './offset-commit.js';
import { offsetFetch } from './offset-fetch.js';
import { offsetForLeaderEpoch } from './offset-for-leader-epoch.js';
import { produce } from './produce.js';
import { syncGroup } from './sync-group.js';
import { txnOffsetCommit } from './txn-offset-commit.js';
import { type ApiHandler, type RoutedHandler, routed } from './types.js';

/** The table of contents of the protocol this broker speaks, by API key. */
export const handlers: ReadonlyMap<number, RoutedHandler> = new Map(
  [
    produce,
    fetch,
    listOffsets,
    metadata,
    offsetCommit,
    offsetFetch,
    findCoordinator,
    joinGroup,
    heartbeat,
    leaveGroup,
    syncGroup,
    describeGroups,
    listGroups,
    apiVersions,
    createTopics,
    deleteTopics,
    deleteRecords,
    initProducerId,
    offsetForLeaderEpoch,
    addPartitionsToTxn,
    addOffsetsToTxn,
    endTxn,
    txnOffsetCommit,
    describeConfigs,
    alterConfigs,
    describeLogDirs,
    createPartitions,
    deleteGroups,
    electLeaders,
    incrementalAlterConfigs,
    describeQuorum,
    describeCluster,
    describeTransactions,
    listTransactions,
  ].map((h) => [h.apiKey, routed(h as ApiHandler<SupportedApiKey>)]),
);

export interface VersionRange {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

let advertised: VersionRange[] | null = null;

/** What ApiVersions advertises: each handler's range, within what the protocol schemas can encode. */
export function advertisedVersions(): VersionRange[] {
  advertised ??= [...handlers.values()]
    .map((h) => {
      const schema = apis[h.apiKey];
      if (!schema) throw new Error(`handler ${h.name} has no protocol schema`);
      return {
        apiKey: h.apiKey,
        minVersion: Math.max(h.minVersion, schema.minVersion),
        maxVersion: Math.min(h.maxVersion, schema.maxVersion),
      };
    })
    .sort((a, b) => a.apiKey - b.apiKey);
  return advertised;
}

export function supportedRange(apiKey: number): VersionRange | undefined {
  return advertisedVersions().find((v) => v.apiKey === apiKey);
}
