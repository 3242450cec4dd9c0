/**
 * Lab 10 · Exactly-once: a consume-transform-produce pipeline (payments in, balance updates out) whose transactional
 * producer commits the input offsets in the same transaction as its output (sendOffsets). It dies mid-transaction
 * and restarts: the coordinator aborts the open transaction. The dead instance comes back as a zombie and is fenced.
 * A partition leader dies mid-transaction: the transaction commits anyway, once. A read_committed reader sees every
 * effect exactly once (the audit: 0 lost, 0 duplicates); a read_uncommitted one sees the aborted writes too.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Partitioners, type Consumer, type EachBatchPayload, type KafkaMessage, type Producer, type RecordMetadata, type RetryOptions, type Transaction } from 'kafkajs';
import { HEADER_PRODUCER, HEADER_SEQ, MessageAudit, describeExactlyOnce, exactlyOnce, readStamp, type AuditReport, type Stamp } from '../../src/lab/audit.js';
import { coordinatorId, partitionsFrom } from '../../src/cluster/kafka-requests.js';
import { kafkaErrorType } from '../../src/lab/kafka.js';
import { formatMs } from '../../src/lab/output.js';
import { defineLab, type LabContext } from '../../src/lab/runner.js';
import { isMain, labMain } from '../../src/lab/main.js';
import { describeBatch, readLog, type LogBatch, type PartitionLog } from '../../src/lab/txn-log.js';

const PAYMENTS = 'lab10-payments';
const BALANCES = 'lab10-balances';
const PIPELINE_GROUP = 'lab10-pipeline';
const TRANSACTIONAL_ID = 'lab10-pipeline';
const READ_COMMITTED = 'lab10-read-committed';
const READ_UNCOMMITTED = 'lab10-read-uncommitted';
const PARTITIONS = 3;
/** Longer than a leader election (step 6), short enough that a transaction left open does not block readers for long. */
const TRANSACTION_TIMEOUT_MS = 20_000;
/** The producers' budget, lab 07's (≈ 27 s of retries, backoff capped at 1 s): it outlasts an election with room to spare. */
const RETRY: RetryOptions = { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 };
/** What a fenced producer is told: PRODUCER_FENCED (Kafka 2.7+, newer request versions) or INVALID_PRODUCER_EPOCH. */
const FENCED = ['PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH'];

const ACCOUNTS = ['alice', 'bob', 'carol', 'dave'];
type Transfer = [from: string, to: string, amount: number];
const FIRST: Transfer[] = [
  ['alice', 'bob', 30], ['bob', 'carol', 12], ['carol', 'dave', 7], ['dave', 'alice', 25],
  ['alice', 'carol', 8], ['carol', 'bob', 14], ['dave', 'bob', 5], ['bob', 'alice', 9],
  ['carol', 'alice', 11], ['alice', 'dave', 16], ['dave', 'carol', 4], ['bob', 'dave', 21],
];
/** One payer, one send: one batch for the pipeline, the transaction it dies in. */
const CRASHING: Transfer[] = [['carol', 'alice', 40], ['carol', 'bob', 15], ['carol', 'dave', 6]];
/** One batch again; alice pays bob, dave and carol twice, so each half of its balance updates reaches every partition. */
const DURING_KILL: Transfer[] = [['alice', 'bob', 3], ['alice', 'dave', 4], ['alice', 'carol', 5], ['alice', 'bob', 6], ['alice', 'dave', 7], ['alice', 'carol', 8]];

interface Payment {
  id: number;
  from: string;
  to: string;
  amount: number;
}

interface Update {
  key: string;
  value: string;
  headers: Record<string, string>;
}

/** The two effects of a payment, as the audit names them: debit#id (the payer's key) and credit#id (the payee's). */
const legsOf = (p: Payment): Stamp[] => [
  { producer: 'debit', seq: p.id, key: p.from },
  { producer: 'credit', seq: p.id, key: p.to },
];

/** The transform: a payment becomes two balance updates, keyed by account, stamped with the leg they are. */
function balanceUpdates(p: Payment): Update[] {
  return legsOf(p).map((leg) => ({
    key: leg.key,
    value: JSON.stringify({ payment: p.id, account: leg.key, delta: leg.producer === 'debit' ? -p.amount : p.amount }),
    headers: { [HEADER_PRODUCER]: leg.producer, [HEADER_SEQ]: String(leg.seq) },
  }));
}

