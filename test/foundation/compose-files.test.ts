/** The compose files are code too: parse them and check that their pieces agree with each other and with the kit. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_CONFIG } from '../../src/broker/config.js';
import { DEFAULT_KAFKA_IMAGE } from '../../src/cluster/docker/backend.js';
import { PROFILE_BROKERS, type Profile } from '../../src/cluster/types.js';

const root = join(import.meta.dirname, '..', '..');
type Service = {
  image: string;
  hostname?: string;
  ports?: string[];
  environment: Record<string, string | number>;
  volumes?: string[];
  healthcheck?: { test: string[]; interval: string; retries: number };
  networks?: string[];
};
type ComposeFile = { services: Record<string, Service>; volumes: Record<string, { name: string }>; networks: Record<string, { name: string; external?: boolean }> };
const load = (file: string) => parse(readFileSync(join(root, file), 'utf8')) as ComposeFile;

const FILES: Record<Profile, string> = { single: 'compose/single-broker.yml', multi: 'compose/multi-broker.yml' };

function listeners(value: string | number): Record<string, { host: string; port: number }> {
  return Object.fromEntries(
    String(value)
      .split(',')
      .map((l) => {
        const m = /^(\w+):\/\/([^:]*):(\d+)$/.exec(l)!;
        expect(m, `listener "${l}"`).not.toBeNull();
        return [m[1]!, { host: m[2]!, port: Number(m[3]) }];
      }),
  );
}

for (const profile of ['single', 'multi'] as const) {
  describe(`${FILES[profile]}`, () => {
    const file = load(FILES[profile]);
    const expected = PROFILE_BROKERS[profile];
    const services = Object.entries(file.services);
    const n = expected.length;

    it('has one kafka-N service per broker of the profile, on the pinned image (overridable)', () => {
      expect(services.map(([name]) => name)).toEqual(expected.map((b) => `kafka-${b.id}`));
      for (const [, s] of services) expect(s.image).toBe(`\${KAFKA_IMAGE:-${DEFAULT_KAFKA_IMAGE}}`);
      expect(DEFAULT_KAFKA_IMAGE).toMatch(/^apache\/kafka:4\.\d+\.\d+$/);
    });

    it('node ids, host ports and advertised listeners match PROFILE_BROKERS (127.0.0.1, container port = host port)', () => {
      for (const b of expected) {
        const s = file.services[`kafka-${b.id}`]!;
        const env = s.environment;
        expect(env.KAFKA_NODE_ID).toBe(b.id);
        expect(s.hostname).toBe(`kafka-${b.id}`);
        expect(s.ports).toEqual([`127.0.0.1:${b.port}:${b.port}`]);
        const bind = listeners(env.KAFKA_LISTENERS!);
        const adv = listeners(env.KAFKA_ADVERTISED_LISTENERS!);
        expect(bind.HOST).toEqual({ host: '0.0.0.0', port: b.port });
        expect(adv.HOST).toEqual({ host: '127.0.0.1', port: b.port });
        expect(adv.DOCKER).toEqual({ host: `kafka-${b.id}`, port: bind.DOCKER!.port });
        expect(adv.CONTROLLER).toBeUndefined();
        // every listener has a protocol, and the named inter-broker/controller listeners exist
        const map = Object.fromEntries(String(env.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP).split(',').map((p) => p.split(':')));
        expect(Object.keys(map).sort()).toEqual(Object.keys(bind).sort());
        expect(bind[String(env.KAFKA_INTER_BROKER_LISTENER_NAME)]).toBeDefined();
        expect(bind[String(env.KAFKA_CONTROLLER_LISTENER_NAMES)]).toBeDefined();
        expect(env.KAFKA_PROCESS_ROLES).toBe('broker,controller');
      }
    });

    it('quorum voters are exactly the nodes, on their controller listener; one CLUSTER_ID', () => {
      const ids = new Set(services.map(([, s]) => s.environment.CLUSTER_ID));
      expect(ids.size).toBe(1);
      expect(String([...ids][0])).toMatch(/^[A-Za-z0-9_-]{22}$/);
      for (const [, s] of services) {
        const controllerPort = listeners(s.environment.KAFKA_LISTENERS!).CONTROLLER!.port;
        expect(s.environment.KAFKA_CONTROLLER_QUORUM_VOTERS).toBe(expected.map((b) => `${b.id}@kafka-${b.id}:${controllerPort}`).join(','));
      }
    });

    it('replication settings fit the number of brokers', () => {
      const rf = profile === 'multi' ? 3 : 1;
      const minIsr = profile === 'multi' ? 2 : 1;
      for (const [, s] of services) {
        const env = s.environment;
        expect(env.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR).toBe(rf);
        expect(env.KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR).toBe(rf);
        expect(env.KAFKA_TRANSACTION_STATE_LOG_MIN_ISR).toBe(minIsr);
        expect(env.KAFKA_DEFAULT_REPLICATION_FACTOR).toBe(rf);
        expect(env.KAFKA_MIN_INSYNC_REPLICAS).toBe(minIsr);
        expect(Number(env.KAFKA_MIN_INSYNC_REPLICAS)).toBeLessThanOrEqual(n);
        expect(env.KAFKA_BROKER_SESSION_TIMEOUT_MS).toBe(5000);
        expect(env.KAFKA_BROKER_HEARTBEAT_INTERVAL_MS).toBe(1000);
        expect(env.KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS).toBe(0);
        expect(env.KAFKA_LOG_CLEANER_BACKOFF_MS).toBe(DEFAULT_CONFIG.logCleanerBackoffMs); // the embedded cleaner's pace
        expect(String(env.KAFKA_HEAP_OPTS)).toMatch(/-Xmx\d+[mg]/);
      }
    });

    it('keeps data on a named volume per broker, at KAFKA_LOG_DIRS', () => {
      for (const b of expected) {
        const s = file.services[`kafka-${b.id}`]!;
        const [volume, path] = s.volumes![0]!.split(':');
        expect(path).toBe(s.environment.KAFKA_LOG_DIRS);
        expect(file.volumes[volume!]!.name).toBe(`kafka-lab-${profile}-data${profile === 'multi' ? `-${b.id}` : ''}`);
      }
    });

    it('has a healthcheck per broker that asks its own listener with the image tools', () => {
      for (const [name, s] of services) {
        const test = s.healthcheck!.test;
        expect(test[0]).toBe('CMD-SHELL');
        expect(test[1]).toMatch(/^KAFKA_HEAP_OPTS=-Xmx64m \/opt\/kafka\/bin\/kafka-[\w-]+\.sh /);
        const port = listeners(s.environment.KAFKA_ADVERTISED_LISTENERS!).DOCKER!.port;
        expect(test[1]).toContain(`--bootstrap-server ${name}:${port}`);
      }
    });

    it('joins the shared kafka-lab network', () => {
      expect(file.networks['kafka-lab']!.name).toBe('kafka-lab');
      for (const [, s] of services) expect(s.networks).toEqual(['kafka-lab']);
    });
  });
}

describe('conduktor/docker-compose.yml', () => {
  const file = load('conduktor/docker-compose.yml');
  it('waits for a healthy Postgres and reaches both clusters on their DOCKER listener', () => {
    const console = file.services.console! as Service & { depends_on: Record<string, { condition: string }> };
    expect(console.depends_on.postgresql!.condition).toBe('service_healthy');
    expect(file.services.postgresql!.healthcheck).toBeDefined();
    const env = console.environment;
    const multi = load(FILES.multi);
    const docker = Object.values(multi.services).map((s) => `${listeners(s.environment.KAFKA_ADVERTISED_LISTENERS!).DOCKER!.host}:${listeners(s.environment.KAFKA_ADVERTISED_LISTENERS!).DOCKER!.port}`);
    expect(env.CDK_CLUSTERS_1_BOOTSTRAPSERVERS).toBe(docker.join(','));
    expect(env.CDK_CLUSTERS_0_BOOTSTRAPSERVERS).toBe(docker[0]);
    expect(file.networks['kafka-lab']).toEqual({ name: 'kafka-lab', external: true });
  });

  it('has an admin password that passes Console’s rules', () => {
    const pw = String(file.services.console!.environment.CDK_ADMIN_PASSWORD);
    expect(pw.length).toBeGreaterThanOrEqual(8);
    for (const re of [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/]) expect(pw).toMatch(re);
  });
});
