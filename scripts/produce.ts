/**
 * yarn produce <topic> [--rate N] [--keys K] [--count N] [--acks all|1|0] [--brokers h:p,...] [--json] [--producer-id ID]
 *   Without --rate: one message per stdin line ("key=value" sets a key, else no key).
 *   With --rate N: N generated events per second with keys key-0..key-(K-1), until Ctrl-C / SIGTERM (or --count).
 * Bootstraps from --brokers, else KAFKA_BOOTSTRAP, else every broker of the cluster that runs. Every message is
 * stamped (producer id + sequence) so the lab audit can check it. A send that kafkajs retries says so at each failed
 * attempt (which error, which attempt, how long until it gives up). On Ctrl-C / SIGTERM (or when yarn, which started
 * it, goes away) it stops reading, waits for the sends in flight to be acknowledged, disconnects and exits 0 (1 if a
 * send failed); Ctrl-C again says what it waits for, a third time exits at once.
 */
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { type LogEntry, Partitioners, type RetryOptions, logLevel } from 'kafkajs';
import { parseArgs } from '../src/cli/args.js';
import { runMain } from '../src/cli/main.js';
import { discoverBootstrap, nullKeyRefusal, onShutdown, startOnTopic, startProducer } from '../src/clients/index.js';
import { type SendRetry, describeRetry, sendRetryLogCreator } from '../src/clients/send-retries.js';
import { UserError } from '../src/cluster/types.js';
import { type LiveRegion, liveAllowed, openRegion } from '../src/common/terminal.js';
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
  if (!Number.isInteger(keyCount) || keyCount < 1) throw new UserError('--keys must be a whole number of keys, 1 or more', 2);
  const count = args.count !== undefined ? Number(args.count) : Infinity;
  if (args.count !== undefined && (!Number.isInteger(count) || count < 1)) throw new UserError('--count must be a whole number of messages, 1 or more', 2);
  const acks = args.acks === undefined || args.acks === 'all' || args.acks === '-1' ? -1 : Number(args.acks);
  if (![-1, 0, 1].includes(acks)) throw new UserError('--acks must be all, 1 or 0', 2);
  const bootstrap = await discoverBootstrap({ brokers: args.brokers ? String(args.brokers).split(',') : undefined });
  const brokers = bootstrap.brokers;
  process.stderr.write(`bootstrap: ${brokers.join(',')} (${bootstrap.source})\n`);
  const producerId = String(args['producer-id'] ?? `producer-${process.pid}`);
  const json = Boolean(args.json);
  const emit = (event: Record<string, unknown>) => (json ? process.stdout.write(JSON.stringify(event) + '\n') : undefined);
  const say = (line: string) => (json ? process.stderr : process.stdout).write(line + '\n');

  const retries = showRetries(json, emit);
  const sink = new KafkaLogSink();
  const retry: RetryOptions = { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 };
  const toSink = () => ({ namespace, level, log }: LogEntry) =>
    sink.push({ at: Date.now(), level: logLevel[level] ?? String(level), namespace, message: log.message, ...(typeof log.error === 'string' ? { error: log.error } : {}) });
  const kafka = createLabKafka(brokers, `kafka-lab-produce`, { sink, retry, extra: { logCreator: sendRetryLogCreator(retry, retries.show, toSink) } });
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
  // Ctrl-C as a key (so yarn does not die of it and reports this exit code), unless a person types the messages: then
  // readline edits the line and passes Ctrl-C on.
  const typing = rate === undefined && Boolean(process.stdin.isTTY);
  const shutdown = onShutdown(finish, { log: say, what: 'waiting for the sends in flight to be acknowledged', keyboard: !typing });

  const send = async (key: string | null, value: string | null) => {
    const stamped = audit.stamp(producerId, key ?? '');
    sent++;
    try {
      const [meta] = await producer.send({
        topic,
        acks,
        messages: [{ key, value: value ?? stamped.value, headers: stamped.headers }],
      });
      retries.settle(true);
      acked++;
      emit({ event: 'ack', producer: producerId, seq: stamped.stamp.seq, key: key ?? '', partition: meta?.partition, offset: meta?.baseOffset });
      if (!json && !rate) say(`→ partition ${meta?.partition} offset ${meta?.baseOffset}${key ? ` key ${key}` : ''}`);
    } catch (error) {
      const tried = retries.settle(false);
      failed++;
      emit({ event: 'error', producer: producerId, seq: stamped.stamp.seq, key: key ?? '', error: kafkaErrorType(error) });
      const refusal = key === null && kafkaErrorType(error) === 'INVALID_RECORD' ? await nullKeyRefusal(kafka, topic) : null;
      say(refusal ?? `send failed${tried ? ` after ${tried.attempts} attempts` : ''}: ${kafkaErrorType(error)}: ${(error as Error).message}`);
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
    const rl = typing ? createInterface({ input: process.stdin, output: process.stdout, terminal: true, prompt: '' }) : createInterface({ input: process.stdin });
    rl.on('SIGINT', () => shutdown.interrupt());
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

/**
 * Each failed attempt of a send kafkajs retries, as it happens: on a terminal one line redrawn in place (replaced by
 * the outcome), elsewhere a line at the first failure, when the error changes and every 5 s; with --json also a
 * `retry` event on stdout.
 */
function showRetries(json: boolean, emit: (event: Record<string, unknown>) => void) {
  const out = json ? process.stderr : process.stdout;
  // Not while someone types into the terminal: their echoed lines would land in the redrawn one.
  const live = liveAllowed(out) && !process.stdin.isTTY;
  let region: LiveRegion | null = null;
  let first: SendRetry | null = null;
  let last: SendRetry | null = null;
  let lastLine = { at: 0, what: '' };
  return {
    show(r: SendRetry) {
      first ??= r;
      last = r;
      emit({ event: 'retry', attempt: r.attempt, attempts: r.attempts, error: r.type ?? r.message, retryInMs: r.retryInMs, giveUpInMs: r.giveUpInMs });
      const line = `  ↻ ${describeRetry(r)}`;
      if (live) {
        region ??= openRegion(out);
        region.set([line]);
        return;
      }
      const what = r.type ?? r.message;
      if (r.attempt === 1 || what !== lastLine.what || Date.now() - lastLine.at >= 5_000) {
        out.write(line + '\n');
        lastLine = { at: Date.now(), what };
      }
    },
    /** the send ended: say how, when it needed retries */
    settle(ok: boolean): SendRetry | null {
      region?.close('clear');
      region = null;
      const tried = last;
      if (first && last && ok) out.write(`  ↻ acknowledged at attempt ${last.attempt + 1} of ${last.attempts} (the ones before failed: ${first.type ?? first.message})\n`);
      first = null;
      last = null;
      lastLine = { at: 0, what: '' };
      return tried;
    },
  };
}
