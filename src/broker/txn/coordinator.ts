import { ErrorCode } from '../protocol/errors.js';
import { type PendingOffset, type TxnMetadata, type TxnPartition, type TxnState, TransactionStore } from './transaction-store.js';

/** What the transaction coordinator needs of the cluster around it. */
export interface TxnCluster {
  /** The broker leading the transactional id's __transaction_state partition (-1 while none does). */
  coordinatorFor(transactionalId: string): number;
  /** That partition's leader epoch: the coordinator epoch a marker carries. */
  coordinatorEpoch(transactionalId: string): number;
  /** A fresh producer id handed out by `brokerId` (null when it has none and cannot get a block). */
  allocateProducerId(brokerId: number): number | null;
  /** Appends a transaction marker on the partition's leader; false while it has no running leader (retried). */
  writeMarker(p: TxnPartition, marker: { producerId: number; producerEpoch: number; commit: boolean; coordinatorEpoch: number }): boolean;
  /** Makes a committed transaction's offsets the group's committed offsets. */
  commitOffsets(groupId: string, offsets: PendingOffset[]): void;
  log(message: string): void;
}

export interface TxnCoordinatorOptions {
  dataDir: string;
  /** `transaction.max.timeout.ms` (Kafka: 900000). */
  maxTimeoutMs: number;
}

/** The epoch a producer id may reach before the coordinator gives the transactional id a new producer id. */
const MAX_EPOCH = 32766;

export type InitResult = { errorCode: number; producerId: number; producerEpoch: number };

/**
 * Kafka's TransactionCoordinator for every transactional id of the cluster. Each broker coordinates the ids whose
 * __transaction_state partition it leads; the state itself is kept in a store the whole cluster shares, so a new
 * leader of that partition takes over an id as it was (Kafka loads it from the partition).
 *
 * A transaction: InitProducerId (fences the previous producer with a new epoch) → AddPartitionsToTxn /
 * AddOffsetsToTxn (state Ongoing) → EndTxn (PrepareCommit / PrepareAbort, answered at once) → markers written to every
 * partition of the transaction, the group offsets committed or dropped → CompleteCommit / CompleteAbort. Until then
 * the next call of that id gets CONCURRENT_TRANSACTIONS, which clients retry.
 */
export class TransactionCoordinator {
  private readonly store: TransactionStore;

  constructor(
    private readonly cluster: TxnCluster,
    private readonly options: TxnCoordinatorOptions,
  ) {
    this.store = TransactionStore.open(options.dataDir);
  }

  private owned(brokerId: number, transactionalId: string): boolean {
    return this.cluster.coordinatorFor(transactionalId) === brokerId;
  }

  /** The transactional id's state, if `brokerId` coordinates it and the producer is its current one (id and epoch). */
  private identify(brokerId: number, transactionalId: string, producerId: number, producerEpoch: number): { error: number; txn?: TxnMetadata } {
    if (!transactionalId) return { error: ErrorCode.INVALID_REQUEST };
    if (!this.owned(brokerId, transactionalId)) return { error: ErrorCode.NOT_COORDINATOR };
    const txn = this.store.get(transactionalId);
    if (!txn || txn.producerId !== producerId) return { error: ErrorCode.INVALID_PRODUCER_ID_MAPPING };
    if (txn.producerEpoch !== producerEpoch) return { error: ErrorCode.PRODUCER_FENCED };
    return { error: ErrorCode.NONE, txn };
  }

  /** identify, and the transaction is not being decided (AddPartitionsToTxn, AddOffsetsToTxn). */
  private check(brokerId: number, transactionalId: string, producerId: number, producerEpoch: number): { error: number; txn?: TxnMetadata } {
    const found = this.identify(brokerId, transactionalId, producerId, producerEpoch);
    if (found.txn && (found.txn.state === 'PrepareCommit' || found.txn.state === 'PrepareAbort')) return { error: ErrorCode.CONCURRENT_TRANSACTIONS };
    return found;
  }

