/**
 * Transactions as kafkajs sees them, on the embedded cluster and (KAFKA_LAB_TEST_BACKEND=jvm) on Apache Kafka 4.4.0:
 * a committed transaction is read once by read_committed consumers; an aborted one is invisible to them and visible
 * to read_uncommitted ones; an open transaction holds the last stable offset back; a second producer with the same
 * transactional id aborts the first one's transaction and fences it; sendOffsets commits a group's offsets only
 * with the transaction; ListTransactions / DescribeTransactions show it; a stalled transaction is aborted after its
 * timeout.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kafka, Producer } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTopicsAndWait } from '../../src/clients/topics.js';
import { kafkaErrorType } from '../../src/clients/kafka.js';
import { coordinatorId, findCoordinator, requestOnce } from '../../src/cluster/kafka-requests.js';
import { waitForBrokers } from '../../src/cluster/ready.js';
import { eventually } from '../helpers/embedded.js';
import { on, startTarget, targetSkip, type KafkaTarget } from '../helpers/target.js';

const skip = targetSkip('test/broker/transactions.test.ts');
let t: KafkaTarget;
/** FindCoordinator for a transactional id, asked of the first broker that answers */
const txnCoordinator = (id: string) => findCoordinator(t.bootstrapServers, id, 1);
const port = (brokerId: number) => t.bootstrapServers[brokerId - 1]!.split(':')[1];

const transactional = (kafka: Kafka, transactionalId: string, transactionTimeout = 60_000): Producer =>
  kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1, transactionTimeout });

/** Every value a consumer in `mode` reads from the beginning of `topic`, once it has read up to the end. */
async function readAll(topic: string, mode: 'read_committed' | 'read_uncommitted', settleMs = 1500): Promise<string[]> {
  const consumer = t.kafka().consumer({ groupId: `reader-${mode}-${Math.random()}`, readUncommitted: mode === 'read_uncommitted', maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const values: string[] = [];
  // quiet for settleMs after the last record read; before the first one, 10 s (a group join after a failover is slow)
  let last = Date.now() + 10_000 - settleMs;
  await consumer.run({ eachMessage: async ({ message }) => void (values.push(message.value!.toString()), (last = Date.now())) });
  await eventually(() => Date.now() - last > settleMs, 30_000);
  await consumer.disconnect();
  return values.sort();
}

/** ListOffsets LATEST with an isolation level, from the partition's leader (through any broker's metadata). */
async function latest(topic: string, isolationLevel: 0 | 1): Promise<number> {
  const admin = t.kafka().admin();
  await admin.connect();
  const [meta] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
  const leader = meta!.partitions.find((p) => p.partitionId === 0)!.leader;
  const brokers = (await admin.describeCluster()).brokers;
  await admin.disconnect();
  const b = brokers.find((x) => x.nodeId === leader)!;
  const r = await requestOnce(`${b.host}:${b.port}`, 2, 5, { replicaId: -1, isolationLevel, topics: [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1 }] }] });
  return Number(r.topics[0].partitions[0].offset);
}