const legId = (s: Stamp) => `${s.producer}#${s.seq}`;

/** The balances partition of a key: what kafkajs' default partitioner (murmur2, as Java's) picks. */
const partitioner = Partitioners.DefaultPartitioner();
const partitionMetadata = Array.from({ length: PARTITIONS }, (_, i) => ({ partitionId: i, leader: 0, replicas: [], isr: [], partitionErrorCode: 0 }));
const partitionOf = (key: string): number => partitioner({ topic: BALANCES, partitionMetadata, message: { key, value: null } });

/** Updates grouped by partition, in partition order. */
function byPartition(updates: Update[]): Array<[number, Update[]]> {
  const groups = new Map<number, Update[]>();
  for (const u of updates) groups.set(partitionOf(u.key), [...(groups.get(partitionOf(u.key)) ?? []), u]);
  return [...groups].sort(([a], [b]) => a - b);
}

/** A consumer of the balances that keeps its own balances and feeds an exactly-once audit. */
class Reader {
  readonly audit = new MessageAudit();
  readonly balances = new Map<string, number>(ACCOUNTS.map((a) => [a, 0]));
  /** when each leg was first read */
  readonly readAt = new Map<string, number>();
  /** records read, each (partition, offset) once: a re-read after a rebalance is this reader's own at-least-once */
  records = 0;
  private readonly seen = new Set<string>();

  constructor(readonly name: string) {}

  async start(lab: LabContext, groupId: string, readUncommitted: boolean): Promise<void> {
    // The lab's default consumer retry (5 retries, ≈ 2.5 s): on a dead leader it gives up soon, and kafkajs restarts it
    // with fresh metadata. With a long budget it would keep fetching from the dead broker (kafkajs refreshes metadata
    // on NOT_LEADER, not on a refused connection) for as long as the budget lasts.
    const consumer = await lab.consumer({ groupId, clientId: groupId, readUncommitted });
    await consumer.subscribe({ topic: BALANCES, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ partition, message }) => this.read(partition, message) });
  }

  private read(partition: number, message: KafkaMessage): void {
    const at = `${partition}:${message.offset}`;
    if (this.seen.has(at)) return;
    this.seen.add(at);
    const stamp = readStamp(message);
    if (!stamp || !this.audit.consumedMessage(partition, message)) return;
    this.records++;
    if (!this.readAt.has(legId(stamp))) this.readAt.set(legId(stamp), Date.now());
    const { account, delta } = JSON.parse(message.value!.toString()) as { account: string; delta: number };
    this.balances.set(account, (this.balances.get(account) ?? 0) + delta);
  }

  /** How many of these legs it has read. */
  count(legs: Stamp[]): number {
    return legs.filter((l) => this.readAt.has(legId(l))).length;
  }
}

/** A transaction of the pipeline, kept by the lab when the pipeline dies in it. */
interface OpenTransaction {
  txn: Transaction;
  updates: Update[];
  legs: Stamp[];
  /** balances partition → offset of the transaction's first record there */
  firstOffsets: Map<number, number>;
}

/**
 * One instance of the pipeline: a consumer of the payments (group lab10-pipeline, no auto-commit) and a transactional
 * producer (transactional id lab10-pipeline). Per batch of payments: begin, send the balance updates, sendOffsets,
 * commit. Two hooks let the lab interrupt the next batch: crashNext (die before commit) and midTransaction.
 */
class Pipeline {
  producer!: Producer;
  consumer!: Consumer;
  transactions = 0;
  readonly errors: string[] = [];
  /** how long InitProducerId took (at the first transaction) */
  initMs = 0;
  crashNext = false;
  midTransaction: ((open: OpenTransaction) => Promise<void>) | null = null;
  /** the transaction it died in */
  crashed: OpenTransaction | null = null;
  commitStartedAt = 0;
  /**
   * Input offsets this instance committed, per partition. kafkajs does not fence an old consumer generation on
   * TxnOffsetCommit (the Java client does, KIP-447), so after an in-process rejoin the consumer could be handed offsets
   * from before its own last commit; it skips what it already committed.
   */
  private readonly doneUpTo = new Map<number, number>();
  skipped = 0;

