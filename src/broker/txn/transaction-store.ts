import fs from 'node:fs';
import path from 'node:path';
import type { CommittedOffset } from '../group/offset-store.js';
import { writeAtomically } from '../log/leader-epoch-cache.js';

/** Kafka's TransactionState names, as ListTransactions and DescribeTransactions show them. */
export type TxnState = 'Empty' | 'Ongoing' | 'PrepareCommit' | 'PrepareAbort' | 'CompleteCommit' | 'CompleteAbort';

export interface TxnPartition {
  topic: string;
  partition: number;
}

/** Offsets a transaction commits for a group when it commits (TxnOffsetCommit), dropped when it aborts. */
export interface PendingOffset extends TxnPartition {
  committed: CommittedOffset;
}

/** One transactional id's state: Kafka's TransactionMetadata, as its record in __transaction_state holds it. */
export interface TxnMetadata {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  timeoutMs: number;
  state: TxnState;
  /** The data partitions in the transaction (AddPartitionsToTxn). */
  partitions: TxnPartition[];
  /** Groups whose offsets the transaction commits (AddOffsetsToTxn), with what TxnOffsetCommit staged for each. */
  groups: Record<string, PendingOffset[]>;
  /** When the open transaction began (-1 when none is open). */
  startTimeMs: number;
  lastUpdateMs: number;
}

const FILE = 'transactions.json';

/**
 * Every transactional id of a cluster and its state, in one JSON file under `dir`, rewritten atomically on each
 * change before the coordinator answers: the coordinator's state outlives its broker (see docs/fidelity.md).
 */
export class TransactionStore {
  private readonly txns = new Map<string, TxnMetadata>();
  private readonly file: string;

  private constructor(dir: string) {
    this.file = path.join(dir, FILE);
  }

  static open(dir: string): TransactionStore {
    const store = new TransactionStore(dir);
    fs.mkdirSync(dir, { recursive: true });
    try {
      for (const txn of JSON.parse(fs.readFileSync(store.file, 'utf8')) as TxnMetadata[]) store.txns.set(txn.transactionalId, txn);
    } catch {
      // no file yet (or a torn one from a crash between the rename and nothing): start empty
    }
    return store;
  }

  get(transactionalId: string): TxnMetadata | undefined {
    return this.txns.get(transactionalId);
  }

  all(): IterableIterator<TxnMetadata> {
    return this.txns.values();
  }

  /** Stores `txn` (new or changed) durably. */
  put(txn: TxnMetadata): void {
    txn.lastUpdateMs = Date.now();
    this.txns.set(txn.transactionalId, txn);
    writeAtomically(this.file, JSON.stringify([...this.txns.values()]));
  }
}
