/** kcat (librdkafka): one kcat process per command, its JSON output read back. */
import { spawn } from 'node:child_process';
import type { Answer, Command, Driver } from '../types.js';

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function kcat(args: string[], input: string, timeoutMs: number): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn('kcat', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.on('error', (error) => resolve({ code: -1, stdout, stderr: error.message }));
    child.stdin.on('error', () => undefined); // kcat may exit before it reads its input (EPIPE): its exit code says why
    child.stdin.end(input);
  });
}

/** librdkafka's reason, e.g. "Broker: Request timed out" from "% Delivery failed for message: Broker: Request timed out". */
function failure(ran: Ran): string {
  const delivery = /Delivery failed for message: (.*)/.exec(ran.stderr);
  if (delivery) return delivery[1]!.trim();
  const error = /% ERROR: (.*)/.exec(ran.stderr);
  return (error?.[1] ?? ran.stderr.trim().split('\n').pop() ?? `exit ${ran.code}`).trim();
}

export function kcatDriver(bootstrap: string[]): Driver {
  const b = ['-b', bootstrap.join(','), '-X', 'client.id=conformance-kcat'];
  return {
    name: 'kcat',
    cannot(c) {
      if (c.op === 'produce' && c.timestamp !== undefined) return 'kcat cannot set a record timestamp';
      if (c.op === 'join') return 'kcat does not report its group generation or member id';
      if (c.op === 'transaction') return 'kcat has no transactional producer';
      return null;
    },
    async send(c: Command): Promise<Answer> {
      switch (c.op) {
        case 'produce': {
          const ran = await kcat(
            [...b, '-P', '-t', c.topic, '-p', String(c.partition), '-X', `acks=${c.acks}`, '-X', `compression.codec=${c.compression ?? 'none'}`,
              '-X', 'enable.idempotence=false', '-X', 'message.send.max.retries=0', '-X', `request.timeout.ms=${c.timeoutMs}`,
              '-X', `message.timeout.ms=${c.timeoutMs + 5000}`],
            c.values.join('\n') + '\n',
            c.timeoutMs + 20_000,
          );
          // kcat reports no offsets for what it produced; "% ERROR: … transport failure" lines about a dead seed broker
          // are librdkafka's log, not a failed delivery
          return /Delivery failed/.test(ran.stderr) || ran.code !== 0 ? { error: failure(ran) } : {};
        }
        case 'fetch': {
          const isolation = ['-X', `isolation.level=${c.readCommitted ? 'read_committed' : 'read_uncommitted'}`];
          const ran = await kcat([...b, ...isolation, '-C', '-q', '-J', '-e', '-t', c.topic, '-p', String(c.partition), '-o', String(c.offset), '-c', String(c.max)], '', c.waitMs + 10_000);
          const records = ran.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).map((m) => ({ offset: m.offset as number, value: m.payload as string }));
          return ran.code === 0 ? { records } : { error: failure(ran), records };
        }
        case 'metadata': {
          const ran = await kcat([...b, '-L', '-J', '-t', c.topic], '', 20_000);
          if (ran.code !== 0) return { error: failure(ran) };
          const md = JSON.parse(ran.stdout);
          const topic = md.topics.find((t: any) => t.topic === c.topic);
          if (topic?.error) return { error: topic.error };
          return {
            brokers: md.brokers.map((x: any) => x.id).sort(),
            controller: md.controllerid,
            partitions: topic.partitions.map((p: any) => ({
              partition: p.partition,
              leader: p.leader,
              replicas: p.replicas.map((r: any) => r.id).sort(),
              isr: p.isrs.map((r: any) => r.id).sort(),
            })),
          };
        }
        case 'offsets': {
          const query = async (at: number) => {
            const ran = await kcat([...b, '-Q', '-J', '-t', `${c.topic}:${c.partition}:${at}`], '', 20_000);
            if (ran.code !== 0) throw new Error(failure(ran));
            return JSON.parse(ran.stdout)[c.topic][String(c.partition)].offset as number;
          };
          try {
            return { earliest: await query(-2), latest: await query(-1) };
          } catch (error) {
            return { error: (error as Error).message };
          }
        }
        case 'join':
        case 'transaction':
          return { error: 'unsupported' };
      }
    },
    async close() {},
  };
}
