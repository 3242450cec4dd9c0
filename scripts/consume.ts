/**
 * yarn consume <topic> [--group id] [--from-beginning] [--brokers h:p,...] [--json]
 *   Prints partition, offset and key of every message. Bootstraps from --brokers, else KAFKA_BOOTSTRAP, else every
 *   broker of the cluster that runs. On Ctrl-C / SIGTERM (or when yarn, which started it, goes away) it finishes the
 *   current batch, commits the offsets it processed, leaves the group, disconnects and exits 0; Ctrl-C again says
 *   what it is waiting for, a third time exits at once.
 */
import { parseArgs } from '../src/cli/args.js';
import { runMain } from '../src/cli/main.js';
import { discoverBootstrap, onShutdown, startOnTopic, startConsumer } from '../src/clients/index.js';
import { UserError } from '../src/cluster/types.js';
import { readStamp } from '../src/lab/audit.js';
import { KafkaLogSink, createLabKafka } from '../src/lab/kafka.js';

const USAGE = 'yarn consume <topic> [--group id] [--from-beginning] [--brokers host:port,...] [--json]';

await runMain(async () => {
  const args = parseArgs({ usage: USAGE, string: ['group', 'brokers'], boolean: ['from-beginning', 'json'] });
  const topic = args._[0] as string | undefined;
  if (!topic) throw new UserError(`which topic? (usage: ${USAGE})`, 2);
  const groupId = String(args.group ?? `kafka-lab-consume-${process.pid}`);
  const json = Boolean(args.json);
  const say = (line: string) => (json ? process.stderr : process.stdout).write(line + '\n');
  const bootstrap = await discoverBootstrap({ brokers: args.brokers ? String(args.brokers).split(',') : undefined });
  const brokers = bootstrap.brokers;
  process.stderr.write(`bootstrap: ${brokers.join(',')} (${bootstrap.source})\n`);

  const kafka = createLabKafka(brokers, 'kafka-lab-consume', { sink: new KafkaLogSink() });
  let count = 0;
  // kafkajs may report the same join twice (two fetchers hit a moved leader at once and both rejoin): say it once.
  let lastJoin = '';
  const starting = startOnTopic(kafka, brokers, topic, () =>
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
          const join = `${payload.memberId} ${parts.join(',')}`;
          if (join === lastJoin) return;
          const again = lastJoin !== '';
          lastJoin = join;
          say(`${again ? 'rejoined' : 'joined'} group ${groupId}: partitions ${parts.join(',') || '(none)'}`);
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
  // Ctrl-C / SIGTERM / yarn gone: commit, leave the group, disconnect, exit 0 (see src/clients/shutdown.ts). Listening
  // from the start: a Ctrl-C while it connects waits for the join, then leaves cleanly too.
  onShutdown(
    async () => {
      const consumer = await starting.catch(() => null);
      if (!consumer) return 1;
      await consumer.close();
      if (json) process.stdout.write(JSON.stringify({ event: 'summary', consumed: count }) + '\n');
      say(`consumed ${count} message(s); offsets committed, left the group ${groupId}, disconnected`);
    },
    // keyboard: Ctrl-C is read as a key, so yarn does not die of the SIGINT and reports this exit code (0).
    { log: say, what: `committing the offsets it processed and leaving the group ${groupId}`, keyboard: true },
  );
  await starting; // a cluster that is not there, or no such topic: the one-line error
  await new Promise<never>(() => {}); // consume until a signal: onShutdown runs the cleanup above and exits
});