  initProducerId(brokerId: number, transactionalId: string, timeoutMs: number, expected: { producerId: number; producerEpoch: number }): InitResult {
    const fail = (errorCode: number): InitResult => ({ errorCode, producerId: -1, producerEpoch: -1 });
    if (timeoutMs <= 0 || timeoutMs > this.options.maxTimeoutMs) return fail(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    if (!this.owned(brokerId, transactionalId)) return fail(ErrorCode.NOT_COORDINATOR);
    let txn = this.store.get(transactionalId);
    if (!txn) {
      const producerId = this.cluster.allocateProducerId(brokerId);
      if (producerId === null) return fail(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
      txn = { transactionalId, producerId, producerEpoch: 0, timeoutMs, state: 'Empty', partitions: [], groups: {}, startTimeMs: -1, lastUpdateMs: 0 };
      this.store.put(txn);
      return { errorCode: ErrorCode.NONE, producerId, producerEpoch: 0 };
    }
    // KIP-360: a producer that names its id and epoch may only bump its own (a retry of the last bump is answered again)
    if (expected.producerId >= 0 && (expected.producerId !== txn.producerId || expected.producerEpoch !== txn.producerEpoch)) {
      return fail(ErrorCode.PRODUCER_FENCED);
    }
    switch (txn.state) {
      case 'PrepareCommit':
      case 'PrepareAbort':
        return fail(ErrorCode.CONCURRENT_TRANSACTIONS);
      case 'Ongoing':
        // The previous producer left a transaction open: fence it with a new epoch and abort what it wrote. The
        // client retries on CONCURRENT_TRANSACTIONS and then gets an epoch above that one.
        this.fenceAndAbort(txn, 'a new producer with its transactional id started');
        return fail(ErrorCode.CONCURRENT_TRANSACTIONS);
      default:
        if (txn.producerEpoch >= MAX_EPOCH) {
          const producerId = this.cluster.allocateProducerId(brokerId);
          if (producerId === null) return fail(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
          txn.producerId = producerId;
          txn.producerEpoch = 0;
        } else {
          txn.producerEpoch++;
        }
        Object.assign(txn, { timeoutMs, state: 'Empty', partitions: [], groups: {}, startTimeMs: -1 });
        this.store.put(txn);
        return { errorCode: ErrorCode.NONE, producerId: txn.producerId, producerEpoch: txn.producerEpoch };
    }
  }

  /** AddPartitionsToTxn for one producer: one error code for all of `partitions` (the handler adds per-partition ones). */
  addPartitions(brokerId: number, transactionalId: string, producerId: number, producerEpoch: number, partitions: TxnPartition[]): number {
    const { error, txn } = this.check(brokerId, transactionalId, producerId, producerEpoch);
    if (!txn) return error;
    this.begin(txn);
    for (const p of partitions) {
      if (!txn.partitions.some((q) => q.topic === p.topic && q.partition === p.partition)) txn.partitions.push(p);
    }
    this.store.put(txn);
    return ErrorCode.NONE;
  }

  addOffsets(brokerId: number, transactionalId: string, producerId: number, producerEpoch: number, groupId: string): number {
    const { error, txn } = this.check(brokerId, transactionalId, producerId, producerEpoch);
    if (!txn) return error;
    this.begin(txn);
    txn.groups[groupId] ??= [];
    this.store.put(txn);
    return ErrorCode.NONE;
  }

  /**
   * TxnOffsetCommit, as the group coordinator takes it: the offsets wait in the transaction until it commits. The
   * producer must be the transactional id's current one with the group added (AddOffsetsToTxn) to an open transaction.
   */
  stageOffsets(transactionalId: string, producerId: number, producerEpoch: number, groupId: string, offsets: PendingOffset[]): number {
    const txn = this.store.get(transactionalId);
    if (!txn || txn.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (txn.producerEpoch !== producerEpoch) return ErrorCode.INVALID_PRODUCER_EPOCH;
    if (txn.state !== 'Ongoing' || !txn.groups[groupId]) return ErrorCode.INVALID_TXN_STATE;
    const staged = txn.groups[groupId];
    for (const o of offsets) {
      const i = staged.findIndex((s) => s.topic === o.topic && s.partition === o.partition);
      if (i >= 0) staged[i] = o;
      else staged.push(o);
    }
    this.store.put(txn);
    return ErrorCode.NONE;
  }

  endTxn(brokerId: number, transactionalId: string, producerId: number, producerEpoch: number, commit: boolean): number {
    const { error, txn } = this.identify(brokerId, transactionalId, producerId, producerEpoch);
    if (!txn) return error;
    const wanted: TxnState = commit ? 'CompleteCommit' : 'CompleteAbort';
    switch (txn.state) {
      case 'Ongoing':
        this.prepare(txn, commit);
        return ErrorCode.NONE;
      case 'PrepareCommit':
      case 'PrepareAbort':
        return txn.state === (commit ? 'PrepareCommit' : 'PrepareAbort') ? ErrorCode.CONCURRENT_TRANSACTIONS : ErrorCode.INVALID_TXN_STATE;
      default:
        return txn.state === wanted ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE; // a retried EndTxn is answered again
    }
  }

  /**
   * Whether a transactional batch may be written (Kafka 4.x verifies the first batch of a producer on a partition):
   * the producer is the id's current one and added the partition to its open transaction.
   */
  verifyPartition(transactionalId: string, producerId: number, producerEpoch: number, p: TxnPartition): number {
    // Produce < v10 has no coordinator errors: Kafka 4.4.0 answers a batch whose coordinator it cannot reach (no
    // __transaction_state yet, or no leader for its partition) with the retriable NOT_ENOUGH_REPLICAS (measured).
    if (this.cluster.coordinatorFor(transactionalId) < 0) return ErrorCode.NOT_ENOUGH_REPLICAS;
    const txn = this.store.get(transactionalId);
    if (!txn || txn.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (producerEpoch < txn.producerEpoch) return ErrorCode.INVALID_PRODUCER_EPOCH;
    if (txn.state !== 'Ongoing' || !txn.partitions.some((q) => q.topic === p.topic && q.partition === p.partition)) return ErrorCode.INVALID_TXN_STATE;
    return ErrorCode.NONE;
  }

  /** Writes markers still missing (a partition's leader was down), for ids that have a coordinator again. */
  retryMarkers(): void {
    for (const txn of this.store.all()) {
      if ((txn.state === 'PrepareCommit' || txn.state === 'PrepareAbort') && this.cluster.coordinatorFor(txn.transactionalId) >= 0) this.complete(txn);
    }
  }

  /** Aborts every transaction open longer than its timeout, fencing its producer (Kafka's abortTimedOutTransactions). */
  abortTimedOut(now = Date.now()): void {
    for (const txn of this.store.all()) {
      if (txn.state === 'Ongoing' && now - txn.startTimeMs > txn.timeoutMs && this.cluster.coordinatorFor(txn.transactionalId) >= 0) {
        this.fenceAndAbort(txn, `it was open longer than its timeout (${txn.timeoutMs} ms)`);
      }
    }
  }

  describe(brokerId: number, transactionalId: string): { errorCode: number; txn?: TxnMetadata } {
    if (!this.owned(brokerId, transactionalId)) return { errorCode: ErrorCode.NOT_COORDINATOR };
    const txn = this.store.get(transactionalId);
    return txn ? { errorCode: ErrorCode.NONE, txn } : { errorCode: ErrorCode.TRANSACTIONAL_ID_NOT_FOUND };
  }

  /** The transactional ids `brokerId` coordinates. */
  owns(brokerId: number): TxnMetadata[] {
    return [...this.store.all()].filter((t) => this.owned(brokerId, t.transactionalId));
  }

  private begin(txn: TxnMetadata): void {
    if (txn.state === 'Ongoing') return;
    txn.state = 'Ongoing';
    txn.partitions = [];
    txn.groups = {};
    txn.startTimeMs = Date.now();
  }

  /** Kafka's prepareFenceProducerEpoch + abort: the producer that opened the transaction can no longer end it. */
  private fenceAndAbort(txn: TxnMetadata, why: string): void {
    this.cluster.log(`transaction ${txn.transactionalId} (producer ${txn.producerId}, epoch ${txn.producerEpoch}) aborted: ${why}`);
    if (txn.producerEpoch < MAX_EPOCH) txn.producerEpoch++;
    this.prepare(txn, false);
  }

  private prepare(txn: TxnMetadata, commit: boolean): void {
    txn.state = commit ? 'PrepareCommit' : 'PrepareAbort';
    this.store.put(txn);
    this.complete(txn);
  }

  /** Writes the markers still missing; once every partition has one, the transaction is complete. */
  private complete(txn: TxnMetadata): void {
    const commit = txn.state === 'PrepareCommit';
    const marker = { producerId: txn.producerId, producerEpoch: txn.producerEpoch, commit, coordinatorEpoch: this.cluster.coordinatorEpoch(txn.transactionalId) };
    const unwritten = txn.partitions.filter((p) => !this.cluster.writeMarker(p, marker));
    if (unwritten.length > 0) {
      txn.partitions = unwritten;
      this.store.put(txn);
      return;
    }
    if (commit) for (const [groupId, offsets] of Object.entries(txn.groups)) if (offsets.length > 0) this.cluster.commitOffsets(groupId, offsets);
    Object.assign(txn, { state: commit ? 'CompleteCommit' : 'CompleteAbort', partitions: [], groups: {}, startTimeMs: -1 });
    this.store.put(txn);
  }
}
