import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../protocol/errors.js';
import { type CommittedOffset, OffsetStore } from './offset-store.js';
import type {
  ClientInfo,
  DeleteGroupsResponse,
  DescribedGroup,
  DescribeGroupsResponse,
  GroupState,
  HeartbeatRequest,
  HeartbeatResponse,
  JoinGroupRequest,
  JoinGroupResponse,
  LeaveGroupRequest,
  LeaveGroupResponse,
  ListGroupsResponse,
  OffsetCommitRequest,
  OffsetCommitResponse,
  OffsetFetchRequest,
  OffsetFetchResponse,
  SyncGroupRequest,
  SyncGroupResponse,
} from './types.js';

export interface GroupCoordinatorOptions {
  /** Directory of the committed-offsets store (created if missing). */
  dataDir: string;
  /** `group.initial.rebalance.delay.ms` (Kafka: 3000). Default 0. */
  initialRebalanceDelayMs?: number;
  /** `group.min.session.timeout.ms` (Kafka: 6000). */
  minSessionTimeoutMs?: number;
  /** `group.max.session.timeout.ms` (Kafka: 1800000). */
  maxSessionTimeoutMs?: number;
  /** How long a new member's JoinGroup may stay parked before it is dropped (Kafka: 5 minutes). */
  newMemberJoinTimeoutMs?: number;
  /** `offset.metadata.max.bytes` (Kafka: 4096). */
  offsetMetadataMaxBytes?: number;
  /** Called with one-line descriptions of rebalances, evictions and the like. */
  log?: (message: string) => void;
  /**
   * Stands for the write of a group's new assignment to `__consumer_offsets` (Kafka commits it before it answers the
   * SyncGroups): resolves with NONE once it would be committed, or the error the members get instead. Absent: at once.
   */
  awaitWritable?: (groupId: string) => Promise<number>;
}

/** Kafka's JoinGroupRequest.UNKNOWN_MEMBER_ID / UNKNOWN_GENERATION_ID. */
const UNKNOWN_MEMBER_ID = '';
const NO_GENERATION = -1;
const EMPTY = Buffer.alloc(0);
/** DescribeGroups authorizedOperations when the client did not ask for them (Integer.MIN_VALUE). */
const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

interface Member {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: { name: string; metadata: Buffer }[];
  assignment: Buffer;
  /** The parked JoinGroup's reply function, while the member awaits the end of the join phase. */
  joinWaiter: ((response: JoinGroupResponse) => void) | null;
  joinVersion: number;
  /** The parked SyncGroup's reply function, while the member awaits the leader's assignment. */
  syncWaiter: ((response: SyncGroupResponse) => void) | null;
  /** Joined but has not yet completed a join phase (its timer is the new-member join timeout). */
  isNew: boolean;
  timer: NodeJS.Timeout | null;
}

interface Group {
  readonly groupId: string;
  state: GroupState;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leaderId: string | null;
  readonly members: Map<string, Member>;
  /** groupInstanceId → memberId of static members. */
  readonly staticMembers: Map<string, string>;
  /** Member ids handed out with MEMBER_ID_REQUIRED that have not joined yet, with their expiry timers. */
  readonly pendingMembers: Map<string, NodeJS.Timeout>;
  /** Members of the current generation that have not sent SyncGroup yet. */
  readonly pendingSync: Set<string>;
  joinTimer: NodeJS.Timeout | null;
  /** Set while the first rebalance of an Empty group waits `initialRebalanceDelayMs` for more members. */
  initialDelay: { remainingMs: number; newMemberAdded: boolean } | null;
  syncTimer: NodeJS.Timeout | null;
  /** The leader's assignment while its write to __consumer_offsets is pending (awaitWritable). */
  persisting: Map<string, Buffer> | null;
}

/**
 * Kafka's classic group coordinator (the JoinGroup/SyncGroup/Heartbeat protocol), independent of the wire.
 * One instance serves every group of a cluster; callers check that the receiving broker coordinates the group and
 * call `unloadGroups`/`onCoordinatorMoved` when coordinatorship moves (membership is dropped, offsets stay).
 * Semantics follow apache/kafka `ClassicGroup` and the classic parts of `GroupMetadataManager`.
 */
export class GroupCoordinator {
  readonly store: OffsetStore;
  private readonly groups = new Map<string, Group>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly partitionLeaders = new Map<number, number>();
  private readonly initialRebalanceDelayMs: number;
  private readonly minSessionTimeoutMs: number;
  private readonly maxSessionTimeoutMs: number;
  private readonly newMemberJoinTimeoutMs: number;
  private readonly offsetMetadataMaxBytes: number;
  private readonly log: (message: string) => void;
  private readonly awaitWritable: ((groupId: string) => Promise<number>) | undefined;
  private closed = false;

  constructor(options: GroupCoordinatorOptions) {
    this.store = OffsetStore.open(options.dataDir);
    this.initialRebalanceDelayMs = options.initialRebalanceDelayMs ?? 0;
    this.minSessionTimeoutMs = options.minSessionTimeoutMs ?? 6000;
    this.maxSessionTimeoutMs = options.maxSessionTimeoutMs ?? 1_800_000;
    this.newMemberJoinTimeoutMs = options.newMemberJoinTimeoutMs ?? 300_000;
    this.offsetMetadataMaxBytes = options.offsetMetadataMaxBytes ?? 4096;
    this.log = options.log ?? (() => {});
    this.awaitWritable = options.awaitWritable;
  }

  // ================================================================== JoinGroup

