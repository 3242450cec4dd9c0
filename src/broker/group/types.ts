/**
 * Request/response shapes of the group APIs, as the protocol layer decodes them (Kafka JSON field names, first letter
 * lower-cased). Only the fields the coordinator reads or writes are typed; fields absent in a version decode to
 * Kafka's defaults.
 */

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export interface ClientInfo {
  /** API version of the request (JoinGroup: v4+ uses the MEMBER_ID_REQUIRED two-step join). */
  version: number;
  clientId: string | null;
  clientHost: string;
}

export interface JoinGroupRequest {
  groupId: string;
  sessionTimeoutMs: number;
  /** v1+; -1 (v0) means "same as sessionTimeoutMs". */
  rebalanceTimeoutMs?: number;
  memberId: string;
  groupInstanceId?: string | null;
  protocolType: string;
  protocols: { name: string; metadata: Buffer }[];
  reason?: string | null;
}

export interface JoinGroupResponse {
  throttleTimeMs: number;
  errorCode: number;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  skipAssignment: boolean;
  memberId: string;
  members: { memberId: string; groupInstanceId: string | null; metadata: Buffer }[];
}

export interface SyncGroupRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId?: string | null;
  protocolType?: string | null;
  protocolName?: string | null;
  assignments: { memberId: string; assignment: Buffer }[];
}

export interface SyncGroupResponse {
  throttleTimeMs: number;
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

export interface HeartbeatRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId?: string | null;
}

export interface HeartbeatResponse {
  throttleTimeMs: number;
  errorCode: number;
}

/** v0-2 carry `memberId`; v3+ carry `members`. */
export interface LeaveGroupRequest {
  groupId: string;
  memberId?: string;
  members?: { memberId: string; groupInstanceId?: string | null; reason?: string | null }[];
}

export interface LeaveGroupResponse {
  throttleTimeMs: number;
  errorCode: number;
  members: { memberId: string; groupInstanceId: string | null; errorCode: number }[];
}

export interface OffsetCommitRequest {
  groupId: string;
  /** v1+; -1 when absent. */
  generationId?: number;
  /** v1+; '' when absent. */
  memberId?: string;
  groupInstanceId?: string | null;
  /** v2-4; ignored (Kafka's offsets.retention.minutes rules are not modelled). */
  retentionTimeMs?: number;
  topics: {
    name: string;
    partitions: {
      partitionIndex: number;
      committedOffset: number;
      committedLeaderEpoch?: number;
      /** v1 only. */
      commitTimestamp?: number;
      committedMetadata: string | null;
    }[];
  }[];
}

export interface OffsetCommitResponse {
  throttleTimeMs: number;
  topics: { name: string; partitions: { partitionIndex: number; errorCode: number }[] }[];
}

export interface OffsetFetchRequest {
  groupId: string;
  /** null (v2+) means every partition the group has committed. */
  topics: { name: string; partitionIndexes: number[] }[] | null;
  requireStable?: boolean;
}

export interface OffsetFetchResponse {
  throttleTimeMs: number;
  topics: {
    name: string;
    partitions: { partitionIndex: number; committedOffset: number; committedLeaderEpoch: number; metadata: string | null; errorCode: number }[];
  }[];
  errorCode: number;
}

export interface DescribedGroup {
  errorCode: number;
  groupId: string;
  groupState: GroupState;
  protocolType: string;
  protocolData: string;
  members: {
    memberId: string;
    groupInstanceId: string | null;
    clientId: string;
    clientHost: string;
    memberMetadata: Buffer;
    memberAssignment: Buffer;
  }[];
  authorizedOperations: number;
}

export interface DescribeGroupsResponse {
  throttleTimeMs: number;
  groups: DescribedGroup[];
}

export interface ListGroupsResponse {
  throttleTimeMs: number;
  errorCode: number;
  groups: { groupId: string; protocolType: string; groupState: GroupState }[];
}

export interface DeleteGroupsResponse {
  throttleTimeMs: number;
  results: { groupId: string; errorCode: number }[];
}