  constructor(
    private readonly lab: LabContext,
    readonly name: string,
  ) {}

  async start(): Promise<void> {
    this.producer = await this.lab.producer({
      clientId: `lab10-${this.name}`,
      transactionalId: TRANSACTIONAL_ID,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: TRANSACTION_TIMEOUT_MS,
      retry: RETRY,
    });
    // kafkajs sends InitProducerId (with the transactional id) at the first transaction(): an empty one now (its commit
    // sends nothing), so that fencing a predecessor and aborting its open transaction happen before this one reads.
    const t = Date.now();
    try {
      await (await this.producer.transaction()).commit();
    } catch (error) {
      const type = kafkaErrorType(error);
      if (type === 'UNSUPPORTED_VERSION') this.lab.fail('this cluster does not support transactions (InitProducerId with a transactional id: UNSUPPORTED_VERSION)');
      throw error;
    }
    this.initMs = Date.now() - t;
    // The default consumer retry, as the readers'. Its session outlasts a transaction held open through an election.
    this.consumer = await this.lab.consumer({ groupId: PIPELINE_GROUP, clientId: `lab10-${this.name}`, sessionTimeout: 30_000, rebalanceTimeout: 30_000 });
    await this.consumer.subscribe({ topic: PAYMENTS, fromBeginning: true });
    await this.consumer.run({ autoCommit: false, eachBatch: (payload) => this.process(payload) });
  }

  private async process({ batch, isRunning }: EachBatchPayload): Promise<void> {
    const from = this.doneUpTo.get(batch.partition) ?? 0;
    const messages = batch.messages.filter((m) => Number(m.offset) >= from);
    this.skipped += batch.messages.length - messages.length;
    if (messages.length === 0) return;
    const payments = messages.map((m) => JSON.parse(m.value!.toString()) as Payment);
    const next = Number(messages.at(-1)!.offset) + 1;
    const open: OpenTransaction = { txn: await this.producer.transaction(), updates: payments.flatMap(balanceUpdates), legs: payments.flatMap(legsOf), firstOffsets: new Map() };
    // One request per partition. kafkajs 2.2.4 groups a send's messages by leader and, on a retry, sends again only
    // to the brokers that have not answered: a partition whose leader moved (an election) to a broker that had already
    // answered for another partition of the same send is dropped, and the send succeeds. That is a committed
    // transaction without one of its records: this lab's audit caught it in step 6 (see the README).
    const send = async (updates: Update[]) => {
      for (const [partition, messages] of byPartition(updates)) {
        const meta: RecordMetadata[] = await open.txn.send({ topic: BALANCES, acks: -1, messages: messages.map((m) => ({ ...m, partition })) });
        for (const m of meta) if (!open.firstOffsets.has(m.partition)) open.firstOffsets.set(m.partition, Number(m.baseOffset));
      }
    };
    try {
      const hook = this.midTransaction;
      this.midTransaction = null;
      if (hook) {
        const half = Math.ceil(open.updates.length / 2);
        await send(open.updates.slice(0, half));
        await hook(open);
        await send(open.updates.slice(half));
      } else {
        await send(open.updates);
      }
      await open.txn.sendOffsets({ consumerGroupId: PIPELINE_GROUP, topics: [{ topic: PAYMENTS, partitions: [{ partition: batch.partition, offset: String(next) }] }] });
      if (this.crashNext) {
        // Dies here, before commit: no EndTxn. The lab stops the consumer; the producer and its transaction stay.
        this.crashNext = false;
        this.crashed = open;
        while (isRunning()) await sleep(50);
        return;
      }
      this.commitStartedAt = Date.now();
      await open.txn.commit();
      this.doneUpTo.set(batch.partition, next);
      this.transactions++;
    } catch (error) {
      this.errors.push(kafkaErrorType(error) ?? String(error));
      if (open.txn.isActive()) await open.txn.abort().catch(() => undefined);
      throw error;
    }
  }
}