  joinGroup(req: JoinGroupRequest, client: ClientInfo): Promise<JoinGroupResponse> {
    const version = client.version;
    const instanceId = req.groupInstanceId ?? null;
    const fail = (errorCode: number, memberId = req.memberId) => Promise.resolve(joinError(errorCode, memberId, version));
    if (this.closed) return fail(ErrorCode.NOT_COORDINATOR);
    if (!req.groupId) return fail(ErrorCode.INVALID_GROUP_ID);
    if (req.sessionTimeoutMs < this.minSessionTimeoutMs || req.sessionTimeoutMs > this.maxSessionTimeoutMs) {
      return fail(ErrorCode.INVALID_SESSION_TIMEOUT);
    }
    const isUnknown = req.memberId === UNKNOWN_MEMBER_ID;
    let group = this.group(req.groupId);
    if (!group) {
      if (!isUnknown) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
      group = newGroup(req.groupId);
    }
    if (group.state === 'Dead') return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (!this.supportsProtocols(group, req)) return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    this.groups.set(group.groupId, group);

    if (isUnknown) {
      const prefix = instanceId ?? client.clientId ?? '';
      const memberId = `${prefix}-${randomUUID()}`;
      if (instanceId !== null) {
        // Static member: no two-step join. A known instance id takes over the member that used it before.
        const previous = group.staticMembers.get(instanceId);
        if (previous !== undefined) return this.updateStaticMemberAndRebalance(group, instanceId, previous, memberId, req, client);
        return this.addMemberAndRebalance(group, memberId, req, client);
      }
      if (version >= 4) {
        this.addPendingMember(group, memberId, req.sessionTimeoutMs);
        return fail(ErrorCode.MEMBER_ID_REQUIRED, memberId);
      }
      return this.addMemberAndRebalance(group, memberId, req, client);
    }

    if (group.pendingMembers.has(req.memberId)) return this.addMemberAndRebalance(group, req.memberId, req, client);
    const member = group.members.get(req.memberId);
    if (!member) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    if (instanceId !== null && group.staticMembers.get(instanceId) !== req.memberId) return fail(ErrorCode.FENCED_INSTANCE_ID);

    switch (group.state) {
      case 'PreparingRebalance':
        return this.updateMemberAndRebalance(group, member, req, client);
      case 'CompletingRebalance':
        if (sameProtocols(member, req)) {
          // A retried join of this generation (its response was lost): answer with the current generation again.
          this.scheduleSession(group, member);
          return Promise.resolve(this.joinResponse(group, member, version));
        }
        return this.updateMemberAndRebalance(group, member, req, client);
      case 'Stable':
        if (member.memberId === group.leaderId || !sameProtocols(member, req)) {
          // The leader rejoining, or a member changing its subscription, forces a new generation.
          return this.updateMemberAndRebalance(group, member, req, client);
        }
        // A follower with unchanged metadata gets the current generation and syncs to its current assignment.
        this.scheduleSession(group, member);
        return Promise.resolve(this.joinResponse(group, member, version));
      default:
        return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    }
  }

  private supportsProtocols(group: Group, req: JoinGroupRequest): boolean {
    if (!req.protocolType || req.protocols.length === 0) return false;
    const others = [...group.members.values()].filter((m) => m.memberId !== req.memberId);
    if (others.length === 0) return group.state === 'Empty' || group.protocolType === null || group.protocolType === req.protocolType;
    if (others[0]!.protocolType !== req.protocolType) return false;
    return req.protocols.some((p) => others.every((m) => m.protocols.some((q) => q.name === p.name)));
  }

  private addPendingMember(group: Group, memberId: string, sessionTimeoutMs: number): void {
    const timer = this.setTimer(() => {
      this.timers.delete(timer);
      if (group.pendingMembers.get(memberId) !== timer) return;
      group.pendingMembers.delete(memberId);
      this.log(`group ${group.groupId}: pending member ${memberId} did not rejoin within ${sessionTimeoutMs} ms`);
      if (group.state === 'PreparingRebalance') this.tryCompleteJoin(group);
    }, sessionTimeoutMs);
    group.pendingMembers.set(memberId, timer);
  }

  private addMemberAndRebalance(group: Group, memberId: string, req: JoinGroupRequest, client: ClientInfo): Promise<JoinGroupResponse> {
    const pending = group.pendingMembers.get(memberId);
    if (pending) this.clearTimer(pending);
    group.pendingMembers.delete(memberId);
    return new Promise((resolve) => {
      const member: Member = {
        memberId,
        groupInstanceId: req.groupInstanceId ?? null,
        clientId: client.clientId ?? '',
        clientHost: client.clientHost,
        sessionTimeoutMs: req.sessionTimeoutMs,
        rebalanceTimeoutMs: rebalanceTimeout(req),
        protocolType: req.protocolType,
        protocols: req.protocols.map((p) => ({ name: p.name, metadata: p.metadata })),
        assignment: EMPTY,
        joinWaiter: resolve,
        joinVersion: client.version,
        syncWaiter: null,
        isNew: true,
        timer: null,
      };
      if (group.members.size === 0) group.protocolType = req.protocolType;
      group.members.set(memberId, member);
      if (member.groupInstanceId !== null) group.staticMembers.set(member.groupInstanceId, memberId);
      if (group.leaderId === null) group.leaderId = memberId;
      if (group.initialDelay) group.initialDelay.newMemberAdded = true;
      // New members cannot heartbeat while their join is parked; drop them if the join phase never ends for them.
      this.scheduleTimer(group, member, this.newMemberJoinTimeoutMs);
      this.log(`group ${group.groupId}: member ${memberId} joined`);
      if (group.state === 'PreparingRebalance') this.tryCompleteJoin(group);
      else this.prepareRebalance(group, `member ${memberId} joined`);
    });
  }

