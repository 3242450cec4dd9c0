/**
 * yarn produce <topic> [--rate N] [--keys K] [--count N] [--acks all|1|0] [--brokers h:p,...] [--json] [--producer-id ID]
 *   Without --rate: one message per stdin line ("key=value" sets a key, else no key).
 *   With --rate N: N generated events per second with keys key-0..key-(K-1), until Ctrl-C / SIGTERM (or --count).
 * Every message is stamped (producer id + sequence) so the lab audit can check it. On SIGINT/SIGTERM it stops
 * reading, waits for the sends in flight to be acknowledged, disconnects and exits 0.
 */
import { createInterface } from 'node:readline';
import { Partitioners } from 'kafkajs';
import { parseArgs } from '../src/cli/args.js';
import { runMain } from '../src/cli/main.js';
import { resolveBootstrap } from '../src/clients/kafka.js';
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

  const sink = new KafkaLogSink();
  const kafka = createLabKafka(brokers, `kafka-lab-produce`, { sink, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 } });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: acks === -1, maxInFlightRequests: acks === -1 ? 1 : 5 });
  let topics: string[];
  try {
    await producer.connect();
    const admin = kafka.admin();
    await admin.connect();
    topics = await admin.listTopics();
    await admin.disconnect();
  } catch (error) {
    await producer.disconnect().catch(() => undefined);
    throw new UserError(`cannot reach the cluster at ${brokers.join(', ')}: start it with \`yarn cluster:up\` (${(error as Error).message})`);
  }
  if (!topics.includes(topic)) {
    await producer.disconnect();
    throw new UserError(`there is no topic "${topic}": create it first (topics: ${topics.filter((t) => !t.startsWith('__')).join(', ') || 'none'})`);
  }
  const audit = new MessageAudit();
  let stopping = false;
  let sent = 0;
  let acked = 0;
  let failed = 0;
  let wake: (() => void) | null = null;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: finishing the sends in flight, then disconnecting…`);
    wake?.();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

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
    for (let i = 0; !stopping && i < count; i++) {
      await send(`key-${i % keyCount}`, null);
      if (!json && i % Math.max(1, Math.round(rate)) === 0) say(`${acked} acknowledged`);
      next += interval;
      const wait = next - Date.now();
      if (wait > 0 && !stopping) await new Promise<void>((r) => ((wake = r), setTimeout(r, wait)));
    }
  } else {
    const rl = createInterface({ input: process.stdin });
    process.once('SIGTERM', () => rl.close());
    process.once('SIGINT', () => rl.close());
    if (process.stdin.isTTY) say(`type messages for ${topic}, one per line ("key=value" for a keyed one); Ctrl-C to stop`);
    for await (const line of rl) {
      if (stopping) break;
      if (!line.trim()) continue;
      const eq = line.indexOf('=');
      await send(eq > 0 ? line.slice(0, eq) : null, eq > 0 ? line.slice(eq + 1) : line);
    }
  }
  await producer.disconnect();
  emit({ event: 'summary', producer: producerId, sent, acked, failed });
  say(`sent ${sent}, acknowledged ${acked}, failed ${failed}; disconnected`);
  return failed > 0 ? 1 : 0;
});
