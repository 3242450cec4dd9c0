/**
 * yarn consume <topic> [--group id] [--from-beginning] [--brokers h:p,...] [--json]
 *   Prints partition, offset and key of every message. On SIGINT/SIGTERM it finishes the current batch, commits the
 *   offsets it processed, leaves the group, disconnects and exits 0.
 */
import { parseArgs } from '../src/cli/args.js';
import { runMain } from '../src/cli/main.js';
import { resolveBootstrap } from '../src/clients/kafka.js';
import { UserError } from '../src/cluster/types.js';
import { readStamp } from '../src/lab/audit.js';
import { KafkaLogSink, createLabKafka } from '../src/lab/kafka.js';

const USAGE = 'yarn consume <topic> [--group id] [--from-beginning] [--brokers host:port,...] [--json]';

await runMain(async () => {
  const args = parseArgs({ usage: USAGE, string: ['group', 'brokers'], boolean: ['from-beginning', 'json'] });
  const topic = args._[0] as string | undefined;
  if (!topic) throw new UserError(`which topic? (usage: ${USAGE})`, 2);
  const groupId = String(args.group ?? `kafka-lab-consume-${process.pid}`);
  const brokers = resolveBootstrap(args.brokers ? { brokers: String(args.brokers).split(',') } : {});
  const json = Boolean(args.json);
  const say = (line: string) => (json ? process.stderr : process.stdout).write(line + '\n');

  const kafka = createLabKafka(brokers, 'kafka-lab-consume', { sink: new KafkaLogSink() });
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 500, maxWaitTimeInMs: 250 });
  try {
    await consumer.connect();
    const admin = kafka.admin();
    await admin.connect();
    const topics = await admin.listTopics();
    await admin.disconnect();
    if (!topics.includes(topic)) throw new UserError(`there is no topic "${topic}": create it first (topics: ${topics.filter((t) => !t.startsWith('__')).join(', ') || 'none'})`);
  } catch (error) {
    await consumer.disconnect().catch(() => undefined);
    if (error instanceof UserError) throw error;
    throw new UserError(`cannot reach the cluster at ${brokers.join(', ')}: start it with \`yarn cluster:up\` (${(error as Error).message})`);
  }
  await consumer.subscribe({ topic, fromBeginning: Boolean(args['from-beginning']) });
  let count = 0;
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    const parts = payload.memberAssignment[topic] ?? [];
    say(`joined group ${groupId}: partitions ${parts.join(',') || '(none)'}`);
    if (json) process.stdout.write(JSON.stringify({ event: 'join', partitions: parts }) + '\n');
  });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      count++;
      const key = message.key?.toString() ?? null;
      if (json) {
        const stamp = readStamp(message);
        process.stdout.write(JSON.stringify({ event: 'message', partition, offset: message.offset, key, ...(stamp ? { producer: stamp.producer, seq: stamp.seq } : {}) }) + '\n');
      } else {
        say(`partition ${partition}  offset ${message.offset}  key ${key ?? '(none)'}  ${message.value?.toString() ?? ''}`);
      }
    },
  });
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  say(`stopping: committing offsets and leaving the group ${groupId}…`);
  await consumer.disconnect();
  if (json) process.stdout.write(JSON.stringify({ event: 'summary', consumed: count }) + '\n');
  say(`consumed ${count} message(s); disconnected`);
  return 0;
});