  /**
   * Kafka's updateStaticMemberThenRebalanceOrCompleteJoin (KIP-345): a known instance id joining without a member id
   * (a restarted static member) gets a new member id in place of the old one, keeping its assignment. In a Stable group
   * whose selected protocol stays the same that is all: no rebalance, the same generation. Before JoinGroup v9 the
   * answer names the leader as it was before the swap (the old id, when the member led), so it does not assign again.
   */
  private updateStaticMemberAndRebalance(
    group: Group,
    instanceId: string,
    oldMemberId: string,
    newMemberId: string,
    req: JoinGroupRequest,
    client: ClientInfo,
  ): Promise<JoinGroupResponse> {
    const leaderBefore = group.leaderId;
    const member = this.replaceStaticMember(group, instanceId, oldMemberId, newMemberId);
    this.log(`group ${group.groupId}: static member ${instanceId} rejoined as ${newMemberId}, replacing ${oldMemberId}`);
    if (group.state === 'Stable') {
      const previous = { protocols: member.protocols, sessionTimeoutMs: member.sessionTimeoutMs, rebalanceTimeoutMs: member.rebalanceTimeoutMs };
      updateMember(member, req, client);
      if (selectProtocol(group) !== group.protocolName) return this.updateMemberAndRebalance(group, member, req, client);
      this.scheduleSession(group, member);
      return this.persistStaticMember(group).then((errorCode) => {
        if (errorCode === ErrorCode.NONE) {
          return { ...this.joinResponse(group, member, client.version), leader: leaderBefore ?? '', members: [] };
        }
        // The group could not be written: the old member id stands again.
        Object.assign(member, previous);
        this.replaceStaticMember(group, instanceId, newMemberId, oldMemberId);
        return { ...joinError(errorCode, UNKNOWN_MEMBER_ID, client.version), generationId: group.generationId, leader: leaderBefore ?? '' };
      });
    }
    // CompletingRebalance: the leader may already be assigning to the old id, so a new generation is needed;
    // PreparingRebalance: the member simply joins this one.
    return this.updateMemberAndRebalance(group, member, req, client);
  }

  /** Kafka's ClassicGroup.replaceStaticMember: the same member under a new id; waiters on the old id are fenced. */
  private replaceStaticMember(group: Group, instanceId: string, oldMemberId: string, newMemberId: string): Member {
    const old = group.members.get(oldMemberId)!;
    if (old.timer) this.clearTimer(old.timer);
    const join = old.joinWaiter;
    const sync = old.syncWaiter;
    join?.(joinError(ErrorCode.FENCED_INSTANCE_ID, oldMemberId, old.joinVersion));
    sync?.(syncError(ErrorCode.FENCED_INSTANCE_ID));
    const member: Member = { ...old, memberId: newMemberId, joinWaiter: null, syncWaiter: null, timer: null };
    group.members.delete(oldMemberId);
    group.members.set(newMemberId, member);
    group.staticMembers.set(instanceId, newMemberId);
    if (group.leaderId === oldMemberId) group.leaderId = newMemberId;
    if (group.pendingSync.delete(oldMemberId)) group.pendingSync.add(newMemberId);
    this.scheduleSession(group, member);
    return member;
  }

  /** Kafka stores the group with the new static member id before it answers; here that is the offsets partition's ISR. */
  private persistStaticMember(group: Group): Promise<number> {
    return this.awaitWritable ? this.awaitWritable(group.groupId) : Promise.resolve(ErrorCode.NONE);
  }

  private updateMemberAndRebalance(group: Group, member: Member, req: JoinGroupRequest, client: ClientInfo): Promise<JoinGroupResponse> {
    return new Promise((resolve) => {
      if (member.joinWaiter) member.joinWaiter(joinError(ErrorCode.REBALANCE_IN_PROGRESS, member.memberId, member.joinVersion));
      member.joinWaiter = resolve;
      member.joinVersion = client.version;
      updateMember(member, req, client);
      this.scheduleSession(group, member);
      if (group.state === 'PreparingRebalance') this.tryCompleteJoin(group);
      else this.prepareRebalance(group, `member ${member.memberId} rejoined`);
    });
  }

