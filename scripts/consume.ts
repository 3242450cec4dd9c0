/**
 * yarn consume <topic> [--group id] [--from-beginning] [--brokers h:p,...] [--json]
 *   Prints partition, offset and key of every message. On SIGINT/SIGTERM it finishes the current batch, commits the
 *   offsets it processed, leaves the group, disconnects and exits 0; a second signal exits at once.
 */
import { parseArgs } from '../src/cli/args.js';
import { runMain } from '../src/cli/main.js';
import { onShutdown, resolveBootstrap, startOnTopic, startConsumer } from '../src/clients/index.js';
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
  let count = 0;
  const consumer = await startOnTopic(kafka, brokers, topic, () =>
    startConsumer({
      kafka,
      groupId,
      topics: [topic],
      fromBeginning: Boolean(args['from-beginning']),
      consumer: { sessionTimeout: 10_000, heartbeatInterval: 500, maxWaitTimeInMs: 250 },
      handleSignals: false, // the shutdown below also prints the summary
      beforeRun: (c) =>
        c.on(c.events.GROUP_JOIN, ({ payload }) => {
          const parts = payload.memberAssignment[topic] ?? [];
          say(`joined group ${groupId}: partitions ${parts.join(',') || '(none)'}`);
          if (json) process.stdout.write(JSON.stringify({ event: 'join', partitions: parts }) + '\n');
        }),
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
    }),
  );
  // First SIGINT/SIGTERM: commit, leave the group, disconnect, exit 0; a second one exits at once.
  onShutdown(
    async () => {
      say(`stopping: committing offsets and leaving the group ${groupId}…`);
      await consumer.close();
      if (json) process.stdout.write(JSON.stringify({ event: 'summary', consumed: count }) + '\n');
      say(`consumed ${count} message(s); disconnected`);
    },
    { log: say },
  );
  await new Promise<never>(() => {}); // consume until a signal: onShutdown runs the cleanup above and exits
});
