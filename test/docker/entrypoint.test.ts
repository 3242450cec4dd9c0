/** The stand-in's reading of the apache/kafka env contract (src/broker/docker-entrypoint.ts), without Docker. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { EnvError, IMAGE_DEFAULT_CLUSTER_ID, envToConfigName, planFromEnv, propertiesFromEnv } from '../../src/broker/docker-entrypoint.js';

const root = join(import.meta.dirname, '..', '..');
type Compose = { services: Record<string, { environment: Record<string, string | number> }> };
const composeEnv = (file: string, service: string): NodeJS.ProcessEnv =>
  Object.fromEntries(Object.entries((parse(readFileSync(join(root, file), 'utf8')) as Compose).services[service]!.environment).map(([k, v]) => [k, String(v)]));

describe('env var → config name (the image rule)', () => {
  it('strips KAFKA_, lower-cases, and maps _ → . , __ → _ , ___ → -', () => {
    expect(envToConfigName('KAFKA_BROKER_SESSION_TIMEOUT_MS')).toBe('broker.session.timeout.ms');
    expect(envToConfigName('KAFKA_LISTENER_NAME_HOST_SSL__KEY')).toBe('listener.name.host.ssl_key');
    expect(envToConfigName('KAFKA_FOO___BAR')).toBe('foo-bar');
  });

  it('skips launch-script variables and the kit\'s own KAFKA_LAB_*', () => {
    const props = propertiesFromEnv({ KAFKA_HEAP_OPTS: '-Xmx1g', KAFKA_OPTS: '', KAFKA_LAB_STANDIN: '1', KAFKA_NODE_ID: '3', PATH: '/bin' });
    expect(props).toEqual({ 'node.id': '3' });
  });
});

describe('planFromEnv on our compose files', () => {
  it('single-broker.yml: node 1, its cluster id and volume, HOST + DOCKER served (controller skipped)', () => {
    const plan = planFromEnv(composeEnv('compose/single-broker.yml', 'kafka-1'), 'container-host');
    expect(plan.nodeId).toBe(1);
    expect(plan.clusterId).toBe('a2Fma2EtbGFiLXNpbmdsZQ');
    expect(plan.dataDir).toBe('/var/lib/kafka/data');
    expect(plan.listeners).toEqual([
      { name: 'HOST', host: '0.0.0.0', port: 9092, advertisedHost: '127.0.0.1', advertisedPort: 9092 },
      { name: 'DOCKER', host: '0.0.0.0', port: 19092, advertisedHost: 'kafka-1', advertisedPort: 19092 },
    ]);
    expect(plan.config).toMatchObject({ brokerSessionTimeoutMs: 5000, groupInitialRebalanceDelayMs: 0, defaultReplicationFactor: 1, minInsyncReplicas: 1, offsetsTopicReplicationFactor: 1 });
    expect(plan.notes).toEqual([]); // every variable the file sets is either modelled or known to be moot
  });

  it('multi-broker.yml kafka-2: its own ports, and RF 3 / min ISR 2 capped to 1 with a note', () => {
    const plan = planFromEnv(composeEnv('compose/multi-broker.yml', 'kafka-2'));
    expect(plan.nodeId).toBe(2);
    expect(plan.listeners.map((l) => `${l.name} ${l.port} ${l.advertisedHost}:${l.advertisedPort}`)).toEqual(['HOST 9093 127.0.0.1:9093', 'DOCKER 19092 kafka-2:19092']);
    expect(plan.config).toMatchObject({ defaultReplicationFactor: 1, offsetsTopicReplicationFactor: 1, minInsyncReplicas: 1 });
    expect(plan.notes.join('\n')).toMatch(/capped default\.replication\.factor 3 → 1, offsets\.topic\.replication\.factor 3 → 1, min\.insync\.replicas 2 → 1/);
  });
});

describe('planFromEnv: the rest of the contract', () => {
  const minimal = { KAFKA_NODE_ID: '1', KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093', KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER' };

  it("Kafka's defaults, not the embedded backend's, for what the environment leaves out", () => {
    const plan = planFromEnv(minimal, 'abc123');
    expect(plan.clusterId).toBe(IMAGE_DEFAULT_CLUSTER_ID);
    expect(plan.dataDir).toBe('/tmp/kraft-combined-logs');
    expect(plan.listeners).toEqual([{ name: 'PLAINTEXT', host: '0.0.0.0', port: 9092, advertisedHost: 'abc123', advertisedPort: 9092 }]);
    expect(plan.config).toMatchObject({ autoCreateTopics: true, brokerSessionTimeoutMs: 9000, groupInitialRebalanceDelayMs: 3000 });
  });

  it('listeners derived from advertised listeners when KAFKA_LISTENERS is unset', () => {
    const plan = planFromEnv({ KAFKA_NODE_ID: '4', KAFKA_ADVERTISED_LISTENERS: 'PLAINTEXT://broker:19092' });
    expect(plan.listeners).toEqual([{ name: 'PLAINTEXT', host: '0.0.0.0', port: 19092, advertisedHost: 'broker', advertisedPort: 19092 }]);
  });

  it('configs it models are read; others are listed once as ignored', () => {
    const plan = planFromEnv({ ...minimal, KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false', KAFKA_NUM_PARTITIONS: '3', KAFKA_LOG_RETENTION_HOURS: '1', KAFKA_COMPRESSION_TYPE: 'lz4' });
    expect(plan.config).toMatchObject({ autoCreateTopics: false, numPartitions: 3, retentionMs: 3_600_000 });
    expect(plan.notes).toEqual(['not modelled by the stand-in, ignored: compression.type']);
  });

  it('refuses what it cannot honour, in one line', () => {
    expect(() => planFromEnv({ KAFKA_LISTENERS: 'PLAINTEXT://:9092' })).toThrow(/KAFKA_NODE_ID is required/);
    expect(() => planFromEnv({ ...minimal, KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'PLAINTEXT:SSL,CONTROLLER:PLAINTEXT' })).toThrow(/PLAINTEXT only/);
    expect(() => planFromEnv({ ...minimal, KAFKA_PROCESS_ROLES: 'controller' })).toThrow(/controller-only/);
    expect(() => planFromEnv({ ...minimal, KAFKA_LISTENERS: 'nonsense' })).toThrow(EnvError);
    expect(() => planFromEnv({ ...minimal, KAFKA_ADVERTISED_LISTENERS: 'OTHER://x:1' })).toThrow(/OTHER is not in KAFKA_LISTENERS/);
  });
});