  /** Starts a join phase (Kafka's prepareRebalance); a pending sync phase ends with REBALANCE_IN_PROGRESS. */
  private prepareRebalance(group: Group, reason: string): void {
    group.persisting = null;
    if (group.state === 'CompletingRebalance') {
      for (const member of group.members.values()) {
        member.assignment = EMPTY;
        const waiter = member.syncWaiter;
        member.syncWaiter = null;
        waiter?.(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      }
    }
    this.clearSyncTimer(group);
    const fromEmpty = group.state === 'Empty';
    group.state = 'PreparingRebalance';
    this.log(`group ${group.groupId}: preparing rebalance (${reason})`);
    const rebalanceTimeoutMs = groupRebalanceTimeout(group);
    if (fromEmpty && this.initialRebalanceDelayMs > 0) {
      const delay = this.initialRebalanceDelayMs;
      group.initialDelay = { remainingMs: Math.max(rebalanceTimeoutMs - delay, 0), newMemberAdded: false };
      this.scheduleJoinTimer(group, delay);
      return;
    }
    this.scheduleJoinTimer(group, rebalanceTimeoutMs);
    this.tryCompleteJoin(group);
  }

  private scheduleJoinTimer(group: Group, ms: number): void {
    if (group.joinTimer) this.clearTimer(group.joinTimer);
    const timer = this.setTimer(() => {
      this.timers.delete(timer);
      if (group.joinTimer !== timer) return;
      group.joinTimer = null;
      const delay = group.initialDelay;
      if (delay && delay.newMemberAdded && delay.remainingMs > 0) {
        // More members arrived during the initial delay: wait a little longer, within the rebalance timeout.
        const next = Math.min(this.initialRebalanceDelayMs, delay.remainingMs);
        delay.remainingMs -= next;
        delay.newMemberAdded = false;
        this.scheduleJoinTimer(group, next);
        return;
      }
      this.completeJoin(group);
    }, ms);
    group.joinTimer = timer;
  }

  private tryCompleteJoin(group: Group): void {
    if (group.state !== 'PreparingRebalance' || group.initialDelay) return;
    if (group.pendingMembers.size > 0) return;
    for (const member of group.members.values()) if (!member.joinWaiter) return;
    this.completeJoin(group);
  }

  /** The join phase ends: members that did not rejoin are dropped and the next generation starts. */
  private completeJoin(group: Group): void {
    if (group.state !== 'PreparingRebalance') return;
    if (group.joinTimer) this.clearTimer(group.joinTimer);
    group.joinTimer = null;
    group.initialDelay = null;
    for (const member of [...group.members.values()]) {
      if (!member.joinWaiter) {
        this.log(`group ${group.groupId}: member ${member.memberId} did not rejoin within the rebalance timeout`);
        this.dropMember(group, member, ErrorCode.UNKNOWN_MEMBER_ID);
      }
    }
    if (group.leaderId === null || !group.members.has(group.leaderId)) {
      group.leaderId = group.members.keys().next().value ?? null;
    }
    group.generationId++;
    if (group.members.size === 0) {
      group.state = 'Empty';
      group.protocolName = null;
      group.leaderId = null;
      this.store.setGroupMeta(group.groupId, { protocolType: group.protocolType, generationId: group.generationId });
      this.log(`group ${group.groupId}: generation ${group.generationId} is empty`);
      return;
    }
    const first = group.members.values().next().value as Member;
    group.protocolType = first.protocolType;
    group.protocolName = selectProtocol(group);
    group.state = 'CompletingRebalance';
    this.store.setGroupMeta(group.groupId, { protocolType: group.protocolType, generationId: group.generationId });
    this.log(
      `group ${group.groupId}: generation ${group.generationId} (${group.protocolName}) with ${group.members.size} member(s), leader ${group.leaderId}`,
    );
    for (const member of group.members.values()) {
      const waiter = member.joinWaiter!;
      member.joinWaiter = null;
      member.isNew = false;
      group.pendingSync.add(member.memberId);
      this.scheduleSession(group, member);
      waiter(this.joinResponse(group, member, member.joinVersion));
    }
    this.scheduleSyncTimer(group);
  }

  private joinResponse(group: Group, member: Member, version: number): JoinGroupResponse {
    const isLeader = member.memberId === group.leaderId;
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName ?? (version >= 7 ? null : ''),
      leader: group.leaderId ?? '',
      skipAssignment: false,
      memberId: member.memberId,
      members: isLeader
        ? [...group.members.values()].map((m) => ({
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
            metadata: m.protocols.find((p) => p.name === group.protocolName)?.metadata ?? EMPTY,
          }))
        : [],
    };
  }

  /** Members that have not synced within the rebalance timeout after a join phase are removed (Kafka's sync timeout). */
  private scheduleSyncTimer(group: Group): void {
    this.clearSyncTimer(group);
    const generation = group.generationId;
    const timer = this.setTimer(() => {
      this.timers.delete(timer);
      if (group.syncTimer !== timer) return;
      group.syncTimer = null;
      if (group.generationId !== generation) return;
      if (group.state !== 'CompletingRebalance' && group.state !== 'Stable') return;
      for (const memberId of [...group.pendingSync]) {
        this.log(`group ${group.groupId}: member ${memberId} did not sync within the rebalance timeout`);
        this.removeMember(group, memberId, ErrorCode.UNKNOWN_MEMBER_ID);
      }
    }, groupRebalanceTimeout(group));
    group.syncTimer = timer;
  }

  private clearSyncTimer(group: Group): void {
    if (group.syncTimer) this.clearTimer(group.syncTimer);
    group.syncTimer = null;
    group.pendingSync.clear();
  }

  // ================================================================== SyncGroup

  syncGroup(req: SyncGroupRequest): Promise<SyncGroupResponse> {
    const fail = (errorCode: number) => Promise.resolve(syncError(errorCode));
    if (this.closed) return fail(ErrorCode.NOT_COORDINATOR);
    if (!req.groupId) return fail(ErrorCode.INVALID_GROUP_ID);
    const group = this.group(req.groupId);
    if (!group) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    if (group.state === 'Dead') return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    const memberError = validateMember(group, req.memberId, req.groupInstanceId ?? null);
    if (memberError !== ErrorCode.NONE) return fail(memberError);
    if (req.generationId !== group.generationId) return fail(ErrorCode.ILLEGAL_GENERATION);
    if ((req.protocolType && req.protocolType !== group.protocolType) || (req.protocolName && req.protocolName !== group.protocolName)) {
      return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    }
    const member = group.members.get(req.memberId)!;
    switch (group.state) {
      case 'PreparingRebalance':
        return fail(ErrorCode.REBALANCE_IN_PROGRESS);
      case 'CompletingRebalance':
        return new Promise((resolve) => {
          if (member.syncWaiter) member.syncWaiter(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
          member.syncWaiter = resolve;
          group.pendingSync.delete(member.memberId);
          if (member.memberId !== group.leaderId || group.persisting) return;
          const assignments = new Map(req.assignments.map((a) => [a.memberId, a.assignment]));
          if (!this.awaitWritable) {
            this.completeSync(group, assignments);
            return;
          }
          // Kafka answers the members once the assignment is committed to __consumer_offsets.
          group.persisting = assignments;
          const generation = group.generationId;
          void this.awaitWritable(group.groupId).then((errorCode) => {
            if (group.persisting !== assignments) return;
            group.persisting = null;
            if (group.generationId !== generation || group.state !== 'CompletingRebalance' || this.groups.get(group.groupId) !== group) return;
            if (errorCode === ErrorCode.NONE) {
              this.completeSync(group, assignments);
              return;
            }
            this.log(`group ${group.groupId}: storing the assignment of generation ${generation} failed (${errorCode}): rebalancing`);
            for (const m of group.members.values()) {
              const waiter = m.syncWaiter;
              m.syncWaiter = null;
              waiter?.(syncError(errorCode));
            }
            this.prepareRebalance(group, 'the assignment could not be stored');
          });
        });
      case 'Stable':
        group.pendingSync.delete(member.memberId);
        if (group.pendingSync.size === 0) this.clearSyncTimer(group);
        this.scheduleSession(group, member);
        return Promise.resolve(this.syncResponse(group, member));
      default:
        return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    }
  }

  /** The leader's assignment is in: the group is Stable and every parked member gets its part. */
  private completeSync(group: Group, assignments: Map<string, Buffer>): void {
    group.state = 'Stable';
    this.log(`group ${group.groupId}: generation ${group.generationId} is stable`);
    for (const m of group.members.values()) {
      m.assignment = assignments.get(m.memberId) ?? EMPTY;
      const waiter = m.syncWaiter;
      m.syncWaiter = null;
      this.scheduleSession(group, m);
      waiter?.(this.syncResponse(group, m));
    }
    if (group.pendingSync.size === 0) this.clearSyncTimer(group);
  }

  private syncResponse(group: Group, member: Member): SyncGroupResponse {
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      assignment: member.assignment,
    };
  }

