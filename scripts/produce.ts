/**
 * yarn produce <topic> [--rate N] [--keys K] [--count N] [--acks all|1|0] [--brokers h:p,...] [--json] [--producer-id ID]
 *   Without --rate: one message per stdin line ("key=value" sets a key, else no key).
 *   With --rate N: N generated events per second with keys key-0..key-(K-1), until Ctrl-C / SIGTERM (or --count).
 * Every message is stamped (producer id + sequence) so the lab audit can check it. On SIGINT/SIGTERM it stops
 * reading, waits for the sends in flight to be acknowledged, disconnects and exits 0 (1 if a send failed); a second
 * signal exits at once.
 */
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { Partitioners } from 'kafkajs';
import { parseArgs } from '../src/cli/args.js';
import { runMain } from '../src/cli/main.js';
import { onShutdown, resolveBootstrap, startOnTopic, startProducer } from '../src/clients/index.js';
import { UserError } from '../src/cluster/types.js';
import { MessageAudit } from '../src/lab/audit.js';
import { KafkaLogSink, createLabKafka, kafkaErrorType } from '../src/lab/kafka.js';

const USAGE = 'yarn produce <topic> [--rate N] [--keys K] [--count N] [--acks all|1|0] [--brokers host:port,...] [--json]';

await runMain(async () => {
  const args = parseArgs({ usage: USAGE, string: ['rate', 'keys', 'count', 'acks', 'brokers', 'producer-id'], boolean: ['json'] });
  const topic = args._[0] as string | undefined;
  if (!topic) throw new UserError(`which topic? (usage: ${USAGE})`, 2);
  const rate = args.rate !== undefined ? Number(args.rate) : undefined;
  if (rate !== undefined && !(rate > 0)) throw new UserError('--rate must be a positive number of messages per second', 2);
  const keyCount = Number(args.keys ?? 5);
  const count = args.count !== undefined ? Number(args.count) : Infinity;
  const acks = args.acks === undefined || args.acks === 'all' || args.acks === '-1' ? -1 : Number(args.acks);
  if (![-1, 0, 1].includes(acks)) throw new UserError('--acks must be all, 1 or 0', 2);
  const brokers = resolveBootstrap(args.brokers ? { brokers: String(args.brokers).split(',') } : {});
  const producerId = String(args['producer-id'] ?? `producer-${process.pid}`);
  const json = Boolean(args.json);
  const emit = (event: Record<string, unknown>) => (json ? process.stdout.write(JSON.stringify(event) + '\n') : undefined);
  const say = (line: string) => (json ? process.stderr : process.stdout).write(line + '\n');

  const kafka = createLabKafka(brokers, `kafka-lab-produce`, { sink: new KafkaLogSink(), retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 } });
  const producer = await startOnTopic(kafka, brokers, topic, () =>
    startProducer({
      kafka,
      producer: { createPartitioner: Partitioners.DefaultPartitioner, idempotent: acks === -1, maxInFlightRequests: acks === -1 ? 1 : 5 },
      handleSignals: false, // the shutdown below also prints the summary
    }),
  );
  const audit = new MessageAudit();
  let sent = 0;
  let acked = 0;
  let failed = 0;
  let finishing: Promise<number> | null = null;
  const finish = () =>
    (finishing ??= (async () => {
      await producer.close(); // waits for the sends in flight, then disconnects
      emit({ event: 'summary', producer: producerId, sent, acked, failed });
      say(`sent ${sent}, acknowledged ${acked}, failed ${failed}; disconnected`);
      return failed > 0 ? 1 : 0;
    })());
  // First SIGINT/SIGTERM: stop taking work, finish(), exit with its code; a second one exits at once.
  const shutdown = onShutdown(finish, { log: say });

  const send = async (key: string | null, value: string | null) => {
    const stamped = audit.stamp(producerId, key ?? '');
    sent++;
    try {
      const [meta] = await producer.send({
        topic,
        acks,
        messages: [{ key, value: value ?? stamped.value, headers: stamped.headers }],
      });
      acked++;
      emit({ event: 'ack', producer: producerId, seq: stamped.stamp.seq, key: key ?? '', partition: meta?.partition, offset: meta?.baseOffset });
      if (!json && !rate) say(`→ partition ${meta?.partition} offset ${meta?.baseOffset}${key ? ` key ${key}` : ''}`);
    } catch (error) {
      failed++;
      emit({ event: 'error', producer: producerId, seq: stamped.stamp.seq, key: key ?? '', error: kafkaErrorType(error) });
      say(`send failed: ${kafkaErrorType(error)}: ${(error as Error).message}`);
    }
  };

  if (rate !== undefined) {
    const interval = 1000 / rate;
    let next = Date.now();
    for (let i = 0; !shutdown.stopping && i < count; i++) {
      await send(`key-${i % keyCount}`, null);
      if (!json && i % Math.max(1, Math.round(rate)) === 0) say(`${acked} acknowledged`);
      next += interval;
      const wait = next - Date.now();
      if (wait > 0 && !shutdown.stopping) await sleep(wait, undefined, { signal: shutdown.signal }).catch(() => undefined);
    }
  } else {
    const rl = createInterface({ input: process.stdin });
    shutdown.signal.addEventListener('abort', () => rl.close());
    if (process.stdin.isTTY) say(`type messages for ${topic}, one per line ("key=value" for a keyed one); Ctrl-C to stop`);
    for await (const line of rl) {
      if (shutdown.stopping) break;
      if (!line.trim()) continue;
      const eq = line.indexOf('=');
      await send(eq > 0 ? line.slice(0, eq) : null, eq > 0 ? line.slice(eq + 1) : line);
    }
  }
  return await finish();
});