const lab = defineLab({
  id: '10',
  slug: 'exactly-once',
  title: 'Exactly-once',
  profile: 'multi',
  async run(lab) {
    const committed = new Reader('read_committed');
    const uncommitted = new Reader('read_uncommitted');
    const expected = new Map<string, number>(ACCOUNTS.map((a) => [a, 0]));
    const first = new Pipeline(lab, 'pipeline-1');
    const second = new Pipeline(lab, 'pipeline-2');
    let payer!: Producer;
    let nextId = 0;
    const bootstrap = lab.cluster.bootstrapServers();
    const addresses = new Map<number, string>();
    const address = (id: number) => addresses.get(id) ?? lab.fail(`broker ${id} is not in the cluster`);

    /** Sends the payments in one request (one batch per payer); each one's two legs become expected effects. */
    const pay = async (transfers: Transfer[]): Promise<Payment[]> => {
      const payments = transfers.map(([from, to, amount]) => ({ id: nextId++, from, to, amount }));
      await payer.send({ topic: PAYMENTS, acks: -1, messages: payments.map((p) => ({ key: p.from, value: JSON.stringify(p) })) });
      for (const p of payments) {
        for (const leg of legsOf(p)) for (const r of [committed, uncommitted]) r.audit.acked(leg);
        expected.set(p.from, expected.get(p.from)! - p.amount);
        expected.set(p.to, expected.get(p.to)! + p.amount);
      }
      return payments;
    };
    /** The log of each balances partition (from `from`, its first offset by default), read from its leader. */
    const logs = async (from: Map<number, number> = new Map()): Promise<Map<number, PartitionLog>> => {
      const parts = await lab.partitions(BALANCES);
      const entries = await Promise.all(parts.map(async (p) => [p.partitionId, await readLog(address(p.leader), BALANCES, p.partitionId, from.get(p.partitionId) ?? 0)] as const));
      return new Map(entries);
    };
    /** The logs once every transaction in them has ended: LSO = high watermark, a marker last (up to 5 s: markers replicate). */
    const settledLogs = async (from?: Map<number, number>): Promise<Map<number, PartitionLog>> => {
      const settled = (v: Map<number, PartitionLog>) => [...v.values()].every((l) => l.lastStableOffset === l.highWatermark && l.batches.at(-1)?.marker !== null);
      let view = await logs(from);
      for (const deadline = Date.now() + 5_000; !settled(view) && Date.now() < deadline; view = await logs(from)) await lab.sleep(200);
      return view;
    };
    const tokens = (batches: LogBatch[], max = 8) =>
      batches.slice(0, max).map(describeBatch).join(' · ') + (batches.length > max ? ` · … ${batches.length - max} more` : '');
    const logRows = (view: Map<number, PartitionLog>) =>
      [...view].sort(([a], [b]) => a - b).map(([p, log]) => [p, log.highWatermark, log.lastStableOffset, tokens(log.batches)]);
    const logHeaders = ['partition', 'high watermark', 'LSO', 'the log: offsets, kind, producer epoch'];
    const waitBothReaders = (label: string) =>
      lab.waitFor(label, () => committed.audit.missingCount() === 0 && uncommitted.audit.missingCount() === 0, { timeoutMs: 40_000 }).catch((error: Error) =>
        lab.fail(`${error.message}: read_committed ${describeExactlyOnce(committed.audit.report())[1]}; read_uncommitted ${describeExactlyOnce(uncommitted.audit.report())[1]}`),
      );

    let coordinator: number | null = null;
    await lab.step(`Create ${PAYMENTS} and ${BALANCES}: ${PARTITIONS} partitions each, replication factor 3, min.insync.replicas=2`, async () => {
      for (const topic of [PAYMENTS, BALANCES]) {
        await lab.createTopic({ topic, numPartitions: PARTITIONS, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] });
      }
      for (const group of [PIPELINE_GROUP, READ_COMMITTED, READ_UNCOMMITTED]) await lab.group(group);
      for (const b of await lab.cluster.brokers()) addresses.set(b.id, `${b.host}:${b.port}`);
      const parts = await lab.partitions(BALANCES);
      lab.table(
        ['balances partition', 'leader', 'replicas', 'isr', 'accounts (key)'],
        parts.map((p) => [p.partitionId, p.leader, p.replicas.join(','), p.isr.join(','), ACCOUNTS.filter((a) => partitionOf(a) === p.partitionId).join(', ')]),
      );
      lab.explain(
        'Payments in (key = payer), balance updates out (key = account): a payment becomes a debit of the payer and a',
        'credit of the payee, often on two partitions. Both must be written once, whatever crashes: or not at all.',
      );
      payer = await lab.producer({ clientId: 'lab10-payments', retry: RETRY });
    });
    await lab.pause();

    await lab.step(`Start the pipeline and two readers; ${FIRST.length} payments go through, one transaction per batch`, async () => {
      await committed.start(lab, READ_COMMITTED, false);
      await uncommitted.start(lab, READ_UNCOMMITTED, true);
      await first.start();
      coordinator = await coordinatorId(bootstrap, TRANSACTIONAL_ID, 1, 3_000).catch(() => null);
      lab.say(
        `Transactional id ${TRANSACTIONAL_ID}: its coordinator is broker ${coordinator ?? '?'} (FindCoordinator, key type 1). It answered`,
        `InitProducerId with a producer id and an epoch in ${formatMs(first.initMs)} (on a new cluster, the first transactional id waits`,
        `for __transaction_state to be created). Readers: ${READ_COMMITTED} (read_committed), ${READ_UNCOMMITTED}.`,
      );
      await pay(FIRST);
      await waitBothReaders(`both readers have the ${FIRST.length * 2} balance updates`);
      const view = await settledLogs();
      lab.table(logHeaders, logRows(view));
      lab.explain(
        'Per batch of payments: AddPartitionsToTxn (the coordinator notes each partition before the first write there),',
        'Produce (transactional batches: producer id, epoch, sequence), AddOffsetsToTxn + TxnOffsetCommit (the input',
        "offsets, to the group's coordinator, pending), EndTxn(commit): the coordinator logs PrepareCommit in",
        '__transaction_state, writes a COMMIT marker into every partition of the transaction (these balances, and the',
        "group's __consumer_offsets partition: the offsets count from then on) and logs CompleteCommit. A marker takes an",
        'offset (consumers never see it). The LSO (last stable offset) is where the first still-open transaction begins.',
      );
      const rc = committed.audit.report();
      const ru = uncommitted.audit.report();
      lab.check(`read_committed: each of the ${rc.acked} balance updates exactly once`, exactlyOnce(rc), `${rc.lost.length} lost, ${rc.duplicateCount} duplicates`);
      lab.check('read_uncommitted: the same, nothing was aborted', exactlyOnce(ru), `${ru.lost.length} lost, ${ru.duplicateCount} duplicates`);
      const markers = [...view.values()].flatMap((l) => l.batches.filter((b) => b.marker === 'COMMIT')).length;
      lab.check('every partition ends with a COMMIT marker, LSO = high watermark', [...view.values()].every((l) => l.batches.at(-1)?.marker === 'COMMIT' && l.lastStableOffset === l.highWatermark), `${markers} markers`);
    });
    await lab.pause();

    let open!: OpenTransaction;
    await lab.step('Kill the pipeline in the middle of a transaction', async () => {
      first.crashNext = true;
      await pay(CRASHING);
      await lab.waitFor("the pipeline writes carol's balance updates and the offsets, and dies before commit", () => first.crashed !== null, { timeoutMs: 20_000 });
      await lab.disconnect(first.consumer);
      open = first.crashed!;
      const touched = [...open.firstOffsets.keys()].sort();
      lab.say(
        `carol's ${CRASHING.length} payments: their ${open.legs.length} balance updates (on partitions ${touched.join(', ')}) and the input offsets`,
        'are in the transaction; the commit never came. Its consumer has left the group (after a real crash: once the',
        'session timeout passes). Its producer we keep aside, with the transaction it had open: it comes back in step 5.',
      );
      await lab.waitFor('the read_uncommitted reader reads them', () => uncommitted.count(open.legs) === open.legs.length, { timeoutMs: 15_000 }).catch(() => undefined);
      await lab.sleep(1500); // time for the read_committed reader to (wrongly) read them too
      const view = await logs(open.firstOffsets);
      lab.table(
        ['partition', 'high watermark', 'LSO', "open transaction's first offset", 'the log from there'],
        [...view].sort(([a], [b]) => a - b).map(([p, log]) => [p, log.highWatermark, log.lastStableOffset, open.firstOffsets.get(p) ?? '', tokens(log.batches)]),
      );
      lab.explain(
        "The open transaction's records are in the log and replicated: the high watermark has passed them. The LSO stopped",
        'at its first record: a read_committed fetch returns only what is below the LSO, a read_uncommitted one reads up to',
        'the high watermark. Everything behind the open transaction waits too, whoever wrote it: until the transaction',
        `ends, or the coordinator aborts it after transaction.timeout.ms (${TRANSACTION_TIMEOUT_MS / 1000} s here, 60 s by default in kafkajs).`,
      );
      lab.check(`read_uncommitted read all ${open.legs.length} updates of the open transaction`, uncommitted.count(open.legs) === open.legs.length, `${uncommitted.count(open.legs)}`);
      lab.check('read_committed read none of them', committed.count(open.legs) === 0, `${committed.count(open.legs)}`);
      lab.check(
        "the LSO of each partition it wrote to stops at the transaction's first record",
        touched.every((p) => view.get(p)?.lastStableOffset === open.firstOffsets.get(p) && view.get(p)!.highWatermark > open.firstOffsets.get(p)!),
        touched.map((p) => `p${p}: LSO ${view.get(p)?.lastStableOffset} / HW ${view.get(p)?.highWatermark}`).join(', '),
      );
    });
    await lab.pause('press Enter to restart the pipeline');

    let aborted = 0;
    await lab.step('Restart the pipeline with the same transactional id', async () => {
      await second.start();
      lab.observe('InitProducerId of the new instance (the coordinator aborts the open transaction first)', formatMs(second.initMs));
      await waitBothReaders("both readers have carol's payments");
      await lab.waitFor('the read_uncommitted reader has the redone updates too', () => uncommitted.records >= committed.records + open.legs.length, { timeoutMs: 15_000 }).catch(() => undefined);
      const touched = [...open.firstOffsets.keys()].sort();
      const view = await settledLogs(open.firstOffsets);
      lab.table(logHeaders, logRows(view).filter(([p]) => touched.includes(p as number)));
      lab.explain(
        "The new instance's InitProducerId named the same transactional id. The coordinator found the transaction open,",
        'bumped the producer epoch (the old instance is fenced from now on), wrote ABORT markers into every partition of',
        "the transaction (the group's offsets too), and only then answered, with the new epoch. The LSO moved on; the",
        "read_committed reader skips the aborted records (the fetch lists the aborted transactions). The group's offsets",
        "never moved, so the new instance read carol's payments again and committed their updates, once. (Open longer",
        'than transaction.timeout.ms, the transaction would have been aborted by the coordinator already, the same way.)',
      );
      const rc = committed.audit.report();
      const ru = uncommitted.audit.report();
      aborted = open.legs.length;
      const closed = touched.every((p) => {
        const batches = view.get(p)?.batches ?? [];
        const data = batches[0];
        const marker = batches.find((b) => b.marker !== null);
        return data !== undefined && data.first === open.firstOffsets.get(p) && marker?.marker === 'ABORT' && marker.producerEpoch > data.producerEpoch;
      });
      lab.check('an ABORT marker with a newer epoch closed the transaction in each partition it wrote to', closed);
      lab.check(`read_committed: each of the ${rc.acked} balance updates exactly once`, exactlyOnce(rc), `${rc.lost.length} lost, ${rc.duplicateCount} duplicates`);
      lab.check(`read_uncommitted: carol's ${aborted} updates twice (aborted, then redone)`, ru.duplicateCount === aborted && ru.lost.length === 0, `${ru.duplicateCount} duplicates`);
      lab.check('no transaction is open any more: LSO = high watermark', [...view.values()].every((l) => l.lastStableOffset === l.highWatermark));
    });
    await lab.pause('press Enter to wake the old instance up');

    await lab.step('The old instance was not dead: as a zombie, it finishes its transaction', async () => {
      const before = { committed: committed.records, uncommitted: uncommitted.records };
      lab.say('A long GC pause, a network partition: it wakes up, sends its balance updates again (a retry) and commits.');
      const sendError = await open.txn.send({ topic: BALANCES, acks: -1, messages: open.updates }).then(
        () => null,
        (e: unknown) => kafkaErrorType(e) ?? String(e),
      );
      const commitError = await open.txn.commit().then(
        () => null,
        (e: unknown) => kafkaErrorType(e) ?? String(e),
      );
      lab.say(`send → ${sendError ?? 'accepted (!)'}; commit → ${commitError ?? 'committed (!)'}`);
      await lab.sleep(1500);
      lab.explain(
        'Fenced: its epoch is older than the one the coordinator and the partition leaders now know (the ABORT markers',
        'carried the new one). The leaders refuse its records, the coordinator its EndTxn. Without fencing these would',
        "have been duplicates. A fenced producer cannot recover; the only right thing for it is to shut down.",
      );
      lab.check('its send is refused: fenced', sendError !== null && FENCED.includes(sendError), sendError ?? 'accepted');
      lab.check('its commit is refused: fenced', commitError !== null && FENCED.includes(commitError), commitError ?? 'committed');
      lab.check(
        'neither reader got anything from it',
        committed.records === before.committed && uncommitted.records === before.uncommitted,
        `read_committed +${committed.records - before.committed}, read_uncommitted +${uncommitted.records - before.uncommitted}`,
      );
    });
    await lab.pause('press Enter to kill a partition leader mid-transaction');

    let victim = -1;
    await lab.step('Kill the leader of a balances partition in the middle of a transaction', async () => {
      const { controller } = await lab.describeCluster();
      const txnCoordinator = await coordinatorId(bootstrap, TRANSACTIONAL_ID, 1, 3_000).catch(() => null);
      const groupCoordinator = await coordinatorId(bootstrap, PIPELINE_GROUP, 0, 3_000).catch(() => null);
      const parts = await lab.partitions(BALANCES);
      // Not a coordinator: kafkajs does not retry AddOffsetsToTxn / EndTxn when the coordinator moves.
      const spare = parts.filter((p) => p.leader !== txnCoordinator && p.leader !== groupCoordinator);
      const target = spare.find((p) => p.leader !== controller) ?? spare[0] ?? lab.fail('every balances leader is a coordinator');
      victim = target.leader;
      const survivor = address(txnCoordinator ?? parts.find((p) => p.leader !== victim)!.leader);
      lab.say(
        `Broker ${victim} leads balances partition ${target.partitionId}. Left alone: the transaction coordinator (broker ${txnCoordinator ?? '?'}),`,
        `the pipeline group's coordinator (broker ${groupCoordinator ?? '?'}) and the KRaft controller (broker ${controller ?? '?'}).`,
      );
      let reached: OpenTransaction | null = null;
      let killAt = 0;
      second.midTransaction = async (o) => {
        second.consumer.pause([{ topic: PAYMENTS }]); // no fetches to the dead broker meanwhile
        killAt = Date.now();
        await lab.killBroker(victim);
        reached = o;
      };
      const before = second.transactions;
      await pay(DURING_KILL);
      const { value: txn } = await lab.waitFor(`alice's payments: half of their updates written, then broker ${victim} killed`, () => reached ?? undefined, { timeoutMs: 20_000 });
      lab.say(`${txn.legs.length / 2} of the ${txn.legs.length} updates are in the open transaction, on every partition; the other half follows, through the election.`);
      const view = lab.liveTable(['partition', 'leader', 'isr', 'high watermark', 'LSO', "the transaction's first offset"], {
        title: () => `transaction ${second.transactions > before ? 'committed' : 'open'}, +${formatMs(Date.now() - killAt)} since the kill`,
      });
      const poll = async () => {
        const now = await partitionsFrom(survivor, BALANCES);
        const rows = await Promise.all(
          now.map(async (p) => {
            const log = p.leader >= 0 && p.leader !== victim ? await readLog(address(p.leader), BALANCES, p.partition, txn.firstOffsets.get(p.partition) ?? 0).catch(() => null) : null;
            return [p.partition, p.leader < 0 ? 'none' : p.leader, p.isr.join(','), log?.highWatermark ?? '-', log?.lastStableOffset ?? '-', txn.firstOffsets.get(p.partition) ?? ''];
          }),
        );
        view.update(rows);
      };
      await lab.waitFor(
        'the transaction commits',
        async () => {
          await poll().catch(() => undefined);
          return second.transactions > before;
        },
        { timeoutMs: 40_000, intervalMs: 250, onPoll: () => undefined },
      );
      const commitAt = Date.now();
      await poll().catch(() => undefined);
      view.done();
      second.consumer.resume([{ topic: PAYMENTS }]);
      lab.observe('from the kill to the commit', formatMs(commitAt - killAt));
      await waitBothReaders("both readers have alice's payments");
      const now = (await partitionsFrom(survivor, BALANCES)).find((p) => p.partition === target.partitionId)!;
      const log = await readLog(address(now.leader), BALANCES, target.partitionId, txn.firstOffsets.get(target.partitionId) ?? 0);
      lab.table(logHeaders, [[target.partitionId, log.highWatermark, log.lastStableOffset, tokens(log.batches)]]);
      lab.explain(
        'The sends to the dead leader were retried until the new one was elected (the producer is idempotent inside a',
        'transaction: a retried batch is written once); the coordinator wrote the COMMIT marker to the new leader. The',
        'transaction only had to end within transaction.timeout.ms. Until then, the LSO held the read_committed reader back.',
        'The pipeline sends each partition in a request of its own: kafkajs 2.2.4 drops a partition that moves, mid-retry, to',
        'a broker that already answered for another partition of the same send (the README tells how this audit found it).',
      );
      const early = txn.legs.filter((l) => (committed.readAt.get(legId(l)) ?? Infinity) < second.commitStartedAt).length;
      lab.check(`partition ${target.partitionId} has a new leader`, now.leader !== victim && now.leader >= 0, `broker ${now.leader}`);
      lab.check('read_committed read nothing of the transaction before its commit', early === 0, `${early} early`);
      const rc = committed.audit.report();
      lab.check(`read_committed: each of the ${rc.acked} balance updates exactly once`, exactlyOnce(rc), `${rc.lost.length} lost, ${rc.duplicateCount} duplicates`);
    });
    await lab.pause();

    await lab.step('The audit: every payment, one debit and one credit, exactly once', async () => {
      const rc = committed.audit.report();
      const ru = uncommitted.audit.report();
      const row = (name: string, r: AuditReport) => [name, r.acked, r.consumed, r.uniqueConsumed, r.lost.length, r.duplicateCount, r.consumedNotAcked.length];
      lab.table(['reader', 'expected', 'read', 'distinct', 'lost', 'duplicates', 'unexpected'], [row('read_committed', rc), row('read_uncommitted', ru)]);
      lab.say(`read_uncommitted: ${describeExactlyOnce(ru)[2]}`);
      lab.table(
        ['account', 'from the payments', 'read_committed', 'read_uncommitted'],
        ACCOUNTS.map((a) => [a, expected.get(a)!, committed.balances.get(a)!, uncommitted.balances.get(a)!]),
      );
      lab.explain(
        'Exactly-once here is: the effects of each input record are committed once, atomically with the input offsets,',
        'and only read_committed readers see just that. A read_uncommitted reader also counted the aborted transaction;',
        'so would any side effect outside Kafka (an e-mail, a call to another service): transactions cover Kafka writes only.',
      );
      const errors = [...first.errors, ...second.errors];
      const twice = new Set(ru.duplicates.filter((d) => d.times === 2).map(legId));
      const theAborted = twice.size === ru.duplicates.length && open.legs.length === twice.size && open.legs.every((l) => twice.has(legId(l)));
      lab.check('read_committed: exactly once', exactlyOnce(rc), `${rc.lost.length} lost, ${rc.duplicateCount} duplicates, ${rc.consumedNotAcked.length} unexpected`);
      lab.check("read_committed's balances are the payments'", ACCOUNTS.every((a) => committed.balances.get(a) === expected.get(a)));
      lab.check(
        `read_uncommitted: the ${aborted} aborted updates twice, nothing else`,
        theAborted && ru.lost.length === 0 && ru.consumedNotAcked.length === 0,
        `${ru.duplicateCount} duplicates`,
      );
      lab.check("read_uncommitted's balances are wrong", ACCOUNTS.some((a) => uncommitted.balances.get(a) !== expected.get(a)));
      lab.check('no transaction of the pipeline failed', errors.length === 0, errors.slice(0, 3).join(', ') || undefined);
      if (first.skipped + second.skipped > 0) lab.observe('payments skipped as already committed (after a rejoin)', first.skipped + second.skipped);
      if (victim >= 0) {
        await lab.startBroker(victim);
        lab.say(`Broker ${victim} started again.`);
      }
    });
  },
});

export default lab;
if (isMain(import.meta.url)) await labMain(lab);