  // ================================================================== Heartbeat

  heartbeat(req: HeartbeatRequest): HeartbeatResponse {
    const reply = (errorCode: number): HeartbeatResponse => ({ throttleTimeMs: 0, errorCode });
    if (this.closed) return reply(ErrorCode.NOT_COORDINATOR);
    if (!req.groupId) return reply(ErrorCode.INVALID_GROUP_ID);
    const group = this.group(req.groupId);
    if (!group) return reply(ErrorCode.UNKNOWN_MEMBER_ID);
    if (group.state === 'Dead') return reply(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    const memberError = validateMember(group, req.memberId, req.groupInstanceId ?? null);
    if (memberError !== ErrorCode.NONE) return reply(memberError);
    if (req.generationId !== group.generationId) return reply(ErrorCode.ILLEGAL_GENERATION);
    const member = group.members.get(req.memberId)!;
    switch (group.state) {
      case 'PreparingRebalance':
        this.scheduleSession(group, member);
        return reply(ErrorCode.REBALANCE_IN_PROGRESS);
      case 'CompletingRebalance':
      case 'Stable':
        this.scheduleSession(group, member);
        return reply(ErrorCode.NONE);
      default:
        return reply(ErrorCode.UNKNOWN_MEMBER_ID);
    }
  }

  // ================================================================== LeaveGroup

  /** v0-2 leave one member (`memberId`, error at the top level); v3+ leave a batch (`members`, errors per member). */
  leaveGroup(req: LeaveGroupRequest, version: number): LeaveGroupResponse {
    const batch = version >= 3;
    const requested = batch ? (req.members ?? []) : [{ memberId: req.memberId ?? '', groupInstanceId: null }];
    const reply = (errorCode: number, members: LeaveGroupResponse['members'] = []): LeaveGroupResponse => ({
      throttleTimeMs: 0,
      errorCode,
      members,
    });
    if (this.closed) return reply(ErrorCode.NOT_COORDINATOR);
    if (!req.groupId) return reply(ErrorCode.INVALID_GROUP_ID);
    const group = this.group(req.groupId);
    if (!group) return reply(ErrorCode.UNKNOWN_MEMBER_ID);
    if (group.state === 'Dead') return reply(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    const results = requested.map((m) => {
      const instanceId = m.groupInstanceId ?? null;
      return { memberId: m.memberId, groupInstanceId: instanceId, errorCode: this.leaveOne(group, m.memberId, instanceId) };
    });
    if (!batch) return reply(results[0]!.errorCode);
    return reply(ErrorCode.NONE, results);
  }

  private leaveOne(group: Group, memberId: string, instanceId: string | null): number {
    if (instanceId !== null) {
      const current = group.staticMembers.get(instanceId);
      if (current === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (memberId !== UNKNOWN_MEMBER_ID && memberId !== current) return ErrorCode.FENCED_INSTANCE_ID;
      this.log(`group ${group.groupId}: static member ${instanceId} (${current}) left`);
      this.removeMember(group, current, ErrorCode.UNKNOWN_MEMBER_ID);
      return ErrorCode.NONE;
    }
    const pending = group.pendingMembers.get(memberId);
    if (pending) {
      this.clearTimer(pending);
      group.pendingMembers.delete(memberId);
      if (group.state === 'PreparingRebalance') this.tryCompleteJoin(group);
      return ErrorCode.NONE;
    }
    if (!group.members.has(memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
    this.log(`group ${group.groupId}: member ${memberId} left`);
    this.removeMember(group, memberId, ErrorCode.UNKNOWN_MEMBER_ID);
    return ErrorCode.NONE;
  }

  // ================================================================== membership helpers

  /** Removes a member and moves the group on: a rebalance from Stable/CompletingRebalance, or completes a join phase. */
  private removeMember(group: Group, memberId: string, waiterError: number): void {
    const member = group.members.get(memberId);
    if (!member) return;
    this.dropMember(group, member, waiterError);
    switch (group.state) {
      case 'Stable':
      case 'CompletingRebalance':
        this.prepareRebalance(group, `member ${memberId} left the group`);
        break;
      case 'PreparingRebalance':
        this.tryCompleteJoin(group);
        break;
      default:
        break;
    }
  }

  /** Forgets a member without changing the group's state. */
  private dropMember(group: Group, member: Member, waiterError: number): void {
    if (member.timer) this.clearTimer(member.timer);
    member.timer = null;
    group.members.delete(member.memberId);
    if (member.groupInstanceId !== null && group.staticMembers.get(member.groupInstanceId) === member.memberId) {
      group.staticMembers.delete(member.groupInstanceId);
    }
    group.pendingSync.delete(member.memberId);
    if (group.leaderId === member.memberId) group.leaderId = group.members.keys().next().value ?? null;
    const join = member.joinWaiter;
    const sync = member.syncWaiter;
    member.joinWaiter = null;
    member.syncWaiter = null;
    join?.(joinError(waiterError, member.memberId, member.joinVersion));
    sync?.(syncError(waiterError));
  }

  /** (Re)arms a member's session timer: expiry removes it, unless it is parked in a join or sync. */
  private scheduleSession(group: Group, member: Member): void {
    this.scheduleTimer(group, member, member.sessionTimeoutMs);
  }

  private scheduleTimer(group: Group, member: Member, ms: number): void {
    if (member.timer) this.clearTimer(member.timer);
    const timer = this.setTimer(() => {
      this.timers.delete(timer);
      if (member.timer !== timer || group.members.get(member.memberId) !== member) return;
      member.timer = null;
      if (!member.isNew && (member.joinWaiter || member.syncWaiter)) {
        this.scheduleSession(group, member);
        return;
      }
      this.log(
        member.isNew
          ? `group ${group.groupId}: new member ${member.memberId} never completed a join phase: removed`
          : `group ${group.groupId}: member ${member.memberId} missed heartbeats for ${member.sessionTimeoutMs} ms: removed`,
      );
      this.removeMember(group, member.memberId, ErrorCode.UNKNOWN_MEMBER_ID);
    }, ms);
    member.timer = timer;
  }

  // ================================================================== offsets

  /**
   * The error an offset commit would get before anything is written (NONE if it may be written): for callers that
   * wait for __consumer_offsets to take the write only when the commit itself is valid, as Kafka validates first.
   */
  offsetCommitError(req: OffsetCommitRequest, version: number): number {
    if (this.closed) return ErrorCode.NOT_COORDINATOR;
    if (!req.groupId) return ErrorCode.INVALID_GROUP_ID;
    const generationId = version >= 1 ? (req.generationId ?? NO_GENERATION) : NO_GENERATION;
    const group = this.group(req.groupId);
    if (!group) return generationId >= 0 ? ErrorCode.ILLEGAL_GENERATION : ErrorCode.NONE;
    const memberId = version >= 1 ? (req.memberId ?? UNKNOWN_MEMBER_ID) : UNKNOWN_MEMBER_ID;
    return validateOffsetCommit(group, memberId, req.groupInstanceId ?? null, generationId);
  }

  offsetCommit(req: OffsetCommitRequest, version: number): OffsetCommitResponse {
    const generationId = version >= 1 ? (req.generationId ?? NO_GENERATION) : NO_GENERATION;
    const memberId = version >= 1 ? (req.memberId ?? UNKNOWN_MEMBER_ID) : UNKNOWN_MEMBER_ID;
    const instanceId = req.groupInstanceId ?? null;
    const all = (errorCode: number): OffsetCommitResponse => ({
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) })),
    });
    if (this.closed) return all(ErrorCode.NOT_COORDINATOR);
    if (!req.groupId) return all(ErrorCode.INVALID_GROUP_ID);
    let group = this.group(req.groupId);
    if (!group) {
      // No such group: only a commit outside group management (generation -1) creates one, Empty.
      if (generationId >= 0) return all(ErrorCode.ILLEGAL_GENERATION);
      group = newGroup(req.groupId);
      this.groups.set(group.groupId, group);
    }
    const error = validateOffsetCommit(group, memberId, instanceId, generationId);
    if (error !== ErrorCode.NONE) return all(error);

    const now = Date.now();
    const entries: Parameters<OffsetStore['commitMany']>[1] = [];
    const topics = req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        const metadata = p.committedMetadata ?? '';
        if (Buffer.byteLength(metadata) > this.offsetMetadataMaxBytes) {
          return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.OFFSET_METADATA_TOO_LARGE };
        }
        const commitTimestamp = version === 1 && p.commitTimestamp !== undefined && p.commitTimestamp >= 0 ? p.commitTimestamp : now;
        entries.push({
          topic: t.name,
          partition: p.partitionIndex,
          committed: { offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch ?? -1, metadata, commitTimestamp },
        });
        return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE };
      }),
    }));
    this.store.commitMany(group.groupId, entries);
    const member = group.members.get(memberId);
    if (member && group.state !== 'Dead') this.scheduleSession(group, member);
    return { throttleTimeMs: 0, topics };
  }

  /** The offsets a committed transaction staged for a group (TxnOffsetCommit) become its committed offsets. */
  commitTransactionalOffsets(groupId: string, offsets: Array<{ topic: string; partition: number; committed: CommittedOffset }>): void {
    if (!this.closed) this.store.commitMany(groupId, offsets);
  }

  /** Committed offsets; -1 with empty metadata for partitions without one. `topics: null` returns all of the group's. */
  offsetFetch(req: OffsetFetchRequest): OffsetFetchResponse {
    const none = (partitionIndex: number) => ({
      partitionIndex,
      committedOffset: -1,
      committedLeaderEpoch: -1,
      metadata: '',
      errorCode: ErrorCode.NONE,
    });
    if (!req.groupId) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_GROUP_ID, topics: [] };
    }
    const stored = this.store.offsets(req.groupId);
    const describe = (partitionIndex: number, c: { offset: number; leaderEpoch: number; metadata: string } | undefined) =>
      c
        ? { partitionIndex, committedOffset: c.offset, committedLeaderEpoch: c.leaderEpoch, metadata: c.metadata, errorCode: ErrorCode.NONE }
        : none(partitionIndex);
    const topics =
      req.topics === null
        ? [...stored].map(([name, partitions]) => ({
            name,
            partitions: [...partitions].sort((a, b) => a[0] - b[0]).map(([p, c]) => describe(p, c)),
          }))
        : req.topics.map((t) => ({
            name: t.name,
            partitions: t.partitionIndexes.map((p) => describe(p, stored.get(t.name)?.get(p))),
          }));
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, topics };
  }

  /** Removes a deleted topic's committed offsets from every group. */
  deleteTopicOffsets(topic: string): void {
    if (!this.closed) this.store.deleteTopic(topic);
  }

  // ================================================================== admin

  describeGroups(groupIds: string[]): DescribeGroupsResponse {
    return { throttleTimeMs: 0, groups: groupIds.map((id) => this.describeGroup(id)) };
  }

  describeGroup(groupId: string): DescribedGroup {
    const base = {
      errorCode: ErrorCode.NONE,
      groupId,
      authorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
    };
    if (!groupId) return { ...base, errorCode: ErrorCode.INVALID_GROUP_ID, groupState: 'Dead', protocolType: '', protocolData: '', members: [] };
    const group = this.closed ? undefined : this.group(groupId);
    // Kafka describes an unknown group as Dead with no error; kafkajs admin.setOffsets relies on that.
    if (!group) return { ...base, groupState: 'Dead', protocolType: '', protocolData: '', members: [] };
    const stable = group.state === 'Stable';
    return {
      ...base,
      groupState: group.state,
      protocolType: group.protocolType ?? '',
      protocolData: stable ? (group.protocolName ?? '') : '',
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        memberMetadata: stable ? (m.protocols.find((p) => p.name === group.protocolName)?.metadata ?? EMPTY) : EMPTY,
        memberAssignment: stable ? m.assignment : EMPTY,
      })),
    };
  }

  /**
   * Groups known to the coordinator (in memory or with committed offsets). `owned` restricts the answer to the groups
   * a broker coordinates; `statesFilter` (ListGroups v4+) to some states, case-insensitively.
   */
  listGroups(options: { owned?: (groupId: string) => boolean; statesFilter?: string[] } = {}): ListGroupsResponse {
    const ids = new Set([...this.groups.keys(), ...(this.closed ? [] : this.store.groupIds())]);
    const states = options.statesFilter?.length ? new Set(options.statesFilter.map((s) => s.toLowerCase())) : null;
    const groups: ListGroupsResponse['groups'] = [];
    for (const id of [...ids].sort()) {
      if (options.owned && !options.owned(id)) continue;
      const group = this.group(id);
      if (!group || group.state === 'Dead') continue;
      if (states && !states.has(group.state.toLowerCase())) continue;
      groups.push({ groupId: id, protocolType: group.protocolType ?? '', groupState: group.state });
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, groups };
  }

  /** Deletes Empty groups and their committed offsets: NON_EMPTY_GROUP with members, GROUP_ID_NOT_FOUND if unknown. */
  deleteGroups(groupIds: string[]): DeleteGroupsResponse {
    const results = groupIds.map((groupId) => {
      if (this.closed) return { groupId, errorCode: ErrorCode.NOT_COORDINATOR };
      if (!groupId) return { groupId, errorCode: ErrorCode.INVALID_GROUP_ID };
      const group = this.group(groupId);
      if (!group || group.state === 'Dead') return { groupId, errorCode: ErrorCode.GROUP_ID_NOT_FOUND };
      if (group.state !== 'Empty') return { groupId, errorCode: ErrorCode.NON_EMPTY_GROUP };
      this.shutdownGroup(group, ErrorCode.GROUP_ID_NOT_FOUND);
      this.store.deleteGroup(groupId);
      this.log(`group ${groupId}: deleted`);
      return { groupId, errorCode: ErrorCode.NONE };
    });
    return { throttleTimeMs: 0, results };
  }

  // ================================================================== coordinator moves and shutdown

  /**
   * Drops the membership state of the matching groups (their coordinator moved or died): parked joins and syncs get
   * NOT_COORDINATOR, so clients look the coordinator up again and rejoin. Committed offsets stay.
   */
  unloadGroups(predicate: (groupId: string) => boolean): string[] {
    const unloaded: string[] = [];
    for (const group of [...this.groups.values()]) {
      if (!predicate(group.groupId)) continue;
      this.shutdownGroup(group, ErrorCode.NOT_COORDINATOR);
      unloaded.push(group.groupId);
    }
    return unloaded;
  }

  /**
   * For callers that see every change of a __consumer_offsets partition (ISR changes included): unloads the groups of
   * `partition` only when its leader differs from the one last reported. The first report of a partition only records it.
   */
  onCoordinatorPartitionLeader(partition: number, leader: number, numPartitions: number): string[] {
    const previous = this.partitionLeaders.get(partition);
    this.partitionLeaders.set(partition, leader);
    if (previous === undefined || previous === leader) return [];
    return this.unloadGroups((groupId) => coordinatorPartition(groupId, numPartitions) === partition);
  }

  onCoordinatorMoved(groupIds: Iterable<string>): string[] {
    const ids = new Set(groupIds);
    return this.unloadGroups((id) => ids.has(id));
  }

  /** The state of a group, or undefined if the coordinator does not know it. */
  groupState(groupId: string): GroupState | undefined {
    return this.group(groupId)?.state;
  }

  /** Clears every timer, answers parked requests with NOT_COORDINATOR and closes the store. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.unloadGroups(() => true);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.closed = true;
    this.store.close();
  }

  private shutdownGroup(group: Group, waiterError: number): void {
    group.persisting = null;
    if (group.joinTimer) this.clearTimer(group.joinTimer);
    group.joinTimer = null;
    group.initialDelay = null;
    this.clearSyncTimer(group);
    for (const timer of group.pendingMembers.values()) this.clearTimer(timer);
    group.pendingMembers.clear();
    for (const member of [...group.members.values()]) this.dropMember(group, member, waiterError);
    group.state = 'Dead';
    this.groups.delete(group.groupId);
  }

  /** The in-memory group, or an Empty one rebuilt from the store (after a restart or a coordinator move). */
  private group(groupId: string): Group | undefined {
    const group = this.groups.get(groupId);
    if (group) return group;
    if (this.closed || !this.store.hasGroup(groupId)) return undefined;
    const loaded = newGroup(groupId);
    const meta = this.store.groupMeta(groupId);
    if (meta) {
      loaded.generationId = meta.generationId;
      loaded.protocolType = meta.protocolType;
    }
    this.groups.set(groupId, loaded);
    return loaded;
  }

  private setTimer(fn: () => void, ms: number): NodeJS.Timeout {
    const timer = setTimeout(fn, Math.max(0, ms));
    timer.unref();
    this.timers.add(timer);
    return timer;
  }

  private clearTimer(timer: NodeJS.Timeout): void {
    clearTimeout(timer);
    this.timers.delete(timer);
  }
}

