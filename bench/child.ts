/**
 * The server side of a benchmark, in its own process (forked by bench/server.ts): an embedded cluster or the null
 * broker. Separate from the kafkajs client so each has its own core, and so its RSS is its own. Commands arrive over
 * the IPC channel as { id, cmd, args } and are answered with { id, ok, result | error }.
 */
import { rmSync } from 'node:fs';
import { EmbeddedCluster } from '../src/broker/embedded-cluster.js';
import type { BrokerConfig } from '../src/broker/config.js';
import { NullBroker } from './null-broker.js';

export type ChildCommand =
  | { cmd: 'start-embedded'; args: { brokers: number; dataDir: string; config?: Partial<BrokerConfig> } }
  | { cmd: 'start-null'; args: { brokers: number; partitions: number } }
  | { cmd: 'kill' | 'start-broker'; args: { id: number } }
  | { cmd: 'partition'; args: { topic: string; partition: number } }
  | { cmd: 'memory'; args: { gc: boolean } }
  | { cmd: 'disk'; args: Record<string, never> }
  | { cmd: 'cpu'; args: Record<string, never> }
  | { cmd: 'close'; args: { removeData?: boolean } };

let cluster: EmbeddedCluster | null = null;
let nullBroker: NullBroker | null = null;
let dataDir: string | null = null;

async function handle(message: ChildCommand): Promise<unknown> {
  switch (message.cmd) {
    case 'start-embedded': {
      dataDir = message.args.dataDir;
      cluster = await EmbeddedCluster.start({ brokers: message.args.brokers, dataDir, config: message.args.config ?? {} });
      return { bootstrap: cluster.bootstrapServers };
    }
    case 'start-null': {
      nullBroker = await NullBroker.start({ brokers: message.args.brokers, partitions: message.args.partitions });
      return { bootstrap: nullBroker.bootstrapServers };
    }
    case 'kill': {
      const at = Date.now();
      await cluster!.killBroker(message.args.id);
      return { at };
    }
    case 'start-broker':
      await cluster!.startBroker(message.args.id);
      return {};
    case 'partition': {
      const p = cluster!.context.metadata.partition(message.args.topic, message.args.partition);
      return p ? { leader: p.leader, isr: [...p.inSyncReplicas], replicas: [...p.replicas] } : null;
    }
    case 'memory': {
      if (message.args.gc && typeof globalThis.gc === 'function') {
        globalThis.gc();
        await new Promise((r) => setTimeout(r, 50));
        globalThis.gc();
      }
      const m = process.memoryUsage();
      return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
    }
    case 'cpu': {
      const u = process.cpuUsage();
      return { micros: u.user + u.system };
    }
    case 'disk': {
      let bytes = 0;
      let segments = 0;
      for (const broker of cluster?.context.brokers.values() ?? []) {
        for (const replica of broker.replicas.values()) {
          const s = replica.log.stats();
          bytes += s.sizeBytes;
          segments += s.segments;
        }
      }
      return { bytes, segments };
    }
    case 'close': {
      await cluster?.close();
      await nullBroker?.close();
      if (dataDir && message.args.removeData) rmSync(dataDir, { recursive: true, force: true });
      cluster = null;
      nullBroker = null;
      return {};
    }
  }
}

process.on('message', (message: ChildCommand & { id: number }) => {
  handle(message).then(
    (result) => process.send!({ id: message.id, ok: true, result }),
    (error: Error) => process.send!({ id: message.id, ok: false, error: error.message }),
  );
});
process.on('disconnect', () => process.exit(0));
process.send!({ ready: true });