describe.skipIf(skip !== null)(on('transactions (3 brokers)'), () => {
  beforeAll(async () => {
    t = await startTarget({ brokers: 3 });
    const admin = t.kafka().admin();
    await admin.connect();
    await createTopicsAndWait(admin, [
      { topic: 'tx-in', numPartitions: 2, replicationFactor: 3 },
      { topic: 'tx-out', numPartitions: 2, replicationFactor: 3 },
      { topic: 'tx-fence', numPartitions: 1, replicationFactor: 3 },
      { topic: 'tx-lso', numPartitions: 1, replicationFactor: 3 },
    ]);
    await admin.disconnect();
  }, 180_000);
  // brokers a test killed come back even when it fails, so the next test and the teardown find the whole cluster
  const killed = new Set<number>();
  const kill = async (id: number) => (killed.add(id), t.cluster.killBroker(id));
  const restartKilled = async () => {
    if (killed.size === 0) return;
    for (const id of killed) await t.cluster.startBroker(id);
    killed.clear();
    await waitForBrokers({ bootstrap: t.bootstrapServers, ids: [1, 2, 3], timeoutMs: 90_000 });
  };
  afterEach(restartKilled);
  afterAll(async () => t?.destroy());

  it('commits and aborts: read_committed sees each committed record once, read_uncommitted the aborted ones too', async () => {
    const producer = transactional(t.kafka(), 'tx-basic');
    await producer.connect();
    const committed = await producer.transaction();
    await committed.send({ topic: 'tx-out', messages: [{ key: 'a', value: 'c1' }, { key: 'b', value: 'c2' }, { key: 'c', value: 'c3' }] });
    await committed.commit();
    const aborted = await producer.transaction();
    await aborted.send({ topic: 'tx-out', messages: [{ key: 'a', value: 'x1' }, { key: 'b', value: 'x2' }] });
    await aborted.abort();
    await producer.disconnect();

    expect(await readAll('tx-out', 'read_committed')).toEqual(['c1', 'c2', 'c3']);
    expect(await readAll('tx-out', 'read_uncommitted')).toEqual(['c1', 'c2', 'c3', 'x1', 'x2']);
  });

  it('an open transaction holds the last stable offset at its first record; the commit releases it', async () => {
    const producer = transactional(t.kafka(), 'tx-lso-id');
    await producer.connect();
    const plain = t.kafka().producer({ idempotent: true, maxInFlightRequests: 1 });
    await plain.connect();
    await plain.send({ topic: 'tx-lso', messages: [{ value: 'before' }] });
    const txn = await producer.transaction();
    await txn.send({ topic: 'tx-lso', messages: [{ value: 'in-txn' }] });
    await plain.send({ topic: 'tx-lso', messages: [{ value: 'after' }] });
    expect(await latest('tx-lso', 0)).toBe(3); // read_uncommitted: the high watermark
    expect(await latest('tx-lso', 1)).toBe(1); // read_committed: the open transaction's first offset
    await txn.commit();
    // the marker (offset 3) is a record too: once it is replicated the LSO is the high watermark again
    await eventually(async () => (await latest('tx-lso', 1)) === 4);
    expect(await latest('tx-lso', 0)).toBe(4);
    await plain.disconnect();
    await producer.disconnect();
  });

  it('a second producer with the same transactional id aborts the open transaction and fences the first', async () => {
    const zombie = transactional(t.kafka({ clientId: 'zombie' }), 'tx-fenced');
    await zombie.connect();
    const open = await zombie.transaction();
    await open.send({ topic: 'tx-fence', messages: [{ value: 'zombie-1' }] });

    const successor = transactional(t.kafka({ clientId: 'successor' }), 'tx-fenced');
    await successor.connect(); // InitProducerId: bumps the epoch, aborts the zombie's transaction
    const txn = await successor.transaction();
    await txn.send({ topic: 'tx-fence', messages: [{ value: 'successor-1' }] });
    await txn.commit();

    const error = await open.send({ topic: 'tx-fence', messages: [{ value: 'zombie-2' }] }).then(
      () => open.commit().then(() => null, (e: unknown) => e),
      (e: unknown) => e,
    );
    expect(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED']).toContain(kafkaErrorType(error));
    await zombie.disconnect().catch(() => {});
    await successor.disconnect();
    expect(await readAll('tx-fence', 'read_committed')).toEqual(['successor-1']);
    expect(await readAll('tx-fence', 'read_uncommitted')).toContain('zombie-1');
  });

  it('sendOffsets: a group\'s offsets are committed with the transaction, not when they are sent, and never on abort', async () => {
    const plain = t.kafka().producer({ idempotent: true, maxInFlightRequests: 1 });
    await plain.connect();
    await plain.send({ topic: 'tx-in', messages: Array.from({ length: 6 }, (_, i) => ({ partition: i % 2, value: `in-${i}` })) });
    await plain.disconnect();
    const admin = t.kafka().admin();
    await admin.connect();
    const committedSum = async () =>
      (await admin.fetchOffsets({ groupId: 'tx-pipeline', topics: ['tx-in'] }))[0]!.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);

    const producer = transactional(t.kafka(), 'tx-pipeline-id');
    await producer.connect();
    const offsets = { consumerGroupId: 'tx-pipeline', topics: [{ topic: 'tx-in', partitions: [{ partition: 0, offset: '3' }, { partition: 1, offset: '3' }] }] };
    const aborted = await producer.transaction();
    await aborted.sendOffsets(offsets);
    await aborted.abort();
    expect(await committedSum()).toBe(0);

    const txn = await producer.transaction();
    await txn.send({ topic: 'tx-out', messages: [{ value: 'balance' }] });
    await txn.sendOffsets(offsets);
    expect(await committedSum()).toBe(0); // staged, not committed
    await txn.commit();
    await eventually(async () => (await committedSum()) === 6);
    await producer.disconnect();
    await admin.disconnect();
  });

  it('ListTransactions and DescribeTransactions show an open transaction at its coordinator', async () => {
    const producer = transactional(t.kafka(), 'tx-described');
    await producer.connect();
    const txn = await producer.transaction();
    await txn.send({ topic: 'tx-out', messages: [{ partition: 1, value: 'open' }] });

    const coordinator = await txnCoordinator('tx-described');
    const address = `${coordinator.host}:${coordinator.port}`;
    const listed = await requestOnce(address, 66, 0, { stateFilters: ['Ongoing'], producerIdFilters: [] });
    expect(listed.errorCode).toBe(0);
    expect(listed.transactionStates.map((s: { transactionalId: string }) => s.transactionalId)).toContain('tx-described');
    const described = await requestOnce(address, 65, 0, { transactionalIds: ['tx-described'] });
    expect(described.transactionStates[0]).toMatchObject({ errorCode: 0, transactionState: 'Ongoing', transactionTimeoutMs: 60_000, topics: [{ topic: 'tx-out', partitions: [1] }] });
    const elsewhere = await txnCoordinator('tx-nobody');
    const nobody = await requestOnce(`${elsewhere.host}:${elsewhere.port}`, 65, 0, { transactionalIds: ['tx-nobody'] });
    expect(nobody.transactionStates[0].errorCode).toBe(105); // TRANSACTIONAL_ID_NOT_FOUND at its coordinator

    await txn.commit();
    // PrepareCommit until every marker is written (a moment on Kafka), then CompleteCommit with no partitions
    const after = await eventually(async () => {
      const state = (await requestOnce(address, 65, 0, { transactionalIds: ['tx-described'] })).transactionStates[0];
      return state.transactionState === 'CompleteCommit' && state;
    });
    expect(after.topics).toEqual([]);
    await producer.disconnect();
  });

  it('survives its partition leader dying mid-transaction (the commit lands once), then its coordinator (the new one aborts it for a successor)', async () => {
    const admin = t.kafka().admin();
    await admin.connect();
    await createTopicsAndWait(admin, [{ topic: 'tx-failover', numPartitions: 1, replicationFactor: 3 }]);
    const leader = (await admin.fetchTopicMetadata({ topics: ['tx-failover'] })).topics[0]!.partitions[0]!.leader;
    const coordinatorOf = async (id: string) => (await coordinatorId(t.bootstrapServers, id, 1)) ?? -1;
    // an id whose coordinator is not the partition's leader, so the two failures come one at a time
    let transactionalId = '';
    for (let i = 0; !transactionalId; i++) if ((await eventually(async () => { const c = await coordinatorOf(`tx-failover-${i}`); return c >= 0 ? c : null; })) !== leader) transactionalId = `tx-failover-${i}`;
    const producer = transactional(t.kafka({ retry: { retries: 30, initialRetryTime: 200, maxRetryTime: 1000 } }), transactionalId);
    await producer.connect();

    const first = await producer.transaction();
    await first.send({ topic: 'tx-failover', messages: [{ value: 'before-leader-kill' }] });
    await kill(leader);
    await first.send({ topic: 'tx-failover', messages: [{ value: 'after-leader-kill' }] }); // waits for a new leader
    await first.commit(); // the marker goes to the new leader
    await restartKilled();

    const coordinator = await coordinatorOf(transactionalId);
    const second = await producer.transaction();
    await second.send({ topic: 'tx-failover', messages: [{ value: 'before-coordinator-kill' }] });
    await kill(coordinator);
    // a new leader of the id's __transaction_state partition takes the transaction over as it was
    // the failover: every live broker names a new coordinator (kafkajs asks one of them, and gives up on a dead one)
    const live = t.bootstrapServers.filter((b) => !b.endsWith(`:${port(coordinator)}`));
    await eventually(async () => {
      const named = await Promise.all(live.map(async (b) => (await requestOnce(b, 10, 2, { key: transactionalId, keyType: 1 })) as { errorCode: number; nodeId: number }));
      return named.every((n) => n.errorCode === 0 && n.nodeId !== coordinator && n.nodeId === named[0]!.nodeId);
    }, 60_000, 250);
    // A successor with the same id, at the new coordinator: it finds the open transaction there and aborts it.
    // (Not the first producer's own commit: kafkajs sends EndTxn once, to a coordinator it may look up from the dead
    // broker, and Kafka's new coordinator may answer COORDINATOR_NOT_AVAILABLE for a moment after the failover.)
    const successor = transactional(t.kafka({ retry: { retries: 30, initialRetryTime: 200, maxRetryTime: 1000 } }), transactionalId);
    await successor.connect();
    await successor.disconnect();
    await restartKilled();

    expect(await readAll('tx-failover', 'read_committed')).toEqual(['after-leader-kill', 'before-leader-kill']);
    expect(await readAll('tx-failover', 'read_uncommitted')).toContain('before-coordinator-kill');
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect();
  }, 150_000);

  it('a transaction left open past transaction.timeout.ms is aborted and its producer fenced', async () => {
    const producer = transactional(t.kafka(), 'tx-stalled', 1000);
    await producer.connect();
    const txn = await producer.transaction();
    await txn.send({ topic: 'tx-fence', messages: [{ value: 'stalled' }] });
    // Kafka looks for timed-out transactions every 10 s (transaction.abort.timed.out.transaction.cleanup.interval.ms)
    const coordinator = await txnCoordinator('tx-stalled');
    const address = `${coordinator.host}:${coordinator.port}`;
    await eventually(async () => (await requestOnce(address, 65, 0, { transactionalIds: ['tx-stalled'] })).transactionStates[0].transactionState === 'CompleteAbort', 30_000);
    const error = await txn.commit().then(() => null, (e: unknown) => e);
    expect(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED']).toContain(kafkaErrorType(error));
    await producer.disconnect().catch(() => {});
    await sleep(0);
    expect(await readAll('tx-fence', 'read_committed')).not.toContain('stalled');
  }, 60_000);
});