// ==================================================================== helpers

/**
 * Kafka's `Utils.abs(groupId.hashCode()) % numPartitions`: the __consumer_offsets partition of a group. Utils.abs is
 * Math.abs except that Integer.MIN_VALUE maps to 0 — not `& 0x7fffffff`, which differs for every negative hash
 * ("my-group" → 12 of 50 on Kafka, 36 with the mask).
 */
export function coordinatorPartition(groupId: string, numPartitions: number): number {
  const h = javaStringHashCode(groupId);
  return (h === -0x80000000 ? 0 : Math.abs(h)) % numPartitions;
}

/** Java's String.hashCode over UTF-16 code units, as a signed 32-bit int. */
export function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

function newGroup(groupId: string): Group {
  return {
    groupId,
    state: 'Empty',
    generationId: 0,
    protocolType: null,
    protocolName: null,
    leaderId: null,
    members: new Map(),
    staticMembers: new Map(),
    pendingMembers: new Map(),
    pendingSync: new Set(),
    joinTimer: null,
    initialDelay: null,
    syncTimer: null,
    persisting: null,
  };
}

function rebalanceTimeout(req: JoinGroupRequest): number {
  const ms = req.rebalanceTimeoutMs;
  return ms === undefined || ms < 0 ? req.sessionTimeoutMs : ms;
}

