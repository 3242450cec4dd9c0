/** Lab 01 · First message: a broker, a topic, a producer, a consumer. */
import { defineLab } from '../../src/lab/runner.js';
import { isMain, labMain } from '../../src/lab/main.js';

const TOPIC = 'lab01-hello';
const GROUP = 'lab01-reader';
const MESSAGES = ['hello', 'kafka', 'this is', 'my first', 'event log'];

const lab = defineLab({
  id: '01',
  slug: 'first-message',
  title: 'First message',
  profile: 'single',
  anyProfile: true,
  async run(lab) {
    await lab.step('Look at the cluster', async () => {
      const { brokers, controller } = await lab.describeCluster();
      lab.say(`The cluster answers on ${lab.cluster.bootstrapServers().join(', ')}.`);
      lab.observe('brokers', brokers.join(', '));
      lab.explain(
        'A Kafka cluster is a set of brokers. Clients connect to any of them (the "bootstrap" servers),',
        `ask for metadata, and learn where everything lives. The controller (broker ${controller ?? '?'}) keeps that metadata.`,
      );
      lab.check('the cluster answers metadata requests', brokers.length > 0, `${brokers.length} broker(s)`);
    });
    await lab.pause();

    await lab.step(`Create the topic ${TOPIC}`, async () => {
      const parts = await lab.createTopic({ topic: TOPIC, numPartitions: 1 });
      lab.table(['partition', 'leader', 'replicas'], parts.map((p) => [p.partitionId, p.leader, p.replicas.join(',')]));
      lab.explain(
        'A topic is a named, append-only log. It has one or more partitions; each partition lives on a broker (its leader).',
        'We asked for 1 partition, so every message goes to partition 0, in the order we send them.',
      );
      lab.check('the topic exists with one partition and a leader', parts.length === 1 && parts[0]!.leader >= 0);
    });
    await lab.pause();

    const sent: Array<{ value: string; offset: string }> = [];
    await lab.step('Send five messages with a producer', async () => {
      const producer = await lab.producer({ clientId: 'lab01-producer' });
      for (const value of MESSAGES) {
        const [meta] = await producer.send({ topic: TOPIC, acks: -1, messages: [{ value }] });
        sent.push({ value, offset: meta?.baseOffset ?? '?' });
      }
      lab.table(['message', 'partition', 'offset'], sent.map((m) => [JSON.stringify(m.value), 0, m.offset]));
      lab.explain(
        'Each send is acknowledged by the leader with the offset the message got: its position in the partition log.',
        'Offsets start at 0 and only ever grow; nothing is overwritten.',
      );
      lab.check('every message was acknowledged with consecutive offsets', sent.every((m, i) => m.offset === String(i)), sent.map((m) => m.offset).join(','));
      await lab.disconnect(producer);
    });
    await lab.pause();

    await lab.step('Read them back with a consumer', async () => {
      await lab.group(GROUP);
      const consumer = await lab.consumer({ groupId: GROUP, clientId: 'lab01-consumer' });
      await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
      const received: Array<{ value: string; offset: string; partition: number }> = [];
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          received.push({ value: message.value?.toString() ?? '', offset: message.offset, partition });
        },
      });
      await lab.waitFor(`consumer reads ${MESSAGES.length} messages`, () => received.length >= MESSAGES.length, { timeoutMs: 30_000 });
      lab.table(['partition', 'offset', 'message'], received.map((m) => [m.partition, m.offset, JSON.stringify(m.value)]));
      lab.explain(
        'The consumer asked for partition 0 from the beginning (fromBeginning: true, as its group had no committed offset)',
        'and got the messages in exactly the order they were written. Reading does not remove them: run it again and they are still there.',
      );
      lab.check(
        'the consumer got every message, in order',
        received.length === MESSAGES.length && received.every((m, i) => m.value === MESSAGES[i]),
        `${received.length}/${MESSAGES.length}`,
      );
      lab.observe('messages sent / read', `${sent.length} / ${received.length}`);
      await lab.disconnect(consumer);
    });
  },
});

export default lab;
if (isMain(import.meta.url)) await labMain(lab);
