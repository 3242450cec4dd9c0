/**
 * The KRaft controller quorum of an embedded cluster in combined mode: every broker is also a voter, and there is an
 * active controller only while a majority of the voters runs. Nothing here changes metadata; the controller asks
 * `leaderId` before every change and is told when the active controller changes.
 *
 * Elections follow what Kafka 4.4.0 shows: a voter that starts and completes a majority elects a controller at once;
 * an active controller that stops gracefully hands over at once; one that dies abruptly leaves the quorum without a
 * controller for `fetchTimeoutMs` (the followers' controller.quorum.fetch.timeout.ms) before the others elect one.
 * Every election increases the epoch. Which voter wins is up to timing in Kafka; here it is the lowest running id.
 */
export interface VoterView {
  replicaId: number;
  /** Offset of the metadata log the active controller knows the voter has (-1: unknown to this controller). */
  logEndOffset: number;
  lastFetchTimestamp: number;
  lastCaughtUpTimestamp: number;
}

export type LeaderChange = (leader: number | null, previous: number | null) => void;

export class ControllerQuorum {
  leaderId: number | null = null;
  epoch = 0;
  private readonly running = new Set<number>();
  /** Voters that stopped while the current controller was active: where their metadata log ended, and when. */
  private readonly lastSeen = new Map<number, { offset: number; at: number }>();
  private electionTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly voters: readonly number[],
    private readonly fetchTimeoutMs: number,
    private readonly logOffset: () => number,
    private readonly onChange: LeaderChange,
  ) {}

  isRunning(id: number): boolean {
    return this.running.has(id);
  }

  /** A majority of the voters runs. */
  get hasMajority(): boolean {
    return this.running.size * 2 > this.voters.length;
  }

  /** True while a controller is about to be elected (the active one died abruptly). */
  get electing(): boolean {
    return this.electionTimer !== null;
  }

  /** A voter's process is up: with a majority and no controller, one is elected now. */
  started(id: number): void {
    this.running.add(id);
    this.lastSeen.delete(id);
    if (this.leaderId === null && this.electionTimer === null && this.hasMajority) this.elect();
  }

  /** A voter's process is gone (killed, or stopped when graceful). */
  stopped(id: number, graceful: boolean): void {
    if (!this.running.delete(id)) return;
    if (this.leaderId !== null && id !== this.leaderId) this.lastSeen.set(id, { offset: this.logOffset(), at: Date.now() });
    if (!this.hasMajority) {
      this.cancelElection();
      this.setLeader(null);
    } else if (id === this.leaderId) {
      if (graceful) {
        this.elect();
      } else {
        this.setLeader(null);
        this.electionTimer = setTimeout(() => {
          this.electionTimer = null;
          if (this.leaderId === null && this.hasMajority) this.elect();
        }, this.fetchTimeoutMs);
        this.electionTimer.unref();
      }
    }
  }

  /** What DescribeQuorum reports for each voter, as the active controller sees them. */
  voterViews(now = Date.now()): VoterView[] {
    const offset = this.logOffset();
    return this.voters.map((replicaId) => {
      if (this.running.has(replicaId)) return { replicaId, logEndOffset: offset, lastFetchTimestamp: now, lastCaughtUpTimestamp: now };
      const seen = this.lastSeen.get(replicaId);
      return { replicaId, logEndOffset: seen?.offset ?? -1, lastFetchTimestamp: seen?.at ?? -1, lastCaughtUpTimestamp: seen?.at ?? -1 };
    });
  }

  close(): void {
    this.cancelElection();
  }

  private elect(): void {
    this.cancelElection();
    const winner = [...this.running].sort((a, b) => a - b)[0];
    if (winner === undefined) return;
    this.epoch++;
    this.lastSeen.clear();
    this.setLeader(winner);
  }

  private setLeader(leader: number | null): void {
    const previous = this.leaderId;
    if (leader === previous && leader === null) return;
    this.leaderId = leader;
    this.onChange(leader, previous);
  }

  private cancelElection(): void {
    if (this.electionTimer) clearTimeout(this.electionTimer);
    this.electionTimer = null;
  }
}