function groupRebalanceTimeout(group: Group): number {
  let max = 0;
  for (const m of group.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
  return max;
}

/** A rejoining member's new subscription, timeouts and client. */
function updateMember(member: Member, req: JoinGroupRequest, client: ClientInfo): void {
  member.protocols = req.protocols.map((p) => ({ name: p.name, metadata: p.metadata }));
  member.sessionTimeoutMs = req.sessionTimeoutMs;
  member.rebalanceTimeoutMs = rebalanceTimeout(req);
  member.clientId = client.clientId ?? '';
  member.clientHost = client.clientHost;
}

function sameProtocols(member: Member, req: JoinGroupRequest): boolean {
  if (member.protocols.length !== req.protocols.length) return false;
  return member.protocols.every((p, i) => {
    const q = req.protocols[i]!;
    return p.name === q.name && Buffer.compare(p.metadata, q.metadata) === 0;
  });
}

/** Kafka's selectProtocol: among protocols every member supports, the one most members list first. */
function selectProtocol(group: Group): string {
  const members = [...group.members.values()];
  const candidates = members[0]!.protocols.map((p) => p.name).filter((name) => members.every((m) => m.protocols.some((p) => p.name === name)));
  const votes = new Map<string, number>();
  for (const m of members) {
    const choice = m.protocols.find((p) => candidates.includes(p.name))!.name;
    votes.set(choice, (votes.get(choice) ?? 0) + 1);
  }
  let best = candidates[0]!;
  for (const name of candidates) if ((votes.get(name) ?? 0) > (votes.get(best) ?? 0)) best = name;
  return best;
}

/** Kafka's ClassicGroup.validateMember. */
function validateMember(group: Group, memberId: string, instanceId: string | null): number {
  if (instanceId !== null) {
    const current = group.staticMembers.get(instanceId);
    if (current === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (current !== memberId) return ErrorCode.FENCED_INSTANCE_ID;
  }
  return group.members.has(memberId) ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
}

/**
 * Kafka's ClassicGroup.validateOffsetCommit: generation -1 commits (admin, simple consumers) only into an Empty
 * group; members commit with their current generation, also while PreparingRebalance (clients commit right after
 * seeing REBALANCE_IN_PROGRESS), but not while CompletingRebalance.
 */
function validateOffsetCommit(group: Group, memberId: string, instanceId: string | null, generationId: number): number {
  if (group.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  if (generationId < 0 && group.state === 'Empty') return ErrorCode.NONE;
  if (generationId >= 0 || memberId !== UNKNOWN_MEMBER_ID || instanceId !== null) {
    const memberError = validateMember(group, memberId, instanceId);
    if (memberError !== ErrorCode.NONE) return memberError;
    if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
  } else if (group.state !== 'Empty') {
    return ErrorCode.UNKNOWN_MEMBER_ID;
  }
  if (group.state === 'CompletingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
  return ErrorCode.NONE;
}

/** A JoinGroup answer carrying only an error. */
export function joinError(errorCode: number, memberId: string, version: number): JoinGroupResponse {
  return {
    throttleTimeMs: 0,
    errorCode,
    generationId: NO_GENERATION,
    protocolType: null,
    protocolName: version >= 7 ? null : '',
    leader: '',
    skipAssignment: false,
    memberId,
    members: [],
  };
}

function syncError(errorCode: number): SyncGroupResponse {
  return { throttleTimeMs: 0, errorCode, protocolType: null, protocolName: null, assignment: EMPTY };
}
